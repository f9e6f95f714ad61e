//! Endpoints every component serves: health, readiness, self-metrics, the
//! storage admin calls, and the plain-text error shapes.

use super::Components;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// The component-independent path of a request, attached by the dispatcher.
#[derive(Debug, Clone)]
pub struct RequestPath(pub String);

/// A plain-text response.
pub fn plain(status: StatusCode, body: impl Into<String>) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        body.into(),
    )
        .into_response()
}

/// VictoriaMetrics's answer to a path no handler claims: 400, not 404.
pub fn unsupported_path(path: &str) -> Response {
    plain(
        StatusCode::BAD_REQUEST,
        format!("unsupported path requested: {path:?}\n"),
    )
}

/// Serves a common endpoint.
pub async fn serve(components: &Components, request: Request<Body>) -> Response {
    let path = request
        .extensions()
        .get::<RequestPath>()
        .map(|p| p.0.clone())
        .unwrap_or_default();
    match path.as_str() {
        "/health" => plain(StatusCode::OK, "OK"),
        "/ready" => match components
            .readiness
            .as_ref()
            .map_or(Ok(()), |check| check())
        {
            Ok(()) => plain(StatusCode::OK, "OK"),
            Err(reason) => plain(
                StatusCode::SERVICE_UNAVAILABLE,
                format!("not ready: {reason}\n"),
            ),
        },
        "/-/healthy" => plain(StatusCode::OK, "VictoriaMetrics is Healthy.\n"),
        "/-/ready" => plain(StatusCode::OK, "VictoriaMetrics is Ready.\n"),
        "/ping" => StatusCode::NO_CONTENT.into_response(),
        "/robots.txt" => plain(StatusCode::OK, "User-agent: *\nDisallow: /\n"),
        "/metrics" => (
            StatusCode::OK,
            [(
                header::CONTENT_TYPE,
                "text/plain; version=0.0.4; charset=utf-8",
            )],
            crate::self_metrics::render(),
        )
            .into_response(),
        "/" => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            INDEX_HTML,
        )
            .into_response(),
        "/internal/force_flush" => match &components.storage {
            Some(storage) => admin_result(storage.force_flush().await),
            None => unsupported_path(&path),
        },
        "/internal/force_merge" => match &components.storage {
            Some(storage) => admin_result(storage.force_merge().await),
            None => unsupported_path(&path),
        },
        _ if super::snapshot::is_snapshot_path(&path) => match &components.snapshots {
            Some(admin) => super::snapshot::serve(admin, &path, request.uri().clone()).await,
            None => unsupported_path(&path),
        },
        "/-/reload" if matches!(*request.method(), Method::GET | Method::POST) => {
            StatusCode::NO_CONTENT.into_response()
        }
        _ => unsupported_path(&path),
    }
}

fn admin_result(result: Result<(), estuary_storage_api::StorageError>) -> Response {
    match result {
        Ok(()) => plain(StatusCode::OK, ""),
        Err(error) => plain(StatusCode::INTERNAL_SERVER_ERROR, format!("{error}\n")),
    }
}

const INDEX_HTML: &str = "<!DOCTYPE html><html><head><title>Estuary</title></head><body>\
<h1>Estuary</h1><ul>\
<li><a href=\"/metrics\">/metrics</a>: self-monitoring metrics</li>\
<li><a href=\"/health\">/health</a>: liveness</li>\
<li>/api/v1/write, /api/v1/import, /api/v1/import/prometheus: ingestion (tenant 0:0)</li>\
<li>/api/v1/export, /api/v1/series, /api/v1/labels, /api/v1/status/tsdb: reads (tenant 0:0)</li>\
<li>/insert/&lt;tenant&gt;/prometheus/..., /select/&lt;tenant&gt;/prometheus/...: per tenant</li>\
</ul></body></html>";
