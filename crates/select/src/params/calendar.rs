//! Calendar times: RFC3339 and its prefixes, and `YYYY-MM-DD` dates.
//!
//! Accepted: `2022`, `2022-03`, `2022-03-29`, `2022-03-29T01`,
//! `2022-03-29T01:02`, `2022-03-29T01:02:03` and `2022-03-29T01:02:03.123456789`,
//! each optionally followed by `Z` or a `±HH:MM` offset. A time without a suffix
//! is read as UTC. VictoriaMetrics reads it in the server's local zone instead;
//! Estuary servers run in UTC, so the answers agree, and the result does not
//! depend on how the host's zone happens to be set.
//!
//! Years outside what Unix milliseconds can hold are accepted and saturate, so
//! the Prometheus Go client's min and max time strings
//! (`-292273086-05-16T16:47:06Z`, `292277025-08-18T07:12:54.999999999Z`) land
//! on the ends of the range.

use chrono::NaiveDate;

/// The first year whose times can be at or after the Unix epoch once a zone
/// offset is applied; earlier years saturate low.
const YEAR_EXACT_MIN: i64 = 1969;
/// The last year whose times fit the millisecond range; later years saturate
/// high (the largest storable time is in April 2262).
const YEAR_EXACT_MAX: i64 = 2263;

/// Parses an RFC3339 time or a prefix of one; returns Unix milliseconds.
/// Times before 1969 come back as `i64::MIN` and after 2263 as `i64::MAX`;
/// the caller clamps.
pub fn parse_rfc3339_ms(text: &str) -> Result<i64, String> {
    let (body, offset_ms) = split_zone(text)?;
    let (date, clock) = match body.find(['T', 't', ' ']) {
        Some(at) => (&body[..at], Some(&body[at + 1..])),
        None => (body, None),
    };
    let (year, month, day) = parse_date_parts(date)?;
    let (hour, minute, second, nanos) = match clock {
        Some(clock) => {
            if day.is_none() {
                return Err("a time of day needs a full date before it".to_string());
            }
            parse_clock(clock)?
        }
        None => (0, 0, 0, 0),
    };
    let (month, day) = (month.unwrap_or(1), day.unwrap_or(1));
    check_date(year, month, day)?;
    if year < YEAR_EXACT_MIN {
        return Ok(i64::MIN);
    }
    if year > YEAR_EXACT_MAX {
        return Ok(i64::MAX);
    }
    let utc_seconds = unix_seconds(year, month, day, hour, minute, second)?;
    let millis = i64::from(nanos / 1_000_000) + i64::from(nanos % 1_000_000 >= 500_000);
    Ok(utc_seconds * 1000 + millis - offset_ms)
}

/// Parses a `YYYY-MM-DD` date; returns its UTC day number (days since the epoch).
pub fn parse_date_day(text: &str) -> Result<i64, String> {
    let (year, month, day) = parse_date_parts(text)?;
    let (Some(month), Some(day)) = (month, day) else {
        return Err("expected a date as YYYY-MM-DD".to_string());
    };
    check_date(year, month, day)?;
    let seconds = unix_seconds(year, month, day, 0, 0, 0)?;
    Ok(seconds.div_euclid(86_400))
}

/// Splits a trailing `Z` or `±HH:MM` off; returns the rest and the offset in ms.
fn split_zone(text: &str) -> Result<(&str, i64), String> {
    if let Some(body) = text.strip_suffix(['Z', 'z']) {
        return Ok((body, 0));
    }
    let Some(split) = text.len().checked_sub(6) else {
        return Ok((text, 0));
    };
    let (Some(body), Some(zone)) = (text.get(..split), text.get(split..)) else {
        return Ok((text, 0));
    };
    let bytes = zone.as_bytes();
    let is_offset = matches!(bytes.first(), Some(b'+' | b'-')) && bytes.get(3) == Some(&b':');
    if !is_offset || !body.contains(['T', 't', ' ']) {
        return Ok((text, 0));
    }
    let hours = two_digits(&zone[1..3], "offset hours", 23)?;
    let minutes = two_digits(&zone[4..6], "offset minutes", 59)?;
    let offset_ms = i64::from(hours * 60 + minutes) * 60_000;
    Ok((
        body,
        if bytes[0] == b'-' {
            -offset_ms
        } else {
            offset_ms
        },
    ))
}

