//! Sample values as the Prometheus HTTP API prints them.
//!
//! Prometheus 2.42 prints values two ways (checked against the real server):
//! scalar results with Go's `strconv.FormatFloat(v, 'f', -1, 64)`
//! ([`format_value`]), and the samples of vectors and matrices with the same
//! shortest digits but in exponent notation below 1e-6 and from 1e21 in
//! magnitude ([`format_sample_value`]: `2e+300`, `1.5e-08`).

use std::fmt::{self, Write};

/// Formats `v` exactly as Go's `strconv.FormatFloat(v, 'f', -1, 64)`: the
/// shortest digits that read back to the same float, never in exponent
/// notation (`1e21` is `"1000000000000000000000"`, `1e-7` is `"0.0000001"`),
/// and the specials `"NaN"`, `"+Inf"` and `"-Inf"`.
///
/// The digits come from the `ryu` crate, which breaks an
/// exact tie between two shortest candidates to the even digit as Go does;
/// Rust's `Display` rounds it up.
pub fn format_value(v: f64) -> String {
    let mut text = String::new();
    // Writing to a String cannot fail.
    let _ = write_value(&mut text, v);
    text
}

/// Writes [`format_value`]'s text of `v` to `out`, without allocating.
pub fn write_value(out: &mut impl Write, v: f64) -> fmt::Result {
    if v.is_nan() {
        return out.write_str("NaN");
    }
    if v.is_infinite() {
        return out.write_str(if v > 0.0 { "+Inf" } else { "-Inf" });
    }
    if v.is_sign_negative() {
        out.write_char('-')?;
    }
    if v == 0.0 {
        return out.write_char('0');
    }
    let mut buffer = ryu::Buffer::new();
    let text = buffer.format_finite(v.abs());
    if text.contains('e') {
        return ShortestDecimal::parse(text).write_positional(out);
    }
    // Positional already, as Go lays it out but for a whole number's `.0`.
    out.write_str(text.strip_suffix(".0").unwrap_or(text))
}

/// Formats `v` as Prometheus 2.42's HTTP API prints the samples of vectors
/// and matrices: like [`format_value`], except that non-zero magnitudes
/// below 1e-6 or from 1e21 use Go's `'e'` format (shortest digits, exponent
/// with a sign and at least two digits: `1e+21`, `1.314137266243311e-08`).
pub fn format_sample_value(v: f64) -> String {
    let mut text = String::new();
    // Writing to a String cannot fail.
    let _ = write_sample_value(&mut text, v);
    text
}

/// Writes [`format_sample_value`]'s text of `v` to `out`, without
/// allocating: a query answer prints one per point.
pub fn write_sample_value(out: &mut impl Write, v: f64) -> fmt::Result {
    let magnitude = v.abs();
    let exponent_form =
        magnitude != 0.0 && magnitude.is_finite() && !(1e-6..1e21).contains(&magnitude);
    if !exponent_form {
        return write_value(out, v);
    }
    if v.is_sign_negative() {
        out.write_char('-')?;
    }
    let mut buffer = ryu::Buffer::new();
    ShortestDecimal::parse(buffer.format_finite(magnitude)).write_exponent(out)
}

/// The shortest decimal digits that read back as a positive finite float,
/// and where the decimal point goes: the value is `0.DIGITS × 10^point`.
///
/// The digits come from the `ryu` crate, which finds the same digits as
/// Go's `strconv` (the shortest that round-trip, the closest to the float
/// among those, an exact tie to the even digit). Positional text from `ryu`
/// is printed as it is; its exponent layout (`1.5e-7`, `1e21`) is taken
/// apart here and laid out again as Go does.
struct ShortestDecimal {
    /// Significant digits as ASCII, without leading or trailing zeros.
    digits: [u8; DIGITS_MAX],
    len: usize,
    point: i32,
}

/// Most significant digits of an `f64`'s shortest decimal.
const DIGITS_MAX: usize = 17;

/// Zeros to pad positional notation with, a slice at a time.
const ZEROS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

impl ShortestDecimal {
    /// The digits of `text`, which `ryu` printed for a positive finite float.
    fn parse(text: &str) -> ShortestDecimal {
        let (mantissa, exponent) = match text.split_once('e') {
            Some((mantissa, exponent)) => (mantissa, exponent.parse::<i32>().unwrap_or(0)),
            None => (text, 0),
        };
        let mut decimal = ShortestDecimal {
            digits: [b'0'; DIGITS_MAX],
            len: 0,
            point: exponent,
        };
        let mut before_point = true;
        // Digits kept so far plus zeros seen after them, which count only
        // if a non-zero digit follows.
        let mut zeros_pending = 0usize;
        for byte in mantissa.bytes() {
            if byte == b'.' {
                before_point = false;
                continue;
            }
            if before_point {
                decimal.point += 1;
            }
            if byte == b'0' {
                if decimal.len == 0 {
                    decimal.point -= 1; // A leading zero.
                } else {
                    zeros_pending += 1;
                }
                continue;
            }
            for _ in 0..zeros_pending {
                decimal.push(b'0');
            }
            zeros_pending = 0;
            decimal.push(byte);
        }
        decimal
    }

