//! Lossless conversion of floats to `mantissa * 10^exponent` with an `i64`
//! mantissa and one exponent shared by the whole chunk.
//!
//! A value converts only when [`to_float`] gives back its exact bit pattern, so
//! the conversion can never change a value: NaN, the infinities, -0.0 and the
//! staleness marker never convert, and neither does any value the search below
//! cannot pin down. Powers of ten are taken from a table of exact `f64`s, and
//! `to_float` does one correctly rounded IEEE multiplication or division, so it
//! gives the same bits on every platform.

/// Largest exponent magnitude: 10^22 is the largest power of ten an `f64` holds
/// exactly.
pub(crate) const EXPONENT_MAX: i32 = 22;

/// `10^k` for `k` in `0..=EXPONENT_MAX`, each exact.
const POWERS_OF_TEN: [f64; EXPONENT_MAX as usize + 1] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

/// Largest mantissa magnitude, 2^53: every integer up to it converts to `f64`
/// exactly, so a mantissa scaled by a power of ten still gives the same value.
/// Decimals people and exporters write have at most 15 to 17 significant
/// digits; a value that needs a larger mantissa is stored as XOR, which costs
/// no more for such values.
const MANTISSA_MAX: f64 = 9_007_199_254_740_992.0;

/// The exponent every value in `values` converts at, or `None` when some value
/// does not convert. Picks the largest such exponent, so mantissas stay small
/// (`[1000.0, 2000.0]` gives 3, `[0.5, 12.25]` gives -2). Callers still convert
/// each value with [`to_mantissa`], which fails when a mantissa at the shared
/// exponent grows past [`MANTISSA_MAX`].
pub(crate) fn shared_exponent(values: impl IntoIterator<Item = f64>) -> Option<i32> {
    let mut shared: Option<i32> = None;
    for value in values {
        if let Some(exponent) = shared
            && to_mantissa(value, exponent).is_some()
        {
            continue;
        }
        let exponent = natural_exponent(value)?;
        shared = Some(shared.map_or(exponent, |shared| shared.min(exponent)));
    }
    Some(shared.unwrap_or(0))
}

/// The mantissa of `value` at `exponent`, when `to_float` gives `value` back
/// bit for bit.
pub(crate) fn to_mantissa(value: f64, exponent: i32) -> Option<i64> {
    let scaled = if exponent >= 0 {
        value / power_of_ten(exponent)
    } else {
        value * power_of_ten(-exponent)
    };
    let scaled = scaled.round();
    if scaled.is_nan() || scaled.abs() > MANTISSA_MAX {
        return None;
    }
    let mantissa = scaled as i64;
    (to_float(mantissa, exponent).to_bits() == value.to_bits()).then_some(mantissa)
}

/// `mantissa * 10^exponent`, rounded once. `exponent` lies in
/// `-EXPONENT_MAX..=EXPONENT_MAX`.
pub(crate) fn to_float(mantissa: i64, exponent: i32) -> f64 {
    if exponent >= 0 {
        mantissa as f64 * power_of_ten(exponent)
    } else {
        mantissa as f64 / power_of_ten(-exponent)
    }
}

/// [`to_float`] for one exponent, with its power of ten looked up once: what a
/// decoder converts a whole chunk's mantissas with.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Scale {
    /// `10^|exponent|`.
    power: f64,
    /// Whether to multiply (exponent at least 0) or divide by `power`.
    multiply: bool,
}

impl Scale {
    /// The scale of `exponent`, in `-EXPONENT_MAX..=EXPONENT_MAX`.
    pub(crate) fn new(exponent: i32) -> Scale {
        Scale {
            power: power_of_ten(exponent.abs()),
            multiply: exponent >= 0,
        }
    }

    /// `mantissa * 10^exponent`, rounded once: the same bits as [`to_float`].
    #[inline(always)]
    pub(crate) fn to_float(self, mantissa: i64) -> f64 {
        if self.multiply {
            mantissa as f64 * self.power
        } else {
            mantissa as f64 / self.power
        }
    }
}

/// Whether a decoded exponent is one [`to_float`] accepts.
pub(crate) fn exponent_is_valid(exponent: i64) -> bool {
    (-i64::from(EXPONENT_MAX)..=i64::from(EXPONENT_MAX)).contains(&exponent)
}