/// `YYYY[-MM[-DD]]`, where the year may carry a sign and more than four digits.
fn parse_date_parts(date: &str) -> Result<(i64, Option<u32>, Option<u32>), String> {
    let (negative, unsigned) = match date.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, date.strip_prefix('+').unwrap_or(date)),
    };
    let mut parts = unsigned.split('-');
    let year_text = parts.next().unwrap_or_default();
    if year_text.len() < 4 || year_text.len() > 10 || !all_digits(year_text) {
        return Err(format!("cannot parse year {year_text:?}"));
    }
    let year: i64 = year_text
        .parse()
        .map_err(|_| format!("cannot parse year {year_text:?}"))?;
    let month = parts
        .next()
        .map(|text| two_digits(text, "month", 12))
        .transpose()?;
    let day = parts
        .next()
        .map(|text| two_digits(text, "day", 31))
        .transpose()?;
    if parts.next().is_some() {
        return Err("too many '-' in the date".to_string());
    }
    Ok((if negative { -year } else { year }, month, day))
}

/// `HH[:MM[:SS[.fraction]]]`; returns hour, minute, second and nanoseconds.
fn parse_clock(clock: &str) -> Result<(u32, u32, u32, u32), String> {
    let (hms, fraction) = match clock.split_once('.') {
        Some((hms, fraction)) => (hms, Some(fraction)),
        None => (clock, None),
    };
    let mut parts = hms.split(':');
    let hour = two_digits(parts.next().unwrap_or_default(), "hour", 23)?;
    let minute = parts
        .next()
        .map_or(Ok(0), |text| two_digits(text, "minute", 59))?;
    let second = parts.next();
    if parts.next().is_some() {
        return Err("too many ':' in the time of day".to_string());
    }
    let second = second.map_or(Ok(0), |text| two_digits(text, "second", 59))?;
    if fraction.is_some() && hms.len() != "HH:MM:SS".len() {
        return Err("fractional seconds need HH:MM:SS before them".to_string());
    }
    let nanos = fraction.map_or(Ok(0), parse_fraction_nanos)?;
    Ok((hour, minute, second, nanos))
}

fn parse_fraction_nanos(fraction: &str) -> Result<u32, String> {
    if fraction.is_empty() || fraction.len() > 9 || !all_digits(fraction) {
        return Err(format!("cannot parse fractional seconds {fraction:?}"));
    }
    let digits: u32 = fraction
        .parse()
        .map_err(|_| format!("cannot parse fractional seconds {fraction:?}"))?;
    let scale = 10u32.pow(9 - fraction.len() as u32);
    Ok(digits * scale)
}

fn two_digits(text: &str, what: &str, max: u32) -> Result<u32, String> {
    if text.len() != 2 || !all_digits(text) {
        return Err(format!("cannot parse {what} {text:?}: expected two digits"));
    }
    let value: u32 = text
        .parse()
        .map_err(|_| format!("cannot parse {what} {text:?}"))?;
    if value > max {
        return Err(format!("{what} {value} is out of range"));
    }
    Ok(value)
}

fn all_digits(text: &str) -> bool {
    !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit())
}

/// Rejects months and days that do not exist (day 31 of April, February 29 of
/// a common year), for any year.
fn check_date(year: i64, month: u32, day: u32) -> Result<(), String> {
    // The Gregorian calendar repeats every 400 years, so a year in chrono's
    // range with the same position in the cycle has the same month lengths.
    let proxy_year = 2000 + year.rem_euclid(400) as i32;
    if month == 0 || day == 0 || NaiveDate::from_ymd_opt(proxy_year, month, day).is_none() {
        return Err(format!("{year:04}-{month:02}-{day:02} is not a date"));
    }
    Ok(())
}

