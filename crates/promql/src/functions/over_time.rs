//! Functions of one window of samples: the `*_over_time` family, `changes`,
//! `resets`, `deriv`, `predict_linear` and `holt_winters`.

use crate::error::EvalError;
use crate::functions::math::{kahan_add, quantile};
use estuary_types::Sample;

/// `avg_over_time`: incremental mean with compensated summation; infinities
/// are kept rather than turned into NaN.
pub(crate) fn avg(samples: &[Sample]) -> f64 {
    let mut mean: f64 = 0.0;
    let mut c: f64 = 0.0;
    let mut count: f64 = 0.0;
    for s in samples {
        count += 1.0;
        if mean.is_infinite() {
            if s.value.is_infinite() && (mean > 0.0) == (s.value > 0.0) {
                continue;
            }
            if !s.value.is_infinite() && !s.value.is_nan() {
                continue;
            }
        }
        (mean, c) = kahan_add(s.value / count - mean / count, mean, c);
    }
    if mean.is_infinite() { mean } else { mean + c }
}

/// `sum_over_time` with compensated summation.
pub(crate) fn sum(samples: &[Sample]) -> f64 {
    let mut sum: f64 = 0.0;
    let mut c: f64 = 0.0;
    for s in samples {
        (sum, c) = kahan_add(s.value, sum, c);
    }
    if sum.is_infinite() { sum } else { sum + c }
}

/// `max_over_time`: NaN only when every value is NaN.
pub(crate) fn max(samples: &[Sample]) -> f64 {
    let mut max = samples.first().map_or(f64::NAN, |s| s.value);
    for s in samples {
        if s.value > max || max.is_nan() {
            max = s.value;
        }
    }
    max
}

/// `min_over_time`: NaN only when every value is NaN.
pub(crate) fn min(samples: &[Sample]) -> f64 {
    let mut min = samples.first().map_or(f64::NAN, |s| s.value);
    for s in samples {
        if s.value < min || min.is_nan() {
            min = s.value;
        }
    }
    min
}

/// `stdvar_over_time` (Welford with compensated sums).
pub(crate) fn stdvar(samples: &[Sample]) -> f64 {
    let mut count = 0.0;
    let (mut mean, mut c_mean) = (0.0, 0.0);
    let (mut aux, mut c_aux) = (0.0, 0.0);
    for s in samples {
        count += 1.0;
        let delta = s.value - (mean + c_mean);
        (mean, c_mean) = kahan_add(delta / count, mean, c_mean);
        (aux, c_aux) = kahan_add(delta * (s.value - (mean + c_mean)), aux, c_aux);
    }
    (aux + c_aux) / count
}

/// `quantile_over_time`.
pub(crate) fn quantile_of(q: f64, samples: &[Sample]) -> f64 {
    let mut values: Vec<f64> = samples.iter().map(|s| s.value).collect();
    quantile(q, &mut values)
}

/// `changes`: how often the value changed (NaN to NaN is no change).
pub(crate) fn changes(samples: &[Sample]) -> f64 {
    let mut count = 0u64;
    for pair in samples.windows(2) {
        let (previous, current) = (pair[0].value, pair[1].value);
        if current != previous && !(current.is_nan() && previous.is_nan()) {
            count += 1;
        }
    }
    count as f64
}

/// `resets`: how often the value decreased.
pub(crate) fn resets(samples: &[Sample]) -> f64 {
    samples
        .windows(2)
        .filter(|pair| pair[1].value < pair[0].value)
        .count() as f64
}

