//! `/api/v1/series`: the label sets of series matching `match[]` in a range.

use crate::clock;
use crate::deadline::{request_deadline, within};
use crate::error::ApiError;
use crate::filters::{MatchArg, series_filters};
use crate::list_limit::ListLimit;
use crate::metric_json::MetricJson;
use crate::params::Params;
use crate::params::range::recent_range;
use crate::partial::{PARTIAL_WARNING, PartialPolicy};
use crate::response::Success;
use crate::state::SelectState;
use axum::Extension;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use estuary_storage_api::SeriesRequest;
use estuary_types::Tenant;

/// Answers `{"status":"success","isPartial":false,"data":[{"__name__":...},...]}`,
/// sorted by label set. More matches than `-search.maxSeries` fail with 422
/// unless the client passed a `limit`, which cuts the list (with a warning).
pub async fn series(
    State(state): State<SelectState>,
    Extension(tenant): Extension<Tenant>,
    params: Params,
) -> Result<Response, ApiError> {
    let config = state.config();
    let filters = series_filters(&params, MatchArg::Required)?;
    let range = recent_range(&params, clock::now_ms())?;
    let deadline = request_deadline(&params, config.max_query_duration)?;
    let limit = ListLimit::new(params.count("limit")?, config.max_series);
    let request = SeriesRequest {
        tenant,
        filters,
        range,
        limit: limit.fetch_count(),
        deadline,
    };
    let answer = within(deadline, "listing series", state.storage().series(request)).await?;
    let (mut series, is_partial) =
        PartialPolicy::of(&params, config).accept(answer, "listing series")?;
    series.sort();
    series.dedup();
    if series.len() > limit.returned() && !limit.is_requested() {
        return Err(ApiError::LimitExceeded {
            message: format!(
                "more than -search.maxSeries={} series match the selectors; narrow down \
                 match[] or the time range, or raise -search.maxSeries",
                config.max_series
            ),
        });
    }
    let cut = limit.truncate(&mut series);
    let data: Vec<MetricJson<'_>> = series.iter().map(MetricJson).collect();
    let mut answer = Success::fan_out(data, is_partial);
    if is_partial {
        answer = answer.with_warning(PARTIAL_WARNING.to_string());
    }
    if cut {
        answer = answer.with_warning(format!(
            "the result was cut to limit={} series",
            limit.returned()
        ));
    }
    Ok(answer.into_response())
}