/// The largest exponent `value` converts at. Values up to [`MANTISSA_MAX`]
/// search from 0 down (fractions need negative exponents), larger ones from 1 up
/// (only round numbers such as 1e20 convert); trailing zeros of the mantissa
/// then raise the exponent. `+0.0` converts at any exponent.
fn natural_exponent(value: f64) -> Option<i32> {
    if value.to_bits() == 0 {
        return Some(EXPONENT_MAX);
    }
    if !value.is_finite() {
        return None;
    }
    let convert = |exponent| to_mantissa(value, exponent).map(|mantissa| (mantissa, exponent));
    let (mantissa, exponent) = if value.abs() > MANTISSA_MAX {
        (1..=EXPONENT_MAX).find_map(convert)?
    } else {
        (0..=EXPONENT_MAX).find_map(|k| convert(-k))?
    };
    let (mut stripped, mut raised) = (mantissa, exponent);
    while raised < EXPONENT_MAX && stripped % 10 == 0 {
        stripped /= 10;
        raised += 1;
    }
    let exact = to_float(stripped, raised).to_bits() == value.to_bits();
    Some(if exact { raised } else { exponent })
}

fn power_of_ten(k: i32) -> f64 {
    usize::try_from(k)
        .ok()
        .and_then(|k| POWERS_OF_TEN.get(k))
        .copied()
        .unwrap_or_else(|| panic!("BUG: power of ten 10^{k} outside the exact table"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use estuary_types::stale_nan;

    fn mantissas(values: &[f64]) -> Option<(i32, Vec<i64>)> {
        let exponent = shared_exponent(values.iter().copied())?;
        let mantissas = values
            .iter()
            .map(|&v| to_mantissa(v, exponent))
            .collect::<Option<_>>()?;
        Some((exponent, mantissas))
    }

    #[test]
    fn powers_of_ten_are_exact() {
        for (k, &power) in POWERS_OF_TEN.iter().enumerate() {
            assert_eq!(power, format!("1e{k}").parse::<f64>().expect("parse"));
        }
    }

    #[test]
    fn common_values_convert() {
        assert_eq!(mantissas(&[0.1, 12.5]), Some((-1, vec![1, 125])));
        assert_eq!(mantissas(&[0.5, 12.25]), Some((-2, vec![50, 1225])));
        assert_eq!(mantissas(&[1e6, 2e6]), Some((6, vec![1, 2])));
        assert_eq!(
            mantissas(&[1000.0, 1010.0, 1020.0]),
            Some((1, vec![100, 101, 102]))
        );
        assert_eq!(mantissas(&[0.0, 7.0]), Some((0, vec![0, 7])));
        assert_eq!(mantissas(&[0.07, 0.0]), Some((-2, vec![7, 0])));
        assert_eq!(mantissas(&[-3.25]), Some((-2, vec![-325])));
        assert_eq!(mantissas(&[0.0]), Some((EXPONENT_MAX, vec![0])));
    }

    #[test]
    fn mantissas_stop_at_two_to_the_53() {
        assert_eq!(mantissas(&[MANTISSA_MAX]), Some((0, vec![1 << 53])));
        assert_eq!(mantissas(&[-MANTISSA_MAX]), Some((0, vec![-(1 << 53)])));
        // 2^53 + 2 is an integer an f64 holds, but past the mantissa limit.
        assert_eq!(mantissas(&[MANTISSA_MAX + 2.0]), None);
        // 1e20 converts with a small mantissa, but not next to a fraction.
        assert_eq!(mantissas(&[1e20]), Some((20, vec![1])));
        assert_eq!(mantissas(&[1e20, 0.5]), None);
        // Random 17-digit fractions do not convert.
        assert_eq!(mantissas(&[0.1 + 0.2]), None);
    }

    #[test]
    fn non_decimals_do_not_convert() {
        for value in [
            f64::NAN,
            stale_nan(),
            f64::INFINITY,
            f64::NEG_INFINITY,
            -0.0,
            1e-300,
        ] {
            assert_eq!(mantissas(&[1.0, value]), None, "{value:?}");
        }
    }

    #[test]
    fn every_conversion_gives_the_bits_back() {
        for k in -1000..1000 {
            let value = f64::from(k) * 0.1;
            if let Some((exponent, mantissas)) = mantissas(&[value]) {
                assert_eq!(to_float(mantissas[0], exponent).to_bits(), value.to_bits());
            }
        }
    }
}
