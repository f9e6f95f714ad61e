//! The arguments of `/api/v1/query` and `/api/v1/query_range`, checked before
//! any storage is read: the query text, when to evaluate, and the lookback.

use super::nesting::check_nesting;
use crate::config::SelectConfig;
use crate::error::ApiError;
use crate::params::Params;
use crate::params::range::DEFAULT_WINDOW_MS;
use crate::params::time::TIME_MS_MIN;

/// When a query is evaluated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Evaluation {
    /// `/api/v1/query`: once, at `time_ms`.
    Instant {
        /// The evaluation time.
        time_ms: i64,
    },
    /// `/api/v1/query_range`: at `start_ms`, `start_ms + step_ms`, ... `<= end_ms`.
    Range {
        /// The first evaluation time.
        start_ms: i64,
        /// The bound of the last evaluation time (inclusive).
        end_ms: i64,
        /// The distance between evaluation times, > 0.
        step_ms: i64,
    },
}

impl Evaluation {
    /// The first evaluation time.
    pub fn start_ms(&self) -> i64 {
        match *self {
            Evaluation::Instant { time_ms } => time_ms,
            Evaluation::Range { start_ms, .. } => start_ms,
        }
    }

    /// The last evaluation time bound.
    pub fn end_ms(&self) -> i64 {
        match *self {
            Evaluation::Instant { time_ms } => time_ms,
            Evaluation::Range { end_ms, .. } => end_ms,
        }
    }
}

/// The `query` argument: required, at most `-search.maxQueryLen` bytes, and
/// not nested too deep to evaluate ([`check_nesting`]).
pub fn query_text<'a>(params: &'a Params, config: &SelectConfig) -> Result<&'a str, ApiError> {
    let text = params
        .get("query")
        .ok_or(ApiError::MissingParam { name: "query" })?;
    if text.len() > config.max_query_len {
        return Err(ApiError::BadData {
            message: format!(
                "the query is {} bytes long, more than -search.maxQueryLen={}; shorten it \
                 or raise -search.maxQueryLen",
                text.len(),
                config.max_query_len
            ),
        });
    }
    check_nesting(text)?;
    Ok(text)
}

/// The `time` of an instant query; now rounded down to whole seconds when absent.
pub fn instant(params: &Params, now_ms: i64) -> Result<Evaluation, ApiError> {
    let time_ms = params
        .time_ms("time", now_ms)?
        .unwrap_or_else(|| whole_seconds(now_ms));
    Ok(Evaluation::Instant { time_ms })
}

/// `start`, `end` and `step` of a range query. `end` defaults to now rounded
/// down to whole seconds and `start` to `end` − 5 min; `step` is required.
/// As in Prometheus, `end` before `start` is 400; more than
/// `-search.maxPointsPerTimeseries` steps is 422.
pub fn range(params: &Params, now_ms: i64, config: &SelectConfig) -> Result<Evaluation, ApiError> {
    let end_ms = params
        .time_ms("end", now_ms)?
        .unwrap_or_else(|| whole_seconds(now_ms));
    let start_ms = params
        .time_ms("start", now_ms)?
        .unwrap_or_else(|| end_ms.saturating_sub(DEFAULT_WINDOW_MS).max(TIME_MS_MIN));
    if end_ms < start_ms {
        return Err(ApiError::BadData {
            message: format!(
                "the end time {end_ms} ms must not be before the start time {start_ms} ms"
            ),
        });
    }
    let step_ms = params
        .duration_ms("step")?
        .ok_or(ApiError::MissingParam { name: "step" })?;
    let points = (end_ms - start_ms) / step_ms;
    if points > i64::try_from(config.max_points_per_timeseries).unwrap_or(i64::MAX) {
        return Err(ApiError::LimitExceeded {
            message: format!(
                "the query would compute {points} points per series, more than \
                 -search.maxPointsPerTimeseries={}; raise step, narrow start..end, or raise \
                 -search.maxPointsPerTimeseries",
                config.max_points_per_timeseries
            ),
        });
    }
    Ok(Evaluation::Range {
        start_ms,
        end_ms,
        step_ms,
    })
}

