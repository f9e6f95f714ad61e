//! `/api/v1/export`: raw samples of the series matching `match[]`, as JSON lines
//! that `/api/v1/import` reads back. Errors are plain text, as on every
//! raw-data endpoint, and the answer is never partial.

use super::export_body::ExportBody;
use crate::clock;
use crate::deadline::{request_deadline, within};
use crate::error::{ApiError, TextError};
use crate::filters::{MatchArg, series_filters};
use crate::params::Params;
use crate::params::range::all_time_range;
use crate::partial::PartialPolicy;
use crate::state::SelectState;
use axum::Extension;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use estuary_storage_api::{SearchRequest, SeriesRequest};
use estuary_types::Tenant;

/// The content type of export answers.
pub const EXPORT_CONTENT_TYPE: &str = "application/stream+json; charset=utf-8";

/// Streams one JSON line per series (more with `max_rows_per_line`). Range:
/// all time unless `start`/`end` say otherwise. Limits:
/// `-search.maxExportSeries` (422), `-search.maxSamplesPerQuery` (422), deadline
/// `-search.maxExportDuration`. Gzip when the client accepts it.
///
/// `reduce_mem_usage` is accepted and has no effect: samples come from the
/// storage already merged, with no select-side deduplication to skip.
pub async fn export(
    State(state): State<SelectState>,
    Extension(tenant): Extension<Tenant>,
    headers: HeaderMap,
    params: Result<Params, ApiError>,
) -> Result<Response, TextError> {
    let params = params?;
    let config = state.config();
    let filters = series_filters(&params, MatchArg::Required)?;
    let range = all_time_range(&params, clock::now_ms())?;
    let deadline = request_deadline(&params, config.max_export_duration)?;
    let rows_per_line_max = params.count("max_rows_per_line")?.filter(|&rows| rows > 0);
    let request = SearchRequest {
        series: SeriesRequest {
            tenant,
            filters,
            range,
            limit: config.max_export_series,
            deadline,
        },
        samples_limit: config.max_samples_per_query,
    };
    let answer = within(
        deadline,
        "exporting series",
        state.storage().search(request),
    )
    .await?;
    // JSON lines have no envelope to carry `isPartial`; the policy still
    // applies, so a backup or migration can insist on everything.
    let (series, _) = PartialPolicy::of(&params, config).accept(answer, "exporting series")?;
    let gzip = accepts_gzip(&headers);
    let mut response = Body::new(ExportBody::new(series, rows_per_line_max, gzip)).into_response();
    let response_headers = response.headers_mut();
    response_headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(EXPORT_CONTENT_TYPE),
    );
    if gzip {
        response_headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
    }
    response_headers.insert(header::VARY, HeaderValue::from_static("Accept-Encoding"));
    Ok(response)
}

/// Whether `Accept-Encoding` lists gzip with a non-zero weight.
fn accepts_gzip(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .any(|coding| {
            let mut parts = coding.split(';').map(str::trim);
            let name = parts.next().unwrap_or_default();
            let refused = parts.any(|p| {
                p.strip_prefix("q=")
                    .and_then(|q| q.parse::<f64>().ok())
                    .is_some_and(|q| q <= 0.0)
            });
            name.eq_ignore_ascii_case("gzip") && !refused
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(accept: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        if let Ok(value) = HeaderValue::from_str(accept) {
            headers.insert(header::ACCEPT_ENCODING, value);
        }
        headers
    }

    #[test]
    fn gzip_is_detected() {
        assert!(accepts_gzip(&headers("gzip")));
        assert!(accepts_gzip(&headers("deflate, gzip;q=0.8")));
        assert!(accepts_gzip(&headers("GZIP")));
        assert!(!accepts_gzip(&headers("gzip;q=0")));
        assert!(!accepts_gzip(&headers("br, deflate")));
        assert!(!accepts_gzip(&HeaderMap::new()));
    }
}
