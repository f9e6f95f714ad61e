//! JSON success answers: [`Success`] builds the Prometheus envelope
//! `{"status":"success","isPartial":false,"data":...}`, and
//! [`allow_any_origin`] adds the CORS header query APIs carry.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::error::ApiError;

/// The content type of every JSON answer.
pub const JSON_CONTENT_TYPE: &str = "application/json";

/// A success envelope around `data`.
///
/// Field order on the wire: `status`, `isPartial` (fan-out endpoints only),
/// `data`, `stats` (query endpoints), `warnings` (only when there are some).
///
/// `S` is the type of `stats`: any serialisable value, so that a typed struct
/// keeps its field order (a `serde_json::Value` object sorts its keys).
#[derive(Debug, Clone)]
pub struct Success<T, S = serde_json::Value> {
    data: T,
    is_partial: Option<bool>,
    stats: Option<S>,
    warnings: Vec<String>,
}

impl<T: Serialize> Success<T> {
    /// An envelope without `isPartial` (build info, stubs).
    pub fn new(data: T) -> Self {
        Success {
            data,
            is_partial: None,
            stats: None,
            warnings: Vec::new(),
        }
    }

    /// An envelope of an endpoint that fans out to storage: `isPartial` is
    /// always present.
    pub fn fan_out(data: T, is_partial: bool) -> Self {
        Success {
            is_partial: Some(is_partial),
            ..Success::new(data)
        }
    }
}

impl<T: Serialize, S: Serialize> Success<T, S> {
    /// Adds a `warnings` entry (Grafana shows them as panel notices).
    pub fn with_warning(mut self, warning: impl Into<String>) -> Self {
        self.warnings.push(warning.into());
        self
    }

    /// Sets the top-level `stats` object (query endpoints).
    pub fn with_stats<U: Serialize>(self, stats: U) -> Success<T, U> {
        Success {
            data: self.data,
            is_partial: self.is_partial,
            stats: Some(stats),
            warnings: self.warnings,
        }
    }

    /// The encoded envelope.
    pub fn to_json(&self) -> Result<Vec<u8>, serde_json::Error> {
        #[derive(Serialize)]
        struct Envelope<'a, T, S> {
            status: &'static str,
            #[serde(rename = "isPartial", skip_serializing_if = "Option::is_none")]
            is_partial: Option<bool>,
            data: &'a T,
            #[serde(skip_serializing_if = "Option::is_none")]
            stats: Option<&'a S>,
            #[serde(skip_serializing_if = "<[_]>::is_empty")]
            warnings: &'a [String],
        }
        serde_json::to_vec(&Envelope {
            status: "success",
            is_partial: self.is_partial,
            data: &self.data,
            stats: self.stats.as_ref(),
            warnings: &self.warnings,
        })
    }
}

impl<T: Serialize, S: Serialize> IntoResponse for Success<T, S> {
    fn into_response(self) -> Response {
        match self.to_json() {
            Ok(body) => json_response(StatusCode::OK, body),
            Err(error) => ApiError::Internal {
                message: format!("cannot encode the response: {error}"),
            }
            .into_response(),
        }
    }
}

/// A response with an already-encoded JSON body.
pub fn json_response(status: StatusCode, body: Vec<u8>) -> Response {
    (
        status,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static(JSON_CONTENT_TYPE),
        )],
        body,
    )
        .into_response()
}

/// Adds `Access-Control-Allow-Origin: *`, as VictoriaMetrics does on its query
/// APIs so browser clients (vmui, dashboards) can call them. Use with
/// `axum::middleware::map_response`.
pub async fn allow_any_origin(mut response: Response) -> Response {
    response.headers_mut().insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encode<T: Serialize>(success: Success<T>) -> String {
        String::from_utf8(success.to_json().expect("encodes")).expect("utf-8")
    }

    #[test]
    fn plain_envelope_has_no_is_partial() {
        assert_eq!(
            encode(Success::new(["a"])),
            r#"{"status":"success","data":["a"]}"#
        );
    }

    #[test]
    fn fan_out_envelope_always_has_is_partial() {
        assert_eq!(
            encode(Success::fan_out(Vec::<String>::new(), false)),
            r#"{"status":"success","isPartial":false,"data":[]}"#
        );
    }

    #[test]
    fn warnings_and_stats_follow_data() {
        let success = Success::fan_out(1, true)
            .with_stats(serde_json::json!({"seriesFetched": "3"}))
            .with_warning("partial");
        assert_eq!(
            encode(success),
            r#"{"status":"success","isPartial":true,"data":1,"stats":{"seriesFetched":"3"},"warnings":["partial"]}"#
        );
    }
}
