//! `/api/v1/status/tsdb`: cardinality statistics of one UTC day.

use crate::clock;
use crate::deadline::{request_deadline, within};
use crate::error::ApiError;
use crate::filters::{MatchArg, series_filters};
use crate::params::Params;
use crate::params::calendar::parse_date_day;
use crate::partial::PartialPolicy;
use crate::response::Success;
use crate::state::SelectState;
use axum::Extension;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use estuary_storage_api::{SeriesRequest, TsdbStatus, TsdbStatusEntry, TsdbStatusRequest};
use estuary_types::{MS_PER_DAY, Tenant, TimeRange, day_of};
use serde::Serialize;

/// Entries per top list when `topN` is absent.
pub const TOP_N_DEFAULT: usize = 10;

/// Answers VictoriaMetrics's shape: totals plus five top lists, every key
/// present even when empty. Arguments: `topN` (default 10, lowered to
/// `-search.maxTSDBStatusTopNSeries`), `date=YYYY-MM-DD` (default today, UTC),
/// `focusLabel`, optional `match[]` and the extras.
pub async fn tsdb_status(
    State(state): State<SelectState>,
    Extension(tenant): Extension<Tenant>,
    params: Params,
) -> Result<Response, ApiError> {
    let config = state.config();
    let top_n = params.count("topN")?.map_or(TOP_N_DEFAULT, |n| {
        n.clamp(1, config.max_tsdb_status_top_n.max(1))
    });
    let day = match params.get("date") {
        Some(text) => parse_day(text)?,
        None => i64::from(day_of(clock::now_ms())),
    };
    let range = TimeRange::new(day * MS_PER_DAY, (day + 1) * MS_PER_DAY - 1);
    let deadline = request_deadline(&params, config.max_query_duration)?;
    let request = TsdbStatusRequest {
        series: SeriesRequest {
            tenant,
            filters: series_filters(&params, MatchArg::Optional)?,
            range,
            // The answer is bounded by `top_n`; the series scanned are not
            // listed, so no entry limit applies.
            limit: usize::MAX,
            deadline,
        },
        top_n,
        focus_label: params.get("focusLabel").map(str::to_string),
    };
    let status = within(
        deadline,
        "collecting TSDB status",
        state.storage().tsdb_status(request),
    )
    .await?;
    let (status, is_partial) =
        PartialPolicy::of(&params, config).accept(status, "collecting TSDB status")?;
    Ok(Success::fan_out(TsdbStatusJson::from(&status), is_partial).into_response())
}

fn parse_day(text: &str) -> Result<i64, ApiError> {
    let day =
        parse_date_day(text).map_err(|reason| ApiError::invalid_param("date", text, reason))?;
    if day < 0 {
        return Err(ApiError::invalid_param(
            "date",
            text,
            "the date must not be before 1970-01-01",
        ));
    }
    Ok(day)
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct TsdbStatusJson<'a> {
    total_series: u64,
    total_label_value_pairs: u64,
    series_count_by_metric_name: Vec<EntryJson<'a>>,
    series_count_by_label_name: Vec<EntryJson<'a>>,
    series_count_by_focus_label_value: Vec<EntryJson<'a>>,
    series_count_by_label_value_pair: Vec<EntryJson<'a>>,
    label_value_count_by_label_name: Vec<EntryJson<'a>>,
}

#[derive(Serialize)]
struct EntryJson<'a> {
    name: &'a str,
    value: u64,
}

impl<'a> From<&'a TsdbStatus> for TsdbStatusJson<'a> {
    fn from(status: &'a TsdbStatus) -> Self {
        let entries = |list: &'a [TsdbStatusEntry]| {
            list.iter()
                .map(|entry| EntryJson {
                    name: &entry.name,
                    value: entry.value,
                })
                .collect()
        };
        TsdbStatusJson {
            total_series: status.total_series,
            total_label_value_pairs: status.total_label_value_pairs,
            series_count_by_metric_name: entries(&status.series_count_by_metric_name),
            series_count_by_label_name: entries(&status.series_count_by_label_name),
            series_count_by_focus_label_value: entries(&status.series_count_by_focus_label_value),
            series_count_by_label_value_pair: entries(&status.series_count_by_label_value_pair),
            label_value_count_by_label_name: entries(&status.label_value_count_by_label_name),
        }
    }
}
