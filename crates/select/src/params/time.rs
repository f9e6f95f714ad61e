//! Time arguments (`time`, `start`, `end`) in every form VictoriaMetrics
//! accepts, as Unix milliseconds clamped to what storage can hold.
//!
//! Forms, tried in this order:
//! 1. relative to now: `now`, `now-1h`, `now+5m`, `-1h5m` (and a bare duration
//!    such as `1h`, which VictoriaMetrics also reads as "1h ago");
//! 2. a Unix number: seconds with optional fraction, or milliseconds,
//!    microseconds or nanoseconds, told apart by magnitude;
//! 3. RFC3339 or a prefix of it (see [`super::calendar`]). A string of exactly
//!    four digits from 1970 to 2262 is a year (`2022`), not 2022 seconds after
//!    the epoch.
//!
//! Negative times clamp to 0 and times past [`TIME_MS_MAX`] clamp to it.

use super::calendar::parse_rfc3339_ms;
use super::duration::parse_duration_with_units_ms;

/// The earliest time the read API works with: the epoch (storage holds no
/// earlier samples).
pub const TIME_MS_MIN: i64 = 0;
/// The latest time the read API works with: the last millisecond whose
/// nanosecond count still fits an `i64` (April 2262), so that any consumer may
/// convert to nanoseconds without overflow.
pub const TIME_MS_MAX: i64 = i64::MAX / 1_000_000;

/// The Prometheus Go client's "max time" as Unix seconds
/// (`292277025-08-18T07:12:54.999999999Z` after float formatting).
const GO_CLIENT_MAX_TIME_SECONDS: f64 = 9_223_309_901_257_974.0;

/// Four-digit numbers in this range are years (`2022`), not seconds: the
/// years whose start Unix milliseconds can hold. Other four-digit numbers are
/// seconds.
const YEAR_AS_NUMBER_MIN: u32 = 1970;
/// See [`YEAR_AS_NUMBER_MIN`].
const YEAR_AS_NUMBER_MAX: u32 = 2262;

/// Magnitudes below this are seconds (up to the year 2286).
const SECONDS_MAGNITUDE_MAX: f64 = 1e10;
/// Below this (and not seconds) they are milliseconds.
const MILLIS_MAGNITUDE_MAX: f64 = 1e13;
/// Below this (and not milliseconds) they are microseconds; above, nanoseconds.
const MICROS_MAGNITUDE_MAX: f64 = 1e16;

/// Parses a time argument; `now_ms` anchors relative forms.
pub fn parse_time_ms(text: &str, now_ms: i64) -> Result<i64, String> {
    if text.is_empty() {
        return Err("empty time".to_string());
    }
    let ms = if let Some(offset_ms) = relative_offset_ms(text)? {
        now_ms.saturating_add(offset_ms)
    } else if let Some(ms) = unix_number_ms(text) {
        ms
    } else {
        parse_rfc3339_ms(text).map_err(|reason| {
            format!(
                "{reason}; expected Unix seconds, RFC3339, a partial RFC3339 time \
                 or a relative time such as now-1h"
            )
        })?
    };
    Ok(ms.clamp(TIME_MS_MIN, TIME_MS_MAX))
}

/// The offset from now of a relative time, or `None` when `text` is not one.
fn relative_offset_ms(text: &str) -> Result<Option<i64>, String> {
    if let Some(rest) = text.strip_prefix("now") {
        if rest.is_empty() {
            return Ok(Some(0));
        }
        if !rest.starts_with(['-', '+']) {
            return Err(format!("expected '-' or '+' after \"now\", got {rest:?}"));
        }
        return parse_duration_with_units_ms(rest).map(Some);
    }
    // `-1h` and `1h` (ago). A string that ends in a digit or `Z` is a number
    // or a calendar time, never a duration with units.
    let ends_with_unit = text
        .chars()
        .last()
        .is_some_and(|c| c.is_ascii_alphabetic() && c != 'Z' && c != 'z');
    if !ends_with_unit {
        return Ok(None);
    }
    match parse_duration_with_units_ms(text) {
        Ok(ms) => Ok(Some(-ms.abs())),
        Err(_) => Ok(None),
    }
}