/// The lookback of instant selectors: `max_lookback` (VictoriaMetrics) or
/// `lookback_delta` (later Prometheus versions), else `-search.maxLookback`.
pub fn lookback_delta_ms(params: &Params, config: &SelectConfig) -> Result<i64, ApiError> {
    if let Some(ms) = params.duration_ms("max_lookback")? {
        return Ok(ms);
    }
    if let Some(ms) = params.duration_ms("lookback_delta")? {
        return Ok(ms);
    }
    Ok(i64::try_from(config.max_lookback.as_millis()).unwrap_or(i64::MAX))
}

fn whole_seconds(ms: i64) -> i64 {
    ms - ms.rem_euclid(1000)
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_700_000_000_567;

    fn params(query: &str) -> Params {
        Params::from_sources(Some(query), None)
    }

    fn range_of(query: &str) -> Result<Evaluation, ApiError> {
        range(&params(query), NOW, &SelectConfig::default())
    }

    #[test]
    fn instant_time_defaults_to_whole_seconds_now() {
        assert_eq!(
            instant(&params(""), NOW),
            Ok(Evaluation::Instant {
                time_ms: 1_700_000_000_000
            })
        );
        assert_eq!(
            instant(&params("time=4"), NOW),
            Ok(Evaluation::Instant { time_ms: 4000 })
        );
    }

    #[test]
    fn range_defaults_and_step_forms() {
        let expected = Evaluation::Range {
            start_ms: 1_700_000_000_000 - DEFAULT_WINDOW_MS,
            end_ms: 1_700_000_000_000,
            step_ms: 15_000,
        };
        assert_eq!(range_of("step=15"), Ok(expected));
        assert_eq!(range_of("step=15s"), Ok(expected));
    }

    #[test]
    fn range_rejects_bad_steps_and_reversed_ends() {
        assert_eq!(
            range_of("start=1&end=2"),
            Err(ApiError::MissingParam { name: "step" })
        );
        for bad in ["step=0", "step=-1", "step=soon"] {
            let error = range_of(&format!("start=1&end=2&{bad}")).expect_err(bad);
            assert_eq!(error.status().as_u16(), 400, "{bad}");
        }
        let error = range_of("start=20&end=10&step=1").expect_err("reversed");
        assert_eq!(error.status().as_u16(), 400);
    }

    #[test]
    fn too_many_points_name_the_flag() {
        assert!(range_of("start=0&end=30000&step=1").is_ok());
        let error = range_of("start=0&end=30001&step=1").expect_err("too many points");
        assert_eq!(error.status().as_u16(), 422);
        assert!(
            error
                .to_string()
                .contains("-search.maxPointsPerTimeseries=30000")
        );
    }

    #[test]
    fn query_is_required_and_bounded() {
        let config = SelectConfig::default();
        assert_eq!(
            query_text(&params(""), &config),
            Err(ApiError::MissingParam { name: "query" })
        );
        assert_eq!(query_text(&params("query=up"), &config), Ok("up"));
        let long = format!("query={}", "a".repeat(config.max_query_len + 1));
        let error = query_text(&params(&long), &config).expect_err("too long");
        assert_eq!(error.status().as_u16(), 400);
    }

    #[test]
    fn lookback_argument_overrides_the_flag() {
        let config = SelectConfig::default();
        assert_eq!(lookback_delta_ms(&params(""), &config), Ok(300_000));
        assert_eq!(
            lookback_delta_ms(&params("max_lookback=1m"), &config),
            Ok(60_000)
        );
        assert_eq!(
            lookback_delta_ms(&params("lookback_delta=30"), &config),
            Ok(30_000)
        );
        assert!(lookback_delta_ms(&params("max_lookback=0"), &config).is_err());
    }
}