fn unix_seconds(
    year: i64,
    month: u32,
    day: u32,
    hour: u32,
    minute: u32,
    second: u32,
) -> Result<i64, String> {
    let out_of_range = || format!("year {year} is out of range");
    let year = i32::try_from(year).map_err(|_| out_of_range())?;
    let date = NaiveDate::from_ymd_opt(year, month, day).ok_or_else(out_of_range)?;
    let time = date
        .and_hms_opt(hour, minute, second)
        .ok_or_else(|| format!("{hour:02}:{minute:02}:{second:02} is not a time of day"))?;
    Ok(time.and_utc().timestamp())
}

#[cfg(test)]
mod tests {
    use super::*;

    const T_2022_03_29: i64 = 1_648_512_000_000;

    #[test]
    fn full_rfc3339_with_zone() {
        assert_eq!(
            parse_rfc3339_ms("2022-03-29T01:02:03Z"),
            Ok(T_2022_03_29 + 3_723_000)
        );
        assert_eq!(
            parse_rfc3339_ms("2022-03-29T01:02:03.5Z"),
            Ok(T_2022_03_29 + 3_723_500)
        );
        assert_eq!(
            parse_rfc3339_ms("2022-03-29T01:02:03.123456789Z"),
            Ok(T_2022_03_29 + 3_723_123)
        );
        assert_eq!(
            parse_rfc3339_ms("2022-03-29T03:02:03+02:00"),
            Ok(T_2022_03_29 + 3_723_000)
        );
        assert_eq!(
            parse_rfc3339_ms("2022-03-28T23:02:03-02:00"),
            Ok(T_2022_03_29 + 3_723_000)
        );
    }

    #[test]
    fn partial_forms_are_utc() {
        assert_eq!(parse_rfc3339_ms("2022"), Ok(1_640_995_200_000));
        assert_eq!(parse_rfc3339_ms("2022-03"), Ok(1_646_092_800_000));
        assert_eq!(parse_rfc3339_ms("2022-03-29"), Ok(T_2022_03_29));
        assert_eq!(
            parse_rfc3339_ms("2022-03-29T01"),
            Ok(T_2022_03_29 + 3_600_000)
        );
        assert_eq!(
            parse_rfc3339_ms("2022-03-29T01:02"),
            Ok(T_2022_03_29 + 3_720_000)
        );
        assert_eq!(
            parse_rfc3339_ms("2022-03-29T01:02+01:00"),
            Ok(T_2022_03_29 + 120_000)
        );
        assert_eq!(parse_rfc3339_ms("2022Z"), Ok(1_640_995_200_000));
    }

    #[test]
    fn go_client_extremes_saturate() {
        assert_eq!(parse_rfc3339_ms("-292273086-05-16T16:47:06Z"), Ok(i64::MIN));
        assert_eq!(
            parse_rfc3339_ms("292277025-08-18T07:12:54.999999999Z"),
            Ok(i64::MAX)
        );
    }

    #[test]
    fn invalid_dates_and_times_are_rejected() {
        for bad in [
            "2022-13",
            "2022-02-30",
            "2023-02-29",
            "2022-03-29T24:00",
            "2022-03-29T01:60",
            "2022-03-29T01:02:60",
            "2022-03T01",
            "22-03-29",
            "2022-3-29",
            "2022-03-29T01:02:03.",
            "2022-03-29T01:02:03.1234567890",
            "2022-03-29T01:02.5",
            "2022-03-29T01:02:03+25:00",
            "2022-03-29-01",
            "yesterday",
        ] {
            assert!(parse_rfc3339_ms(bad).is_err(), "{bad:?} must be rejected");
        }
    }

    #[test]
    fn leap_days_exist_in_leap_years_only() {
        assert!(parse_rfc3339_ms("2024-02-29").is_ok());
        assert!(parse_rfc3339_ms("2100-02-29").is_err());
        assert!(parse_rfc3339_ms("2000-02-29").is_ok());
    }

    #[test]
    fn dates_give_day_numbers() {
        assert_eq!(parse_date_day("1970-01-01"), Ok(0));
        assert_eq!(parse_date_day("2022-03-29"), Ok(T_2022_03_29 / 86_400_000));
        for bad in ["2022-03", "2022-03-32", "2022/03/29", ""] {
            assert!(parse_date_day(bad).is_err(), "{bad:?} must be rejected");
        }
    }
}