/// Least-squares fit of the samples against time (seconds relative to
/// `intercept_time`): returns the slope and the value at `intercept_time`.
fn linear_regression(samples: &[Sample], intercept_time: i64) -> (f64, f64) {
    let mut n = 0.0;
    let (mut sum_x, mut c_x) = (0.0, 0.0);
    let (mut sum_y, mut c_y) = (0.0, 0.0);
    let (mut sum_xy, mut c_xy) = (0.0, 0.0);
    let (mut sum_x2, mut c_x2) = (0.0, 0.0);
    let first_y = samples.first().map_or(f64::NAN, |s| s.value);
    let mut constant_y = true;
    for (i, s) in samples.iter().enumerate() {
        if constant_y && i > 0 && s.value != first_y {
            constant_y = false;
        }
        n += 1.0;
        let x = (s.timestamp - intercept_time) as f64 / 1e3;
        (sum_x, c_x) = kahan_add(x, sum_x, c_x);
        (sum_y, c_y) = kahan_add(s.value, sum_y, c_y);
        (sum_xy, c_xy) = kahan_add(x * s.value, sum_xy, c_xy);
        (sum_x2, c_x2) = kahan_add(x * x, sum_x2, c_x2);
    }
    if constant_y {
        if first_y.is_infinite() {
            return (f64::NAN, f64::NAN);
        }
        return (0.0, first_y);
    }
    let sum_x = sum_x + c_x;
    let sum_y = sum_y + c_y;
    let sum_xy = sum_xy + c_xy;
    let sum_x2 = sum_x2 + c_x2;
    let cov_xy = sum_xy - sum_x * sum_y / n;
    let var_x = sum_x2 - sum_x * sum_x / n;
    let slope = cov_xy / var_x;
    let intercept = sum_y / n - slope * sum_x / n;
    (slope, intercept)
}

/// `deriv`: the per-second slope of the least-squares fit.
pub(crate) fn deriv(samples: &[Sample]) -> Option<f64> {
    let first = samples.first()?;
    if samples.len() < 2 {
        return None;
    }
    // Relative to the first sample, for float accuracy.
    Some(linear_regression(samples, first.timestamp).0)
}

/// `predict_linear`: the fitted value `duration_s` seconds after `eval_time`.
pub(crate) fn predict_linear(samples: &[Sample], eval_time: i64, duration_s: f64) -> Option<f64> {
    if samples.len() < 2 {
        return None;
    }
    let (slope, intercept) = linear_regression(samples, eval_time);
    Some(slope * duration_s + intercept)
}

/// `holt_winters`: double exponential smoothing with smoothing factor `sf`
/// and trend factor `tf`, both strictly between 0 and 1.
pub(crate) fn holt_winters(samples: &[Sample], sf: f64, tf: f64) -> Result<Option<f64>, EvalError> {
    if sf <= 0.0 || sf >= 1.0 {
        return Err(EvalError::exec(format!(
            "invalid smoothing factor. Expected: 0 < sf < 1, got: {sf:.6}"
        )));
    }
    if tf <= 0.0 || tf >= 1.0 {
        return Err(EvalError::exec(format!(
            "invalid trend factor. Expected: 0 < tf < 1, got: {tf:.6}"
        )));
    }
    let [first, second, ..] = samples else {
        return Ok(None);
    };
    let mut s0 = 0.0;
    let mut s1 = first.value;
    let mut trend = second.value - first.value;
    for (i, s) in samples.iter().enumerate().skip(1) {
        let x = sf * s.value;
        if i > 1 {
            trend = tf * (s1 - s0) + (1.0 - tf) * trend;
        }
        let y = (1.0 - sf) * (s1 + trend);
        s0 = s1;
        s1 = x + y;
    }
    Ok(Some(s1))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(vs: &[f64]) -> Vec<Sample> {
        vs.iter()
            .enumerate()
            .map(|(i, &v)| Sample::new(i as i64 * 10_000, v))
            .collect()
    }

    #[test]
    fn avg_keeps_infinities() {
        assert_eq!(
            avg(&values(&[1.0, 2.0, 3.0, 4.0, f64::INFINITY])),
            f64::INFINITY
        );
        assert!(avg(&values(&[1.0, f64::INFINITY, f64::NEG_INFINITY])).is_nan());
        let big = 9.988_465_674_311_58e307;
        assert_eq!(avg(&values(&[big, big])), big);
    }

    #[test]
    fn stdvar_matches_the_textbook_value() {
        let got = stdvar(&values(&[0.0, 8.0, 8.0, 2.0, 3.0]));
        assert!((got - 10.56).abs() < 1e-9);
    }

    #[test]
    fn deriv_of_a_line_is_its_slope() {
        let got = deriv(&values(&[0.0, 1.0, 2.0, 3.0])).expect("deriv");
        assert!((got - 0.1).abs() < 1e-12);
    }

    #[test]
    fn changes_ignore_nan_to_nan() {
        assert_eq!(changes(&values(&[0.0, f64::NAN, 0.0])), 2.0);
        assert_eq!(changes(&values(&[f64::NAN, f64::NAN])), 0.0);
    }
}
