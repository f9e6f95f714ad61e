//! [`ApiError`]: every way a read request fails, and the one place that maps a
//! failure to an HTTP status, a Prometheus `errorType` and a response body.
//!
//! Query-family endpoints answer with the JSON envelope
//! `{"status":"error","errorType":"bad_data","error":"..."}`; raw-data
//! endpoints (export) answer with plain text through [`TextError`].

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use estuary_storage_api::StorageError;
use serde::Serialize;
use std::time::Duration;
use thiserror::Error;

/// Seconds a client refused for overload should wait before retrying; sent as
/// `Retry-After`.
pub const RETRY_AFTER_SECONDS: u64 = 10;

/// A failed read request.
#[derive(Debug, Error, PartialEq)]
pub enum ApiError {
    /// A required argument is absent or empty.
    #[error("missing `{name}` arg")]
    MissingParam {
        /// The argument's name.
        name: &'static str,
    },
    /// An argument is present but malformed or out of range.
    #[error("cannot parse `{name}` arg {value:?}: {reason}")]
    InvalidParam {
        /// The argument's name.
        name: String,
        /// The rejected value.
        value: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The request body could not be read.
    #[error("cannot read request body: {reason}")]
    Body {
        /// Why.
        reason: String,
    },
    /// The query cannot be evaluated as given: PromQL parse errors, and type
    /// errors such as a range vector in a range query (Prometheus answers 400).
    #[error("{message}")]
    BadData {
        /// What is wrong.
        message: String,
    },
    /// A select-side limit was hit; the message names the flag that lifts it.
    #[error("{message}")]
    LimitExceeded {
        /// What was exceeded and which flag raises the limit.
        message: String,
    },
    /// The query could not be executed on the data (PromQL evaluation errors).
    #[error("{message}")]
    Execution {
        /// What went wrong.
        message: String,
    },
    /// The request's deadline passed during select-side work (evaluation).
    #[error("{message}")]
    Timeout {
        /// What was being done, and which limit applied.
        message: String,
    },
    /// The storage refused or failed.
    #[error("error when {during}: {source}")]
    Storage {
        /// What was being done.
        during: &'static str,
        /// The storage's error.
        #[source]
        source: StorageError,
    },
    /// No slot of `-search.maxConcurrentRequests` freed up in time.
    #[error(
        "cannot handle more than {capacity} concurrent requests: no slot freed up within \
         -search.maxQueueDuration={waited:?}; retry later, or raise -search.maxConcurrentRequests \
         or -search.maxQueueDuration"
    )]
    TooManyRequests {
        /// The configured concurrency.
        capacity: usize,
        /// How long the request waited.
        waited: Duration,
    },
    /// A bug or an unexpected condition on our side.
    #[error("internal error: {message}")]
    Internal {
        /// What happened.
        message: String,
    },
}

impl ApiError {
    /// An [`ApiError::InvalidParam`].
    pub fn invalid_param(name: &str, value: &str, reason: impl Into<String>) -> Self {
        ApiError::InvalidParam {
            name: name.to_string(),
            value: value.to_string(),
            reason: reason.into(),
        }
    }

    /// Wraps a storage error with what was being done.
    pub fn storage(during: &'static str, source: StorageError) -> Self {
        ApiError::Storage { during, source }
    }

