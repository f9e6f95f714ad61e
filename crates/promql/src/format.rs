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
/// Rust's `Display` for `f64` already prints the shortest round-trip digits
/// in positional notation, so only the specials need their own spelling.
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
    write!(out, "{v}")
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
    // Rust's `{:e}` gives the shortest round-trip digits as `d.ddde-8`; at
    // most 24 bytes (`-1.7976931348623157e-308`).
    let mut text = StackText::<32>::new();
    write!(text, "{v:e}")?;
    let text = text.as_str();
    let Some((mantissa, exponent)) = text.split_once('e') else {
        return out.write_str(text);
    };
    let (sign, digits) = match exponent.strip_prefix('-') {
        Some(digits) => ('-', digits),
        None => ('+', exponent),
    };
    out.write_str(mantissa)?;
    out.write_char('e')?;
    out.write_char(sign)?;
    if digits.len() < 2 {
        out.write_char('0')?;
    }
    out.write_str(digits)
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
