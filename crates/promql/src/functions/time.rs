//! Calendar functions (`year`, `month`, `day_of_week`, ...) of a value read
//! as Unix seconds, in UTC.

use crate::functions::Function;
use estuary_types::calendar::civil_from_days;

/// Seconds in a day.
const SECONDS_PER_DAY: i64 = 86_400;

/// A UTC calendar date and time of day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct DateTime {
    year: i64,
    month: u32,
    day: u32,
    hour: i64,
    minute: i64,
    day_of_week: i64,
    day_of_year: u32,
}

/// Applies the calendar function `func` to `value` Unix seconds. Like Go's
/// `int64(v)`, fractions are truncated; NaN and infinities read as the
/// smallest `i64`, as on amd64.
pub(crate) fn calendar(func: Function, value: f64) -> f64 {
    let seconds = if value.is_finite() && value.abs() < 9.2e18 {
        value as i64
    } else {
        i64::MIN
    };
    let date = date_time(seconds);
    match func {
        Function::DayOfMonth => f64::from(date.day),
        Function::DayOfWeek => date.day_of_week as f64,
        Function::DayOfYear => f64::from(date.day_of_year),
        Function::DaysInMonth => f64::from(days_in_month(date.year, date.month)),
        Function::Hour => date.hour as f64,
        Function::Minute => date.minute as f64,
        Function::Month => f64::from(date.month),
        Function::Year => date.year as f64,
        _ => panic!("BUG: {} is not a calendar function", func.name()),
    }
}

/// Whether `func` is one of the calendar functions.
pub(crate) fn is_calendar(func: Function) -> bool {
    matches!(
        func,
        Function::DayOfMonth
            | Function::DayOfWeek
            | Function::DayOfYear
            | Function::DaysInMonth
            | Function::Hour
            | Function::Minute
            | Function::Month
            | Function::Year
    )
}

fn date_time(seconds: i64) -> DateTime {
    let days = seconds.div_euclid(SECONDS_PER_DAY);
    let second_of_day = seconds.rem_euclid(SECONDS_PER_DAY);
    let (year, month, day) = civil_from_days(days);
    // 1970-01-01 was a Thursday (4).
    let day_of_week = (days + 4).rem_euclid(7);
    let day_of_year = (days - days_from_civil(year, 1, 1)) as u32 + 1;
    DateTime {
        year,
        month,
        day,
        hour: second_of_day / 3600,
        minute: second_of_day % 3600 / 60,
        day_of_week,
        day_of_year,
    }
}

/// Days since 1970-01-01 of a calendar date.
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year.rem_euclid(400);
    let month = i64::from(month);
    let shifted_month = if month > 2 { month - 3 } else { month + 9 };
    let day_of_year = (153 * shifted_month + 2) / 5 + i64::from(day) - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

fn is_leap(year: i64) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_dates() {
        // 2006-01-02 22:04:05 UTC, a Monday.
        let t = 1_136_239_445.0;
        assert_eq!(calendar(Function::Year, t), 2006.0);
        assert_eq!(calendar(Function::Month, t), 1.0);
        assert_eq!(calendar(Function::DayOfMonth, t), 2.0);
        assert_eq!(calendar(Function::DayOfWeek, t), 1.0);
        assert_eq!(calendar(Function::Hour, t), 22.0);
        assert_eq!(calendar(Function::Minute, t), 4.0);
        assert_eq!(calendar(Function::DayOfYear, 1_483_191_420.0), 366.0);
        assert_eq!(calendar(Function::DaysInMonth, 1_454_284_800.0), 29.0);
        assert_eq!(calendar(Function::DayOfWeek, 0.0), 4.0);
    }

    #[test]
    fn dates_before_the_epoch() {
        // 1969-12-31 23:59:59.
        assert_eq!(calendar(Function::Year, -1.0), 1969.0);
        assert_eq!(calendar(Function::DayOfYear, -1.0), 365.0);
        assert_eq!(calendar(Function::Hour, -1.0), 23.0);
    }
}
