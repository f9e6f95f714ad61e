//! `start`/`end` pairs with the defaults of each endpoint family.

use super::Params;
use super::time::{TIME_MS_MAX, TIME_MS_MIN};
use crate::error::ApiError;
use estuary_types::TimeRange;

/// The default window: `start` of the series and labels APIs (and of
/// `query_range`) defaults to `end` minus this, 5 minutes.
pub const DEFAULT_WINDOW_MS: i64 = 5 * 60_000;

/// `start`/`end` of the series, labels and label-values APIs: `end` defaults to
/// now rounded down to whole seconds, `start` to `end` − 5 min.
pub fn recent_range(params: &Params, now_ms: i64) -> Result<TimeRange, ApiError> {
    let end = params
        .time_ms("end", now_ms)?
        .unwrap_or(now_ms - now_ms.rem_euclid(1000));
    let start = params
        .time_ms("start", now_ms)?
        .unwrap_or_else(|| end.saturating_sub(DEFAULT_WINDOW_MS).max(TIME_MS_MIN));
    Ok(ordered(start, end))
}

/// `start`/`end` of the export API: all time unless given.
pub fn all_time_range(params: &Params, now_ms: i64) -> Result<TimeRange, ApiError> {
    let start = params.time_ms("start", now_ms)?.unwrap_or(TIME_MS_MIN);
    let end = params.time_ms("end", now_ms)?.unwrap_or(TIME_MS_MAX);
    Ok(ordered(start, end))
}

/// When `start` is after `end`, `end` moves to `start` + 5 min, as
/// VictoriaMetrics does, instead of failing the request.
fn ordered(start: i64, end: i64) -> TimeRange {
    if start <= end {
        return TimeRange::new(start, end);
    }
    TimeRange::new(
        start,
        start.saturating_add(DEFAULT_WINDOW_MS).min(TIME_MS_MAX),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_700_000_000_567;

    fn params(query: &str) -> Params {
        Params::from_sources(Some(query), None)
    }

    #[test]
    fn recent_range_defaults_to_five_minutes_before_now() {
        let range = recent_range(&params(""), NOW).expect("valid");
        assert_eq!(range, TimeRange::new(1_699_999_700_000, 1_700_000_000_000));
        let range = recent_range(&params("end=100000"), NOW).expect("valid");
        assert_eq!(
            range,
            TimeRange::new(100_000_000 - DEFAULT_WINDOW_MS, 100_000_000)
        );
        let range = recent_range(&params("end=100"), NOW).expect("valid");
        assert_eq!(range, TimeRange::new(0, 100_000));
    }

    #[test]
    fn all_time_range_defaults_to_everything() {
        let range = all_time_range(&params(""), NOW).expect("valid");
        assert_eq!(range, TimeRange::new(TIME_MS_MIN, TIME_MS_MAX));
    }

    #[test]
    fn start_after_end_moves_end() {
        let range = recent_range(&params("start=20000&end=10000"), NOW).expect("valid");
        assert_eq!(
            range,
            TimeRange::new(20_000_000, 20_000_000 + DEFAULT_WINDOW_MS)
        );
    }

    #[test]
    fn bad_times_are_errors() {
        assert!(recent_range(&params("start=tomorrow"), NOW).is_err());
        assert!(all_time_range(&params("end=x"), NOW).is_err());
    }
}
