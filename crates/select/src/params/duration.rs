//! Durations (`step`, `timeout`, `max_lookback`, `latency_offset`, relative
//! times): float seconds (`15`, `0.5`) or Prometheus/MetricsQL notation
//! (`1m30s`, `1.5h`, `1d`, `1w`, `1y`, `5ms`), in milliseconds.

/// Milliseconds in a year as PromQL counts it (365 days).
const MS_PER_YEAR: i64 = 365 * 86_400_000;

/// The longest duration an argument may carry. Anything longer is a typo or an
/// attack, and would overflow timestamp arithmetic soon after.
pub const DURATION_MS_MAX: i64 = 100 * MS_PER_YEAR;

/// Parses a duration argument that must be positive: float seconds or a
/// duration with units. Zero, negative and above [`DURATION_MS_MAX`] are errors.
pub fn parse_positive_duration_ms(text: &str) -> Result<i64, String> {
    let ms = parse_duration_ms(text)?;
    if ms <= 0 {
        return Err("the duration must be positive".to_string());
    }
    if ms > DURATION_MS_MAX {
        return Err("the duration must not exceed 100 years".to_string());
    }
    Ok(ms)
}

/// Parses float seconds (`15`, `-0.5`, `1e3`) or a duration with units, with an
/// optional sign; rounds to whole milliseconds.
pub fn parse_duration_ms(text: &str) -> Result<i64, String> {
    if let Some(seconds) = parse_plain_seconds(text) {
        return seconds_to_ms(seconds);
    }
    parse_duration_with_units_ms(text)
}

/// Parses a duration written with units (`1h5m`, `-30s`, `1.5d`). Units may
/// repeat and come in any order, as MetricsQL allows; their values add up.
pub fn parse_duration_with_units_ms(text: &str) -> Result<i64, String> {
    let (negative, mut rest) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.strip_prefix('+').unwrap_or(text)),
    };
    if rest.is_empty() {
        return Err("empty duration".to_string());
    }
    let mut total_ms = 0f64;
    while !rest.is_empty() {
        let number_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let (number, tail) = rest.split_at(number_len);
        let unit_len = tail
            .find(|c: char| !c.is_ascii_alphabetic())
            .unwrap_or(tail.len());
        let (unit, tail) = tail.split_at(unit_len);
        if number.is_empty() {
            return Err(format!("expected a number before {tail:?}"));
        }
        let value: f64 = number
            .parse()
            .map_err(|_| format!("cannot parse number {number:?}"))?;
        let unit_ms = unit_ms(unit).ok_or_else(|| {
            if unit.is_empty() {
                format!("missing unit after {number:?}; use ms, s, m, h, d, w or y")
            } else {
                format!("unknown unit {unit:?}; use ms, s, m, h, d, w or y")
            }
        })?;
        total_ms += value * unit_ms;
        rest = tail;
    }
    let ms = if negative { -total_ms } else { total_ms };
    float_ms_to_i64(ms)
}

fn unit_ms(unit: &str) -> Option<f64> {
    let ms = match unit {
        "ms" => 1,
        "s" => 1000,
        "m" => 60_000,
        "h" => 3_600_000,
        "d" => 86_400_000,
        "w" => 7 * 86_400_000,
        "y" => MS_PER_YEAR,
        _ => return None,
    };
    Some(ms as f64)
}

/// A plain decimal number of seconds. Rust's float parser also takes `inf`,
/// `NaN` and `infinity`; those are not numbers of seconds and fall through.
fn parse_plain_seconds(text: &str) -> Option<f64> {
    let first = text.chars().next()?;
    if !(first.is_ascii_digit() || matches!(first, '-' | '+' | '.')) {
        return None;
    }
    if text.contains(|c: char| c.is_ascii_alphabetic() && c != 'e' && c != 'E') {
        return None;
    }
    text.parse::<f64>().ok()
}

fn seconds_to_ms(seconds: f64) -> Result<i64, String> {
    float_ms_to_i64(seconds * 1000.0)
}

fn float_ms_to_i64(ms: f64) -> Result<i64, String> {
    // Far beyond DURATION_MS_MAX, but inside i64: callers that bound the result
    // report "too long" instead of a conversion error.
    const MS_REPRESENTABLE_MAX: f64 = 9.0e18;
    if !ms.is_finite() || ms.abs() > MS_REPRESENTABLE_MAX {
        return Err("the duration is out of range".to_string());
    }
    Ok(ms.round() as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn float_seconds() {
        assert_eq!(parse_duration_ms("15"), Ok(15_000));
        assert_eq!(parse_duration_ms("0.5"), Ok(500));
        assert_eq!(parse_duration_ms("1e3"), Ok(1_000_000));
        assert_eq!(parse_duration_ms("-2"), Ok(-2000));
        assert_eq!(parse_duration_ms(".25"), Ok(250));
    }

    #[test]
    fn prometheus_units() {
        assert_eq!(parse_duration_ms("1m30s"), Ok(90_000));
        assert_eq!(parse_duration_ms("5ms"), Ok(5));
        assert_eq!(parse_duration_ms("1d"), Ok(86_400_000));
        assert_eq!(parse_duration_ms("1w"), Ok(7 * 86_400_000));
        assert_eq!(parse_duration_ms("1y"), Ok(MS_PER_YEAR));
        assert_eq!(parse_duration_ms("1h5m"), Ok(3_900_000));
        assert_eq!(parse_duration_ms("1.5h"), Ok(5_400_000));
        assert_eq!(parse_duration_ms("-1h"), Ok(-3_600_000));
        assert_eq!(parse_duration_ms("2h1ms"), Ok(7_200_001));
    }

    #[test]
    fn garbage_is_rejected() {
        for bad in [
            "", "-", "m", "5x", "1h5", "abc", "NaN", "inf", "1..5s", "5 m", "1e400",
        ] {
            assert!(parse_duration_ms(bad).is_err(), "{bad:?} must be rejected");
        }
    }

    #[test]
    fn positive_durations_are_bounded() {
        assert_eq!(parse_positive_duration_ms("30s"), Ok(30_000));
        assert_eq!(parse_positive_duration_ms("100y"), Ok(DURATION_MS_MAX));
        for bad in ["0", "0s", "-5", "-1m", "101y", "0.0001"] {
            assert!(
                parse_positive_duration_ms(bad).is_err(),
                "{bad:?} must be rejected"
            );
        }
    }
}