    fn push(&mut self, digit: u8) {
        if let Some(slot) = self.digits.get_mut(self.len) {
            *slot = digit;
            self.len += 1;
        }
    }

    fn digits(&self, range: std::ops::Range<usize>) -> &str {
        // Only ASCII digits are ever stored.
        self.digits
            .get(range)
            .and_then(|digits| std::str::from_utf8(digits).ok())
            .unwrap_or_default()
    }

    /// Go's `'f'` layout: `0.000123`, `12.5`, `1200`.
    fn write_positional(&self, out: &mut impl Write) -> fmt::Result {
        let len = self.len as i32;
        if self.point <= 0 {
            out.write_str("0.")?;
            write_zeros(out, self.point.unsigned_abs() as usize)?;
            return out.write_str(self.digits(0..self.len));
        }
        if self.point >= len {
            out.write_str(self.digits(0..self.len))?;
            return write_zeros(out, (self.point - len) as usize);
        }
        let point = self.point as usize;
        out.write_str(self.digits(0..point))?;
        out.write_char('.')?;
        out.write_str(self.digits(point..self.len))
    }

    /// Go's `'e'` layout: `1.5e-07`, `2e+300`.
    fn write_exponent(&self, out: &mut impl Write) -> fmt::Result {
        out.write_str(self.digits(0..1))?;
        if self.len > 1 {
            out.write_char('.')?;
            out.write_str(self.digits(1..self.len))?;
        }
        let exponent = self.point - 1;
        out.write_char('e')?;
        out.write_char(if exponent < 0 { '-' } else { '+' })?;
        if exponent.abs() < 10 {
            out.write_char('0')?;
        }
        write!(out, "{}", exponent.unsigned_abs())
    }
}

fn write_zeros(out: &mut impl Write, mut count: usize) -> fmt::Result {
    while count > 0 {
        let now = count.min(ZEROS.len());
        out.write_str(&ZEROS[..now])?;
        count -= now;
    }
    Ok(())
}

/// Text of at most `N` bytes built on the stack; writing more fails.
#[derive(Debug, Clone, Copy)]
pub struct StackText<const N: usize> {
    bytes: [u8; N],
    len: usize,
}

impl<const N: usize> StackText<N> {
    /// Empty text.
    pub fn new() -> Self {
        StackText {
            bytes: [0; N],
            len: 0,
        }
    }

    /// The text written so far.
    pub fn as_str(&self) -> &str {
        // Only whole `str`s are ever copied in, so this cannot fail.
        std::str::from_utf8(&self.bytes[..self.len]).unwrap_or_default()
    }
}

