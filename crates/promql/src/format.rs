//! Sample values as the Prometheus HTTP API prints them.
//!
//! Prometheus 2.42 prints values two ways (checked against the real server):
//! scalar results with Go's `strconv.FormatFloat(v, 'f', -1, 64)`
//! ([`format_value`]), and the samples of vectors and matrices with the same
//! shortest digits but in exponent notation below 1e-6 and from 1e21 in
//! magnitude ([`format_sample_value`]: `2e+300`, `1.5e-08`).

/// Formats `v` exactly as Go's `strconv.FormatFloat(v, 'f', -1, 64)`: the
/// shortest digits that read back to the same float, never in exponent
/// notation (`1e21` is `"1000000000000000000000"`, `1e-7` is `"0.0000001"`),
/// and the specials `"NaN"`, `"+Inf"` and `"-Inf"`.
///
/// Rust's `Display` for `f64` already prints the shortest round-trip digits
/// in positional notation, so only the specials need their own spelling.
pub fn format_value(v: f64) -> String {
    if v.is_nan() {
        return "NaN".to_string();
    }
    if v.is_infinite() {
        return if v > 0.0 { "+Inf" } else { "-Inf" }.to_string();
    }
    format!("{v}")
}

/// Formats `v` as Prometheus 2.42's HTTP API prints the samples of vectors
/// and matrices: like [`format_value`], except that non-zero magnitudes
/// below 1e-6 or from 1e21 use Go's `'e'` format (shortest digits, exponent
/// with a sign and at least two digits: `1e+21`, `1.314137266243311e-08`).
pub fn format_sample_value(v: f64) -> String {
    let magnitude = v.abs();
    let exponent_form =
        magnitude != 0.0 && magnitude.is_finite() && !(1e-6..1e21).contains(&magnitude);
    if !exponent_form {
        return format_value(v);
    }
    // Rust's `{:e}` gives the shortest round-trip digits as `d.ddde-8`.
    let text = format!("{v:e}");
    let Some((mantissa, exponent)) = text.split_once('e') else {
        return text;
    };
    let (sign, digits) = match exponent.strip_prefix('-') {
        Some(digits) => ('-', digits),
        None => ('+', exponent),
    };
    if digits.len() < 2 {
        format!("{mantissa}e{sign}0{digits}")
    } else {
        format!("{mantissa}e{sign}{digits}")
    }
}

#[cfg(test)]
mod tests {
    use super::{format_sample_value, format_value};

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
