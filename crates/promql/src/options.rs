//! Per-query evaluation settings and limits.

use std::time::Instant;

/// Prometheus's default lookback for instant vector selectors: 5 minutes.
pub const LOOKBACK_DELTA_MS_DEFAULT: i64 = 5 * 60 * 1000;

/// Prometheus's default `--query.max-samples`.
pub const SAMPLES_MAX_DEFAULT: usize = 50_000_000;

/// VictoriaMetrics's default `-search.maxSeries` for one query.
pub const SERIES_MAX_DEFAULT: usize = 30_000;

/// Step of a subquery written without one (`x[5m:]`): Prometheus uses the
/// global evaluation interval, 1 minute by default.
pub const SUBQUERY_STEP_MS_DEFAULT: i64 = 60 * 1000;

/// Settings and limits of one evaluation.
#[derive(Debug, Clone)]
pub struct QueryOptions {
    /// How far back an instant vector selector looks for a sample.
    pub lookback_delta_ms: i64,
    /// Most series all selectors of the query may select together.
    pub max_series: usize,
    /// Most samples held in memory at once (Prometheus's max-samples).
    pub max_samples: usize,
    /// When evaluation must give up with a timeout error.
    pub deadline: Option<Instant>,
    /// Step of subqueries that do not name one.
    pub subquery_step_default_ms: i64,
}

impl Default for QueryOptions {
    fn default() -> Self {
        QueryOptions {
            lookback_delta_ms: LOOKBACK_DELTA_MS_DEFAULT,
            max_series: SERIES_MAX_DEFAULT,
            max_samples: SAMPLES_MAX_DEFAULT,
            deadline: None,
            subquery_step_default_ms: SUBQUERY_STEP_MS_DEFAULT,
        }
    }
}