/// A Unix timestamp in seconds, ms, µs or ns, or `None` when `text` is not a
/// plain finite number (or is a four-digit year).
fn unix_number_ms(text: &str) -> Option<i64> {
    let is_year = text.len() == 4
        && text.bytes().all(|b| b.is_ascii_digit())
        && text
            .parse()
            .is_ok_and(|year: u32| (YEAR_AS_NUMBER_MIN..=YEAR_AS_NUMBER_MAX).contains(&year));
    let looks_numeric = text
        .bytes()
        .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'-' | b'+' | b'e' | b'E'));
    if is_year || !looks_numeric || text.matches('-').count() > 1 {
        return None;
    }
    let value: f64 = text.parse().ok()?;
    if !value.is_finite() {
        return None;
    }
    // Float formatting may land on the next representable value (2 apart).
    if (GO_CLIENT_MAX_TIME_SECONDS..=GO_CLIENT_MAX_TIME_SECONDS + 2.0).contains(&value) {
        return Some(TIME_MS_MAX);
    }
    let magnitude = value.abs();
    let ms = if magnitude < SECONDS_MAGNITUDE_MAX {
        value * 1e3
    } else if magnitude < MILLIS_MAGNITUDE_MAX {
        value
    } else if magnitude < MICROS_MAGNITUDE_MAX {
        value / 1e3
    } else {
        value / 1e6
    };
    // `as` saturates; the caller clamps to the storable range anyway.
    Some(ms.round() as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_700_000_000_000;

    fn parse(text: &str) -> Result<i64, String> {
        parse_time_ms(text, NOW)
    }

    #[test]
    fn unix_seconds_with_fraction() {
        assert_eq!(parse("1700000000"), Ok(1_700_000_000_000));
        assert_eq!(parse("1712345678.123"), Ok(1_712_345_678_123));
        assert_eq!(parse("4"), Ok(4000));
        assert_eq!(parse("0"), Ok(0));
        assert_eq!(parse("1000"), Ok(1_000_000));
        assert_eq!(parse("9999"), Ok(9_999_000));
        assert_eq!(parse("1.5e9"), Ok(1_500_000_000_000));
    }

    #[test]
    fn milli_micro_and_nanoseconds_by_magnitude() {
        assert_eq!(parse("1700000000123"), Ok(1_700_000_000_123));
        assert_eq!(parse("1700000000123456"), Ok(1_700_000_000_123));
        assert_eq!(parse("1700000000123456789"), Ok(1_700_000_000_123));
    }

    #[test]
    fn negative_times_clamp_to_zero() {
        assert_eq!(parse("-1"), Ok(0));
        assert_eq!(parse("-9223309901257974"), Ok(0));
        assert_eq!(parse("1969-12-31T23:59:59Z"), Ok(0));
    }

    #[test]
    fn go_client_min_and_max_times() {
        assert_eq!(parse("-292273086-05-16T16:47:06Z"), Ok(TIME_MS_MIN));
        assert_eq!(
            parse("292277025-08-18T07:12:54.999999999Z"),
            Ok(TIME_MS_MAX)
        );
        assert_eq!(parse("9223309901257974"), Ok(TIME_MS_MAX));
    }

    #[test]
    fn rfc3339_and_partial_forms() {
        assert_eq!(parse("2022-03-29T01:02:03Z"), Ok(1_648_515_723_000));
        assert_eq!(
            parse("2022-03-29T01:02:03.250+00:00"),
            Ok(1_648_515_723_250)
        );
        assert_eq!(parse("2022"), Ok(1_640_995_200_000));
        assert_eq!(parse("2022-03"), Ok(1_646_092_800_000));
        assert_eq!(parse("2022-03-29T01:02"), Ok(1_648_515_720_000));
    }

    #[test]
    fn relative_times() {
        assert_eq!(parse("now"), Ok(NOW));
        assert_eq!(parse("now-1h"), Ok(NOW - 3_600_000));
        assert_eq!(parse("now+5m"), Ok(NOW + 300_000));
        assert_eq!(parse("-1h5m"), Ok(NOW - 3_900_000));
        assert_eq!(parse("1h"), Ok(NOW - 3_600_000));
        assert_eq!(parse("-1d"), Ok(NOW - 86_400_000));
    }

    #[test]
    fn garbage_is_rejected() {
        for bad in [
            "",
            "yesterday",
            "now-",
            "nowish",
            "now-1x",
            "NaN",
            "inf",
            "Infinity",
            "1e999",
            "--5",
            "12:00",
            "2022-03-29T",
        ] {
            assert!(parse(bad).is_err(), "{bad:?} must be rejected");
        }
    }
}
