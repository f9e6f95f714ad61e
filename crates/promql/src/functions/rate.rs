//! `rate`, `increase`, `delta` (Prometheus's extrapolated rate) and
//! `irate`, `idelta` (the last two samples).

use estuary_types::Sample;

/// Which flavour of extrapolated rate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RateKind {
    /// `rate`: counter, per second.
    Rate,
    /// `increase`: counter, over the whole range.
    Increase,
    /// `delta`: gauge, over the whole range.
    Delta,
}

/// Prometheus's `extrapolatedRate` over the samples of one window
/// `[range_end - range_ms, range_end]`. `may_reset` false promises that no
/// sample in the window is lower than its predecessor, which skips the scan
/// for counter resets.
///
/// The raw difference (corrected for counter resets) is extrapolated to the
/// window edges when the first/last sample lies within 1.1 average sample
/// intervals of its edge, otherwise by half an average interval. For
/// counters, the start is never extrapolated below zero. `range_seconds` is
/// `duration_seconds(range_ms)`, which callers work out once for all their
/// windows.
pub(crate) fn extrapolated_rate(
    samples: &[Sample],
    range_end: i64,
    range_ms: i64,
    range_seconds: f64,
    kind: RateKind,
    may_reset: bool,
) -> Option<f64> {
    let (first, last) = match samples {
        [first, .., last] => (*first, *last),
        _ => return None,
    };
    let is_counter = kind != RateKind::Delta;
    let range_start = range_end - range_ms;
    let mut result = last.value - first.value;
    if is_counter && may_reset {
        let mut previous = first.value;
        for sample in &samples[1..] {
            if sample.value < previous {
                result += previous;
            }
            previous = sample.value;
        }
    }
    let mut duration_to_start = (first.timestamp - range_start) as f64 / 1000.0;
    let duration_to_end = (range_end - last.timestamp) as f64 / 1000.0;
    let sampled_interval = (last.timestamp - first.timestamp) as f64 / 1000.0;
    let average_interval = sampled_interval / (samples.len() - 1) as f64;
    if is_counter && result > 0.0 && first.value >= 0.0 {
        // A counter cannot go below zero: do not extrapolate past the time
        // where it would have been zero.
        let duration_to_zero = sampled_interval * (first.value / result);
        if duration_to_zero < duration_to_start {
            duration_to_start = duration_to_zero;
        }
    }
    let threshold = average_interval * 1.1;
    let mut extrapolate_to = sampled_interval;
    extrapolate_to += if duration_to_start < threshold {
        duration_to_start
    } else {
        average_interval / 2.0
    };
    extrapolate_to += if duration_to_end < threshold {
        duration_to_end
    } else {
        average_interval / 2.0
    };
    let mut factor = extrapolate_to / sampled_interval;
    if kind == RateKind::Rate {
        factor /= range_seconds;
    }
    Some(result * factor)
}

/// A duration in seconds as Go's `time.Duration.Seconds` computes it: whole
/// seconds plus the rounded fraction (not one division, which can round
/// differently).
pub(crate) fn duration_seconds(ms: i64) -> f64 {
    let whole = ms / 1000;
    let nanos = (ms % 1000) * 1_000_000;
    whole as f64 + nanos as f64 / 1e9
}

/// `irate` (`is_rate`) and `idelta` over the last two samples of a window.
pub(crate) fn instant_value(samples: &[Sample], is_rate: bool) -> Option<f64> {
    let (previous, last) = match samples {
        [.., previous, last] => (*previous, *last),
        _ => return None,
    };
    let mut result = if is_rate && last.value < previous.value {
        // Counter reset.
        last.value
    } else {
        last.value - previous.value
    };
    let interval = last.timestamp - previous.timestamp;
    if interval == 0 {
        return None;
    }
    if is_rate {
        result /= interval as f64 / 1000.0;
    }
    Some(result)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn series(points: &[(i64, f64)]) -> Vec<Sample> {
        points.iter().map(|&(t, v)| Sample::new(t, v)).collect()
    }

    #[test]
    fn rate_extrapolates_to_the_window_edges() {
        // Samples at 21s..77s every 7s inside a 60s window ending at 80s:
        // close enough to both edges to extrapolate all the way.
        let samples = series(&[(21_000, 3.0), (77_000, 144.0)]);
        let got = extrapolated_rate(
            &samples,
            80_000,
            60_000,
            duration_seconds(60_000),
            RateKind::Rate,
            true,
        )
        .expect("rate");
        assert!((got - 141.0 / 56.0 * (60.0 / 56.0) * 56.0 / 60.0).abs() < 1e-9);
    }

    #[test]
    fn counter_resets_add_the_value_before_the_reset() {
        // 0 1 2 3 2 3 4 at 5m intervals: reset from 3 to 2 counts as +2.
        let samples = series(&[
            (0, 0.0),
            (300_000, 1.0),
            (600_000, 2.0),
            (900_000, 3.0),
            (1_200_000, 2.0),
            (1_500_000, 3.0),
            (1_800_000, 4.0),
        ]);
        let got = extrapolated_rate(
            &samples,
            1_800_000,
            1_800_000,
            duration_seconds(1_800_000),
            RateKind::Increase,
            true,
        )
        .expect("increase");
        assert!((got - 7.0).abs() < 1e-9, "got {got}");
    }

    #[test]
    fn zero_point_limits_start_extrapolation() {
        // A counter starting at 60 with slope 1/s, sampled every 240s from t=0,
        // in a 20m window ending at 10m: would extrapolate below zero.
        let samples = series(&[(0, 60.0), (240_000, 300.0), (480_000, 540.0)]);
        let got = extrapolated_rate(
            &samples,
            600_000,
            1_200_000,
            duration_seconds(1_200_000),
            RateKind::Rate,
            true,
        )
        .expect("rate");
        assert!((got - 0.55).abs() < 1e-9, "got {got}");
    }

    #[test]
    fn one_sample_gives_nothing() {
        assert_eq!(
            extrapolated_rate(&series(&[(0, 1.0)]), 10, 10, 0.01, RateKind::Rate, true),
            None
        );
        assert_eq!(instant_value(&series(&[(0, 1.0)]), true), None);
    }

    #[test]
    fn irate_handles_resets() {
        let samples = series(&[(0, 10.0), (10_000, 5.0)]);
        assert_eq!(instant_value(&samples, true), Some(0.5));
        assert_eq!(instant_value(&samples, false), Some(-5.0));
    }
}