impl<const N: usize> Default for StackText<N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const N: usize> Write for StackText<N> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let end = self.len + s.len();
        let Some(room) = self.bytes.get_mut(self.len..end) else {
            return Err(fmt::Error);
        };
        room.copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn samples_switch_to_exponent_form_like_prometheus() {
        assert_eq!(format_sample_value(1e21), "1e+21");
        assert_eq!(format_sample_value(-1e21), "-1e+21");
        assert_eq!(format_sample_value(9.999_999e20), "999999900000000000000");
        assert_eq!(format_sample_value(1e-6), "0.000001");
        assert_eq!(format_sample_value(9.99e-7), "9.99e-07");
        assert_eq!(
            format_sample_value(1.314_137_266_243_311e-8),
            "1.314137266243311e-08"
        );
        assert_eq!(format_sample_value(2e300), "2e+300");
        assert_eq!(format_sample_value(5e-324), "5e-324");
        assert_eq!(format_sample_value(f64::MAX), "1.7976931348623157e+308");
        assert_eq!(format_sample_value(0.0), "0");
        assert_eq!(format_sample_value(-0.0), "-0");
        assert_eq!(format_sample_value(f64::INFINITY), "+Inf");
        assert_eq!(format_sample_value(f64::NAN), "NaN");
        assert_eq!(format_sample_value(100.0), "100");
    }

    /// What the functions printed before they used `ryu`: Rust's own
    /// shortest digits, checked against Prometheus.
    fn reference_sample_value(v: f64) -> String {
        let magnitude = v.abs();
        if v.is_nan() || v.is_infinite() || magnitude == 0.0 || (1e-6..1e21).contains(&magnitude) {
            return reference_value(v);
        }
        let text = format!("{v:e}");
        let (mantissa, exponent) = text.split_once('e').expect("exponent");
        let (sign, digits) = match exponent.strip_prefix('-') {
            Some(digits) => ('-', digits),
            None => ('+', exponent),
        };
        let pad = if digits.len() < 2 { "0" } else { "" };
        format!("{mantissa}e{sign}{pad}{digits}")
    }

    fn reference_value(v: f64) -> String {
        if v.is_nan() {
            return "NaN".to_string();
        }
        if v.is_infinite() {
            return if v > 0.0 { "+Inf" } else { "-Inf" }.to_string();
        }
        format!("{v}")
    }

    /// Checks `printed` against what the functions printed before they used
    /// `ryu` (Rust's shortest digits, checked against Prometheus): the same
    /// text, except on an exact tie between two shortest candidates, where
    /// Rust rounds half up and Go (like `ryu`) half to even. Either way the
    /// text reads back as `v`.
    fn assert_as_before(v: f64, printed: &str, before: &str) {
        if printed == before {
            return;
        }
        let digits = |text: &str| -> String {
            let mantissa = text.split('e').next().unwrap_or_default();
            mantissa.chars().filter(char::is_ascii_digit).collect()
        };
        let (now, then) = (digits(printed), digits(before));
        assert_eq!(now.len(), then.len(), "{v:e}: {printed} against {before}");
        assert_eq!(now[..now.len() - 1], then[..then.len() - 1], "{v:e}");
        let last = |digits: &str| digits.bytes().last().unwrap_or_default();
        assert_eq!(last(&now) + 1, last(&then), "{v:e}: a tie rounds down");
        assert_eq!(last(&now) % 2, 0, "{v:e}: a tie goes to the even digit");
        assert_eq!(printed.parse::<f64>().ok(), Some(v), "{printed} reads back");
    }

    proptest::proptest! {
        #[test]
        fn any_float_prints_as_before(bits in proptest::num::u64::ANY) {
            let v = f64::from_bits(bits);
            assert_as_before(v, &format_value(v), &reference_value(v));
            assert_as_before(v, &format_sample_value(v), &reference_sample_value(v));
        }

        #[test]
        fn decimals_print_as_before(mantissa in -99_999_999i64..99_999_999, exponent in -30i32..30) {
            let v = mantissa as f64 * 10f64.powi(exponent);
            assert_as_before(v, &format_value(v), &reference_value(v));
            assert_as_before(v, &format_sample_value(v), &reference_sample_value(v));
        }
    }

    #[test]
    fn exact_ties_round_half_to_even_as_prometheus_does() {
        // -1570261954976159.25 exactly: Prometheus 2.42 printed `.2` for it,
        // both as a scalar and as a sample.
        let v = f64::from_bits(14_057_511_885_215_852_157);
        assert_eq!(format_value(v), "-1570261954976159.2");
        assert_eq!(format_sample_value(v), "-1570261954976159.2");
    }

    #[test]
    fn stack_text_refuses_what_does_not_fit() {
        let mut text = StackText::<4>::new();
        assert!(text.write_str("abc").is_ok());
        assert!(text.write_str("de").is_err());
        assert_eq!(text.as_str(), "abc");
        let mut wide = StackText::<32>::new();
        write_sample_value(&mut wide, -f64::MAX).expect("fits");
        assert_eq!(wide.as_str(), "-1.7976931348623157e+308");
    }

    #[test]
    fn specials_are_spelled_as_go_does() {
        assert_eq!(format_value(f64::NAN), "NaN");
        assert_eq!(format_value(f64::INFINITY), "+Inf");
        assert_eq!(format_value(f64::NEG_INFINITY), "-Inf");
        assert_eq!(format_value(estuary_types::stale_nan()), "NaN");
    }

    #[test]
    fn never_uses_exponent_notation() {
        assert_eq!(format_value(1e21), "1000000000000000000000");
        assert_eq!(format_value(1e-7), "0.0000001");
        assert_eq!(format_value(-2e-7), "-0.0000002");
        assert_eq!(format_value(12.34e6), "12340000");
        assert_eq!(format_value(1.7976931348623157e308).len(), 309);
        assert_eq!(
            format_value(5e-324),
            format!("0.{}5", "0".repeat(323)),
            "smallest subnormal"
        );
    }

    #[test]
    fn uses_shortest_round_trip_digits() {
        assert_eq!(format_value(0.1), "0.1");
        assert_eq!(format_value(0.1 + 0.2), "0.30000000000000004");
        assert_eq!(format_value(1.0), "1");
        assert_eq!(format_value(-0.0), "-0");
        assert_eq!(format_value(0.0), "0");
        assert_eq!(format_value(1700000000.5), "1700000000.5");
        assert_eq!(format_value(100.0 / 3.0), "33.333333333333336");
        assert_eq!(format_value(9.988_465_674_311_58e307).len(), 308);
        assert_eq!(format_value(123456789012345680.0), "123456789012345680");
    }
}
