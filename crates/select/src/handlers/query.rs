//! `/api/v1/query` and `/api/v1/query_range`: PromQL evaluated with Prometheus
//! 2.42's answers.
//!
//! Both run the same flow: check the arguments, parse and plan the selectors
//! on a query thread, fetch them from storage under the request's deadline,
//! evaluate on the query thread, and answer
//! `{"status":"success","isPartial":false,"data":{...},"stats":{...}}` with
//! `stats.seriesFetched` as a string (vmalert reads it so).

use crate::clock;
use crate::deadline::request_deadline;
use crate::error::ApiError;
use crate::filters::extra_filters;
use crate::params::Params;
use crate::partial::{PARTIAL_WARNING, PartialPolicy};
use crate::query::args::{self, Evaluation};
use crate::query::fetch::{FetchLimits, fetch};
use crate::query::query_options;
use crate::query::render::{QueryData, QueryStats};
use crate::query::worker::QueryWorker;
use crate::response::Success;
use crate::state::SelectState;
use axum::Extension;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use estuary_types::Tenant;
use std::time::Instant;

/// Evaluates `query` at `time` (default: now, whole seconds).
pub async fn query(
    State(state): State<SelectState>,
    Extension(tenant): Extension<Tenant>,
    params: Params,
) -> Result<Response, ApiError> {
    let started = Instant::now();
    let text = args::query_text(&params, state.config())?;
    let evaluation = args::instant(&params, clock::now_ms())?;
    answer(&state, tenant, &params, text, evaluation, started).await
}

/// Evaluates `query` from `start` to `end` every `step`; the answer is always
/// a matrix.
pub async fn query_range(
    State(state): State<SelectState>,
    Extension(tenant): Extension<Tenant>,
    params: Params,
) -> Result<Response, ApiError> {
    let started = Instant::now();
    let text = args::query_text(&params, state.config())?;
    let evaluation = args::range(&params, clock::now_ms(), state.config())?;
    answer(&state, tenant, &params, text, evaluation, started).await
}

/// The flow shared by both endpoints, from parsing to the encoded answer.
async fn answer(
    state: &SelectState,
    tenant: Tenant,
    params: &Params,
    text: &str,
    evaluation: Evaluation,
    started: Instant,
) -> Result<Response, ApiError> {
    let config = state.config();
    let deadline = request_deadline(params, config.max_query_duration)?;
    let lookback_delta_ms = args::lookback_delta_ms(params, config)?;
    let extras = extra_filters(params)?;
    let opts = query_options(config, lookback_delta_ms, deadline);
    let (worker, plans) = QueryWorker::start(text, evaluation, opts, config).await?;
    let limits = FetchLimits {
        series_max: config.max_series,
        samples_max: config.max_samples_per_query,
    };
    let partial = PartialPolicy::of(params, config);
    let fetched = fetch(
        state.storage(),
        tenant,
        plans,
        &extras,
        limits,
        partial,
        deadline,
    )
    .await?;
    let is_partial = fetched.is_partial;
    let value = worker.evaluate(fetched.source, config).await?;
    let stats = QueryStats {
        series_fetched: fetched.series_count.to_string(),
        execution_time_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
    };
    let mut answer = Success::fan_out(QueryData(&value), is_partial).with_stats(stats);
    if is_partial {
        answer = answer.with_warning(PARTIAL_WARNING.to_string());
    }
    Ok(answer.into_response())
}
