//! Functions of Go's `math` package whose formulas differ from C's, redone
//! from those formulas so that PromQL gives Prometheus's bits:
//!
//! - `pow`: special cases first, then the integer part of the exponent by
//!   repeated squaring of the mantissa (exponent tracked separately), the
//!   fractional part through `exp(yf * ln(x))`. C's `pow` rounds `x^3` once;
//!   Go's squaring rounds twice, so the last digit can differ.
//! - `log2`, `log10`: Go multiplies `ln(x)` by a constant (so `log10(1000)`
//!   is 2.9999999999999996 in Prometheus), with exact powers of two for
//!   `log2`.
//! - `sinh`, `cosh`, `tanh`: Go's exponential formulas for large arguments.
//!
//! What still goes through Rust's `exp`/`ln` and the small-argument
//! hyperbolics may differ from Go's in the last bit.

/// Bits of the mantissa of an `f64`.
const SHIFT: u32 = 52;
/// Mask of the exponent field (after shifting).
const MASK: u64 = 0x7ff;
/// Exponent bias.
const BIAS: i64 = 1023;
/// 2^63: integer exponents from here on overflow any base but -1 and 1.
const TWO_TO_63: f64 = 9_223_372_036_854_775_808.0;
/// The smallest positive normal `f64`.
const SMALLEST_NORMAL: f64 = f64::MIN_POSITIVE;

/// `x` raised to `y` with Go's special cases and rounding.
pub(crate) fn pow(x: f64, y: f64) -> f64 {
    if y == 0.0 || x == 1.0 {
        return 1.0;
    }
    if y == 1.0 {
        return x;
    }
    if x.is_nan() || y.is_nan() {
        return f64::NAN;
    }
    if x == 0.0 {
        let odd_negative = x.is_sign_negative() && is_odd_int(y);
        return if y < 0.0 {
            if odd_negative {
                f64::NEG_INFINITY
            } else {
                f64::INFINITY
            }
        } else if odd_negative {
            x
        } else {
            0.0
        };
    }
    if y.is_infinite() {
        return if x == -1.0 {
            1.0
        } else if (x.abs() < 1.0) == (y > 0.0) {
            0.0
        } else {
            f64::INFINITY
        };
    }
    if x.is_infinite() {
        if x < 0.0 {
            return pow(1.0 / x, -y); // pow(-0, -y)
        }
        return if y < 0.0 { 0.0 } else { f64::INFINITY };
    }
    if y == 0.5 {
        return x.sqrt();
    }
    if y == -0.5 {
        return 1.0 / x.sqrt();
    }

    let mut yi = y.abs().trunc();
    let mut yf = y.abs() - yi;
    if yf != 0.0 && x < 0.0 {
        return f64::NAN;
    }
    if yi >= TWO_TO_63 {
        // A huge even integer: overflow or underflow for every x but -1.
        return if x == -1.0 {
            1.0
        } else if (x.abs() < 1.0) == (y > 0.0) {
            0.0
        } else {
            f64::INFINITY
        };
    }

    // ans = a1 * 2^ae
    let mut a1 = 1.0;
    let mut ae: i64 = 0;
    if yf != 0.0 {
        if yf > 0.5 {
            yf -= 1.0;
            yi += 1.0;
        }
        a1 = (yf * x.ln()).exp();
    }
    let (mut x1, mut xe) = frexp(x);
    let mut i = yi as i64;
    while i != 0 {
        if !(-(1 << 12)..=(1 << 12)).contains(&xe) {
            // Catastrophic overflow: let ldexp saturate.
            ae += xe;
            break;
        }
        if i & 1 == 1 {
            a1 *= x1;
            ae += xe;
        }
        x1 *= x1;
        xe <<= 1;
        if x1 < 0.5 {
            x1 += x1;
            xe -= 1;
        }
        i >>= 1;
    }
    if y < 0.0 {
        a1 = 1.0 / a1;
        ae = -ae;
    }
    ldexp(a1, ae)
}

/// Go's `math.Log2`: exact for powers of two, else `ln(frac)/ln(2) + exp`.
pub(crate) fn log2(x: f64) -> f64 {
    let (frac, exp) = frexp(x);
    if frac == 0.5 {
        return (exp - 1) as f64;
    }
    frac.ln() * std::f64::consts::LOG2_E + exp as f64
}

/// Go's `math.Log10`: `ln(x) * (1/ln(10))`.
pub(crate) fn log10(x: f64) -> f64 {
    x.ln() * std::f64::consts::LOG10_E
}

/// Go's `math.Sinh` (exponential formulas above 0.5).
pub(crate) fn sinh(x: f64) -> f64 {
    let z = x.abs();
    let value = if z > 21.0 {
        z.exp() * 0.5
    } else if z > 0.5 {
        let ex = z.exp();
        (ex - 1.0 / ex) * 0.5
    } else {
        return x.sinh();
    };
    if x < 0.0 { -value } else { value }
}

/// Go's `math.Cosh`.
pub(crate) fn cosh(x: f64) -> f64 {
    let z = x.abs();
    if z > 21.0 {
        return z.exp() * 0.5;
    }
    let ex = z.exp();
    (ex + 1.0 / ex) * 0.5
}

