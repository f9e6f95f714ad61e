//! PromQL queries: the parts `handlers::query` strings together.
//!
//! 1. [`args`] checks `query` (length, and [`nesting`] depth), `time` or
//!    `start`/`end`/`step`, and the lookback.
//! 2. A [`worker`] thread parses the query and plans its selectors with
//!    `estuary_promql`; [`fetch`] reads every planned selector from storage
//!    (AND-ed with `extra_label` and `extra_filters[]`) into one in-memory
//!    source; the worker evaluates it. [`eval_error`] maps evaluator errors.
//! 3. [`render`] writes the result as the `data` of Prometheus's answer.

pub mod args;
pub mod eval_error;
pub mod fetch;
pub mod nesting;
pub mod render;
pub mod worker;

use crate::config::SelectConfig;
use estuary_promql::{QueryOptions, SUBQUERY_STEP_MS_DEFAULT};
use estuary_storage_api::Deadline;

/// The most samples one evaluation may hold in memory at once, whatever
/// `-search.maxSamplesPerQuery` says (its default, 1e9, counts samples read,
/// and held at once would need tens of GB). Prometheus's default
/// `--query.max-samples`; about 1 GB of evaluator memory.
pub const SAMPLES_IN_MEMORY_MAX: usize = estuary_promql::SAMPLES_MAX_DEFAULT;

/// The evaluator's options for one request.
pub fn query_options(
    config: &SelectConfig,
    lookback_delta_ms: i64,
    deadline: Deadline,
) -> QueryOptions {
    let samples_max = usize::try_from(config.max_samples_per_query).unwrap_or(usize::MAX);
    QueryOptions {
        lookback_delta_ms,
        max_series: config.max_series,
        max_samples: samples_max.min(SAMPLES_IN_MEMORY_MAX),
        deadline: Some(deadline.0),
        subquery_step_default_ms: SUBQUERY_STEP_MS_DEFAULT,
    }
}
