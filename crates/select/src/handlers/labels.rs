//! `/api/v1/labels` and `/api/v1/label/<name>/values`: label names, and the
//! values of one label, over the series matching the optional `match[]`.

use crate::clock;
use crate::deadline::{request_deadline, within};
use crate::error::ApiError;
use crate::filters::{MatchArg, series_filters};
use crate::label_name::unescape_label_name;
use crate::list_limit::ListLimit;
use crate::params::Params;
use crate::params::range::recent_range;
use crate::partial::{PARTIAL_WARNING, PartialPolicy};
use crate::response::Success;
use crate::state::SelectState;
use axum::Extension;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use estuary_storage_api::SeriesRequest;
use estuary_types::Tenant;

/// Answers the sorted label names, at most `-search.maxTagKeys` (or `limit`).
pub async fn labels(
    State(state): State<SelectState>,
    Extension(tenant): Extension<Tenant>,
    params: Params,
) -> Result<Response, ApiError> {
    let limit = ListLimit::new(params.count("limit")?, state.config().max_tag_keys);
    let request = labels_request(&state, tenant, &params, limit)?;
    let deadline = request.deadline;
    let names = within(
        deadline,
        "listing label names",
        state.storage().label_names(request),
    )
    .await?;
    let names = PartialPolicy::of(&params, state.config()).accept(names, "listing label names")?;
    Ok(sorted_answer(names, limit, "label names"))
}

/// Answers the sorted values of the label named in the path (`U__`-escaped
/// names are decoded), at most `-search.maxTagValues` (or `limit`).
pub async fn label_values(
    State(state): State<SelectState>,
    Extension(tenant): Extension<Tenant>,
    Path(segment): Path<String>,
    params: Params,
) -> Result<Response, ApiError> {
    let name = unescape_label_name(&segment);
    if name.is_empty() {
        return Err(ApiError::invalid_param(
            "label name",
            &segment,
            "the label name is empty",
        ));
    }
    let limit = ListLimit::new(params.count("limit")?, state.config().max_tag_values);
    let request = labels_request(&state, tenant, &params, limit)?;
    let deadline = request.deadline;
    let values = within(
        deadline,
        "listing label values",
        state.storage().label_values(request, name),
    )
    .await?;
    let values =
        PartialPolicy::of(&params, state.config()).accept(values, "listing label values")?;
    Ok(sorted_answer(values, limit, "label values"))
}

/// The storage request shared by both endpoints: optional `match[]`, the
/// recent-range defaults, `-search.maxLabelsAPIDuration` as deadline.
fn labels_request(
    state: &SelectState,
    tenant: Tenant,
    params: &Params,
    limit: ListLimit,
) -> Result<SeriesRequest, ApiError> {
    Ok(SeriesRequest {
        tenant,
        filters: series_filters(params, MatchArg::Optional)?,
        range: recent_range(params, clock::now_ms())?,
        limit: limit.fetch_count(),
        deadline: request_deadline(params, state.config().max_labels_api_duration)?,
    })
}

fn sorted_answer(
    (mut entries, is_partial): (Vec<String>, bool),
    limit: ListLimit,
    what: &str,
) -> Response {
    entries.sort_unstable();
    entries.dedup();
    let cut = limit.truncate(&mut entries);
    let mut answer = Success::fan_out(entries, is_partial);
    if is_partial {
        answer = answer.with_warning(PARTIAL_WARNING.to_string());
    }
    if cut {
        answer = answer.with_warning(format!("the result was cut to {} {what}", limit.returned()));
    }
    answer.into_response()
}