/// Go's `math.Tanh` (exponential formula from 0.625 on, ±1 past ln(2^127)/2).
pub(crate) fn tanh(x: f64) -> f64 {
    let z = x.abs();
    if z > 0.5 * 88.029_691_931_113_05 {
        return if x < 0.0 { -1.0 } else { 1.0 };
    }
    if z >= 0.625 {
        let s = (2.0 * z).exp();
        let value = 1.0 - 2.0 / (s + 1.0);
        return if x < 0.0 { -value } else { value };
    }
    x.tanh()
}

/// Whether `x` is an odd integer.
fn is_odd_int(x: f64) -> bool {
    if x.abs() >= 9_007_199_254_740_992.0 {
        return false;
    }
    x.fract() == 0.0 && (x.trunc() as i64) & 1 == 1
}

/// Splits `f` into a fraction in `[0.5, 1)` and a power of two.
fn frexp(f: f64) -> (f64, i64) {
    if f == 0.0 || f.is_infinite() || f.is_nan() {
        return (f, 0);
    }
    let (f, mut exp) = normalize(f);
    let mut bits = f.to_bits();
    exp += ((bits >> SHIFT) & MASK) as i64 - BIAS + 1;
    bits &= !(MASK << SHIFT);
    bits |= ((BIAS - 1) as u64) << SHIFT;
    (f64::from_bits(bits), exp)
}

/// `frac * 2^exp`, rounding subnormal results as Go does.
fn ldexp(frac: f64, exp: i64) -> f64 {
    if frac == 0.0 || frac.is_infinite() || frac.is_nan() {
        return frac;
    }
    let (frac, e) = normalize(frac);
    let mut exp = exp + e;
    let mut bits = frac.to_bits();
    exp += ((bits >> SHIFT) & MASK) as i64 - BIAS;
    if exp < -1075 {
        return 0.0_f64.copysign(frac);
    }
    if exp > 1023 {
        return if frac < 0.0 {
            f64::NEG_INFINITY
        } else {
            f64::INFINITY
        };
    }
    let mut m = 1.0;
    if exp < -1022 {
        exp += 53;
        m = 1.0 / 9_007_199_254_740_992.0; // 2^-53
    }
    bits &= !(MASK << SHIFT);
    bits |= ((exp + BIAS) as u64) << SHIFT;
    m * f64::from_bits(bits)
}

/// Scales subnormal numbers up to normal ones, returning the exponent shift.
fn normalize(x: f64) -> (f64, i64) {
    if x.abs() < SMALLEST_NORMAL {
        return (x * 4_503_599_627_370_496.0, -52); // 2^52
    }
    (x, 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integer_powers() {
        assert_eq!(pow(10.0, 3.0), 1000.0);
        assert_eq!(pow(2.0, -2.0), 0.25);
        assert_eq!(pow(-2.0, 3.0), -8.0);
        assert_eq!(pow(3.0, 2.0), 9.0);
        assert_eq!(pow(2.0, 1024.0), f64::INFINITY);
        assert_eq!(pow(2.0, -1074.0), 5e-324);
    }

    #[test]
    fn special_cases_follow_go() {
        assert_eq!(pow(f64::NAN, 0.0), 1.0);
        assert_eq!(pow(1.0, f64::NAN), 1.0);
        assert!(pow(-8.0, 1.0 / 3.0).is_nan());
        assert_eq!(pow(-0.0, -3.0), f64::NEG_INFINITY);
        assert_eq!(pow(0.0, -2.0), f64::INFINITY);
        assert_eq!(pow(-1.0, f64::INFINITY), 1.0);
        assert_eq!(pow(0.5, f64::INFINITY), 0.0);
        assert_eq!(pow(f64::NEG_INFINITY, 3.0), f64::NEG_INFINITY);
        assert_eq!(pow(4.0, 0.5), 2.0);
    }

    #[test]
    fn fractional_powers_are_close_to_c() {
        for (x, y) in [(2.0, 0.3), (10.0, 2.5), (7.5, -1.25)] {
            let got = pow(x, y);
            let want: f64 = f64::powf(x, y);
            assert!(
                (got - want).abs() <= want.abs() * 1e-15,
                "{x}^{y}: {got} vs {want}"
            );
        }
    }

    // Expected values below are what Prometheus 2.42 answers.
    #[test]
    fn logarithms_use_go_formulas() {
        assert_eq!(log10(1000.0), 3.0);
        assert_eq!(log2(10.0), std::f64::consts::LOG2_10);
        assert_eq!(log2(8.0), 3.0);
        assert_eq!(log2(0.0), f64::NEG_INFINITY);
        assert!(log2(-1.0).is_nan());
        assert_eq!(log2(f64::INFINITY), f64::INFINITY);
    }

    #[test]
    fn powers_and_hyperbolics_match_prometheus() {
        assert_eq!(pow(1.1, 3.0), 1.331_000_000_000_000_4);
        assert_eq!(pow(1.1, 7.0), 1.948_717_100_000_001_2);
        assert_eq!(pow(3.0, 0.3), 1.390_389_170_315_909_3);
        assert_eq!(sinh(10.0), 11_013.232_874_703_393);
        assert_eq!(cosh(10.0), 11_013.232_920_103_324);
        assert_eq!(tanh(0.3), 0.291_312_612_451_590_9);
        assert_eq!(tanh(20.0), 1.0);
    }

    #[test]
    fn frexp_and_ldexp_round_trip() {
        for v in [1.0, 0.75, 1e300, 5e-324, -3.5] {
            let (frac, exp) = frexp(v);
            assert!((0.5..1.0).contains(&frac.abs()));
            assert_eq!(ldexp(frac, exp), v);
        }
    }
}
