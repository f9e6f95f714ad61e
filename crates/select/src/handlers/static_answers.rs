//! Endpoints whose answer does not depend on stored data: build info, the
//! exemplar/rules/alerts/notifiers/metadata stubs Grafana and other Prometheus
//! clients probe, and the health probes.

use crate::response::Success;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// The Prometheus version reported by build info. 2.24.0 makes Grafana use
/// `/api/v1/labels?match[]` and `/api/v1/label/<n>/values?match[]` rather than
/// the heavier `/api/v1/series` for its label browser.
pub const PROMETHEUS_VERSION: &str = "2.24.0";

/// `/api/v1/status/buildinfo`: only `version`. A non-empty `features` object
/// would make Grafana treat the datasource as Mimir.
pub async fn buildinfo() -> Response {
    Success::new(json!({ "version": PROMETHEUS_VERSION })).into_response()
}

/// `/api/v1/query_exemplars`: no exemplars are stored.
pub async fn query_exemplars() -> Response {
    Success::new(json!([])).into_response()
}

/// `/api/v1/rules` and `/rules`: no rule groups (no vmalert behind us).
pub async fn rules() -> Response {
    Success::new(json!({ "groups": [] })).into_response()
}

/// `/api/v1/alerts` and `/alerts`: no alerts.
pub async fn alerts() -> Response {
    Success::new(json!({ "alerts": [] })).into_response()
}

/// `/api/v1/notifiers`: no notifiers.
pub async fn notifiers() -> Response {
    Success::new(json!({ "notifiers": [] })).into_response()
}

/// `/api/v1/metadata`: no metric metadata yet (an empty object is what
/// Prometheus answers when it knows none).
pub async fn metadata() -> Response {
    Success::fan_out(json!({}), false).into_response()
}

/// `/-/healthy`.
pub async fn healthy() -> Response {
    text("VictoriaMetrics is Healthy.\n")
}

/// `/-/ready`.
pub async fn ready() -> Response {
    text("VictoriaMetrics is Ready.\n")
}

fn text(body: &'static str) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; charset=utf-8"),
        )],
        body,
    )
        .into_response()
}
