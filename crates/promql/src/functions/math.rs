//! Element-wise math functions and the helpers whose NaN and infinity rules
//! must follow Go's `math` package.

use crate::eval::go_sort::{nan_first_ascending, sort_by_less};
use crate::functions::{Function, go_math};

/// The per-element function of a "simple" math function, or `None` when the
/// function is not one.
pub(crate) fn simple(func: Function) -> Option<fn(f64) -> f64> {
    let f: fn(f64) -> f64 = match func {
        Function::Abs => f64::abs,
        Function::Ceil => f64::ceil,
        Function::Floor => f64::floor,
        Function::Exp => f64::exp,
        Function::Sqrt => f64::sqrt,
        Function::Ln => f64::ln,
        Function::Log2 => go_math::log2,
        Function::Log10 => go_math::log10,
        Function::Sin => f64::sin,
        Function::Cos => f64::cos,
        Function::Tan => f64::tan,
        Function::Asin => f64::asin,
        Function::Acos => f64::acos,
        Function::Atan => f64::atan,
        Function::Sinh => go_math::sinh,
        Function::Cosh => go_math::cosh,
        Function::Tanh => go_math::tanh,
        Function::Asinh => f64::asinh,
        Function::Acosh => f64::acosh,
        Function::Atanh => f64::atanh,
        Function::Deg => |v| v * 180.0 / std::f64::consts::PI,
        Function::Rad => |v| v * std::f64::consts::PI / 180.0,
        Function::Sgn => sgn,
        _ => return None,
    };
    Some(f)
}

/// -1, 0 or 1 by sign; NaN and zeros stay as they are.
fn sgn(v: f64) -> f64 {
    if v < 0.0 {
        -1.0
    } else if v > 0.0 {
        1.0
    } else {
        v
    }
}

/// Rounds to the nearest multiple of `to_nearest`, ties up (Prometheus's
/// `round`, which multiplies by the inverse for fewer rounding errors).
pub(crate) fn round(v: f64, to_nearest: f64) -> f64 {
    let inverse = 1.0 / to_nearest;
    (v * inverse + 0.5).floor() / inverse
}

/// Go's `math.Max`: +Inf wins over NaN, NaN wins over everything else, and
/// +0 is larger than -0.
pub(crate) fn go_max(x: f64, y: f64) -> f64 {
    if x == f64::INFINITY || y == f64::INFINITY {
        return f64::INFINITY;
    }
    if x.is_nan() || y.is_nan() {
        return f64::NAN;
    }
    if x == 0.0 && x == y {
        return if x.is_sign_negative() { y } else { x };
    }
    if x > y { x } else { y }
}

/// Go's `math.Min`: -Inf wins over NaN, NaN wins over everything else, and
/// -0 is smaller than +0.
pub(crate) fn go_min(x: f64, y: f64) -> f64 {
    if x == f64::NEG_INFINITY || y == f64::NEG_INFINITY {
        return f64::NEG_INFINITY;
    }
    if x.is_nan() || y.is_nan() {
        return f64::NAN;
    }
    if x == 0.0 && x == y {
        return if x.is_sign_negative() { x } else { y };
    }
    if x < y { x } else { y }
}

/// The φ-quantile of `values` by linear interpolation between closest ranks
/// (Prometheus's `quantile`); sorts `values` in place, NaN first.
pub(crate) fn quantile(q: f64, values: &mut [f64]) -> f64 {
    if values.is_empty() || q.is_nan() {
        return f64::NAN;
    }
    if q < 0.0 {
        return f64::NEG_INFINITY;
    }
    if q > 1.0 {
        return f64::INFINITY;
    }
    sort_by_less(values, |a, b| nan_first_ascending(*a, *b));
    let n = values.len() as f64;
    let rank = q * (n - 1.0);
    let lower = rank.floor().max(0.0);
    let upper = (lower + 1.0).min(n - 1.0);
    let weight = rank - rank.floor();
    let at = |i: f64| values.get(i as usize).copied().unwrap_or(f64::NAN);
    at(lower) * (1.0 - weight) + at(upper) * weight
}

/// Neumaier's compensated summation step (Prometheus's `kahanSumInc`).
pub(crate) fn kahan_add(inc: f64, sum: f64, c: f64) -> (f64, f64) {
    let t = sum + inc;
    let c = if sum.abs() >= inc.abs() {
        c + ((sum - t) + inc)
    } else {
        c + ((inc - t) + sum)
    };
    (t, c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_min_max_special_cases() {
        assert!(go_max(1.0, f64::NAN).is_nan());
        assert_eq!(go_max(f64::INFINITY, f64::NAN), f64::INFINITY);
        assert_eq!(go_min(f64::NEG_INFINITY, f64::NAN), f64::NEG_INFINITY);
        assert!(go_min(-0.0, 0.0).is_sign_negative());
        assert!(go_max(-0.0, 0.0).is_sign_positive());
    }

    #[test]
    fn quantile_interpolates_between_ranks() {
        assert!((quantile(0.8, &mut [0.0, 4.0, 1.0]) - 2.8).abs() < 1e-12);
        assert_eq!(quantile(0.5, &mut [1.0, 0.0]), 0.5);
        assert_eq!(quantile(-1.0, &mut [1.0]), f64::NEG_INFINITY);
        assert!(quantile(f64::NAN, &mut [1.0]).is_nan());
    }

    #[test]
    fn round_ties_go_up() {
        assert_eq!(round(-0.5, 1.0), 0.0);
        assert_eq!(round(2.5, 1.0), 3.0);
        assert_eq!(round(5.2 + 0.05, 0.1), 5.3);
    }
}