    /// The HTTP status of the answer.
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::MissingParam { .. }
            | ApiError::InvalidParam { .. }
            | ApiError::BadData { .. }
            | ApiError::Body { .. } => StatusCode::BAD_REQUEST,
            ApiError::LimitExceeded { .. } | ApiError::Execution { .. } => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            ApiError::Storage { source, .. } => match source {
                StorageError::LimitExceeded { .. } => StatusCode::UNPROCESSABLE_ENTITY,
                StorageError::DeadlineExceeded { .. } | StorageError::Unavailable(_) => {
                    StatusCode::SERVICE_UNAVAILABLE
                }
                StorageError::InvalidArgument(_) => StatusCode::BAD_REQUEST,
                _ => StatusCode::INTERNAL_SERVER_ERROR,
            },
            ApiError::Timeout { .. } => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Internal { .. } => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The Prometheus `errorType` name of the answer. VictoriaMetrics puts the
    /// numeric status there instead; Prometheus's names are used on purpose
    /// (every client accepts any string).
    pub fn error_type(&self) -> &'static str {
        match self {
            ApiError::Storage {
                source: StorageError::DeadlineExceeded { .. },
                ..
            }
            | ApiError::Timeout { .. } => "timeout",
            ApiError::TooManyRequests { .. } => "unavailable",
            _ => match self.status() {
                StatusCode::BAD_REQUEST => "bad_data",
                StatusCode::UNPROCESSABLE_ENTITY => "execution",
                StatusCode::SERVICE_UNAVAILABLE => "unavailable",
                _ => "internal",
            },
        }
    }

    /// The JSON error envelope.
    pub fn into_json_response(self) -> Response {
        #[derive(Serialize)]
        struct Body<'a> {
            status: &'static str,
            #[serde(rename = "errorType")]
            error_type: &'static str,
            error: &'a str,
        }
        self.log();
        let message = self.to_string();
        let body = Body {
            status: "error",
            error_type: self.error_type(),
            error: &message,
        };
        // Serialising three strings cannot fail; the fallback only keeps this
        // function total.
        let bytes = serde_json::to_vec(&body).unwrap_or_else(|_| {
            br#"{"status":"error","errorType":"internal","error":"cannot encode the error"}"#
                .to_vec()
        });
        let mut response = (
            self.status(),
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            )],
            bytes,
        )
            .into_response();
        self.add_retry_after(&mut response);
        response
    }

    /// The plain-text answer used by raw-data endpoints.
    pub fn into_text_response(self) -> Response {
        self.log();
        let mut response = (
            self.status(),
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/plain; charset=utf-8"),
            )],
            format!("{self}\n"),
        )
            .into_response();
        self.add_retry_after(&mut response);
        response
    }

    fn add_retry_after(&self, response: &mut Response) {
        if matches!(self, ApiError::TooManyRequests { .. }) {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(RETRY_AFTER_SECONDS));
        }
    }

    fn log(&self) {
        if self.status().is_server_error() {
            tracing::warn!(error = %self, "read request failed");
        } else {
            tracing::debug!(error = %self, "read request rejected");
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        self.into_json_response()
    }
}

/// An [`ApiError`] answered as plain text (export and other raw-data endpoints).
#[derive(Debug)]
pub struct TextError(pub ApiError);

impl From<ApiError> for TextError {
    fn from(error: ApiError) -> Self {
        TextError(error)
    }
}

impl IntoResponse for TextError {
    fn into_response(self) -> Response {
        self.0.into_text_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn storage(source: StorageError) -> ApiError {
        ApiError::storage("searching", source)
    }

    #[test]
    fn storage_errors_map_to_statuses_and_types() {
        let cases = [
            (
                storage(StorageError::LimitExceeded {
                    what: "series".into(),
                    limit: 1,
                    hint: "raise -search.maxSeries".into(),
                }),
                422,
                "execution",
            ),
            (
                storage(StorageError::DeadlineExceeded { during: "x" }),
                503,
                "timeout",
            ),
            (
                storage(StorageError::Unavailable("down".into())),
                503,
                "unavailable",
            ),
            (
                storage(StorageError::InvalidArgument("bad".into())),
                400,
                "bad_data",
            ),
            (
                storage(StorageError::Internal("io".into())),
                500,
                "internal",
            ),
        ];
        for (error, status, error_type) in cases {
            assert_eq!(error.status().as_u16(), status, "{error}");
            assert_eq!(error.error_type(), error_type, "{error}");
        }
    }

    #[test]
    fn parameter_errors_are_bad_data_and_name_the_value() {
        let error = ApiError::invalid_param("start", "yesterday", "unknown time format");
        assert_eq!(error.status(), StatusCode::BAD_REQUEST);
        assert_eq!(error.error_type(), "bad_data");
        assert_eq!(
            error.to_string(),
            "cannot parse `start` arg \"yesterday\": unknown time format"
        );
    }

    #[test]
    fn query_errors_follow_prometheus() {
        let bad = ApiError::BadData {
            message: "parse error".into(),
        };
        assert_eq!((bad.status().as_u16(), bad.error_type()), (400, "bad_data"));
        let slow = ApiError::Timeout {
            message: "query timed out".into(),
        };
        assert_eq!(
            (slow.status().as_u16(), slow.error_type()),
            (503, "timeout")
        );
        let failed = ApiError::Execution {
            message: "many-to-many".into(),
        };
        assert_eq!(
            (failed.status().as_u16(), failed.error_type()),
            (422, "execution")
        );
    }

    #[test]
    fn overload_is_429_with_retry_after() {
        let error = ApiError::TooManyRequests {
            capacity: 4,
            waited: Duration::from_secs(10),
        };
        let response = error.into_json_response();
        assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(response.headers()[header::RETRY_AFTER], "10");
    }
}
