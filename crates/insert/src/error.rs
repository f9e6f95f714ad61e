//! The crate's one error type, and the one place errors become HTTP answers.
//!
//! Status codes follow what remote-write clients do with them: 400 and 415 make
//! vmagent and Prometheus drop the data, so they are only for payloads that
//! will never succeed; overload and storage failures are 503, which clients
//! retry.

use crate::remote_write::WireDefect;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use estuary_storage_api::StorageError;
use std::time::Duration;
use thiserror::Error;

/// Why an ingest request failed.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum InsertError {
    /// The body is longer than `-maxInsertRequestSize`.
    #[error(
        "request body exceeds -maxInsertRequestSize={limit} bytes; send smaller requests or raise the flag"
    )]
    BodyTooLarge {
        /// The limit in bytes.
        limit: usize,
    },
    /// The body decompresses to more than the limit.
    #[error(
        "{encoding}-decompressed request body exceeds {limit} bytes (-maxInsertRequestSize); send smaller requests or raise the flag"
    )]
    DecompressedTooLarge {
        /// The codec.
        encoding: &'static str,
        /// The limit in bytes.
        limit: usize,
    },
    /// The connection failed while the body was read.
    #[error("cannot read request body: {0}")]
    ReadBody(#[source] axum::Error),
    /// The `Content-Encoding` is not one this crate decodes.
    #[error("unsupported Content-Encoding: {0}")]
    UnsupportedEncoding(String),
    /// The body is not valid under its codec.
    #[error("cannot decompress {encoding} request body: {source}")]
    Decompress {
        /// The codec tried first.
        encoding: &'static str,
        /// The codec's complaint.
        #[source]
        source: std::io::Error,
    },
    /// A remote write 2.0 request; only 1.0 is decoded.
    #[error(
        "unsupported remote-write Content-Type {content_type:?}: only remote write 1.0 (prometheus.WriteRequest) is accepted"
    )]
    UnsupportedRemoteWriteVersion {
        /// The Content-Type sent.
        content_type: String,
    },
    /// The remote-write protobuf is malformed.
    #[error("cannot decode remote-write request: {defect} in {message} at byte {offset}")]
    Protobuf {
        /// The message being decoded.
        message: &'static str,
        /// Byte offset in the decompressed body.
        offset: usize,
        /// What is wrong.
        defect: WireDefect,
    },
    /// A line of a line-based format does not parse.
    #[error("cannot parse {format} line {line}: {detail}")]
    Line {
        /// "JSON" or "Prometheus text".
        format: &'static str,
        /// 1-based line number.
        line: usize,
        /// What is wrong.
        detail: String,
    },
    /// An `extra_label` query arg is malformed.
    #[error("invalid extra_label {arg:?}: {reason}")]
    ExtraLabel {
        /// The arg's value.
        arg: String,
        /// What is wrong.
        reason: &'static str,
    },
    /// The Pushgateway path tail is malformed.
    #[error("invalid Pushgateway path {path:?}: {reason}")]
    PushgatewayPath {
        /// The path tail after `/metrics/`.
        path: String,
        /// What is wrong.
        reason: String,
    },
    /// A query arg other than `extra_label` is malformed.
    #[error("invalid query arg {name}={value:?}: {reason}")]
    QueryArg {
        /// The arg's name.
        name: &'static str,
        /// Its value.
        value: String,
        /// What is wrong.
        reason: &'static str,
    },
    /// Some series failed validation. The valid ones were stored.
    #[error(
        "dropped {dropped_series} invalid series ({dropped_samples} samples) and stored {stored_series} series ({stored_samples} samples); first problems: {}",
        .problems.join("; ")
    )]
    InvalidSeries {
        /// Series stored.
        stored_series: usize,
        /// Samples stored.
        stored_samples: u64,
        /// Series dropped.
        dropped_series: u64,
        /// Samples dropped.
        dropped_samples: u64,
        /// The first few problems, each naming its series.
        problems: Vec<String>,
    },
    /// Neither POST nor PUT.
    #[error("method {0} is not allowed here; use POST or PUT")]
    MethodNotAllowed(Method),
    /// Every insert slot stayed busy for `-insert.maxQueueDuration`.
    #[error(
        "cannot start the insert within -insert.maxQueueDuration={waited:?}: all -maxConcurrentInserts={capacity} slots are busy; retry later"
    )]
    QueueTimeout {
        /// The number of slots.
        capacity: usize,
        /// How long the request waited.
        waited: Duration,
    },
    /// Storage refused or failed the write.
    #[error("cannot store rows: {0}")]
    Storage(#[from] StorageError),
    /// The decoding task died; a bug.
    #[error("BUG: the decoding task failed: {0}")]
    DecodeTask(String),
}

impl InsertError {
    /// The HTTP status of this error.
    pub fn status(&self) -> StatusCode {
        match self {
            InsertError::BodyTooLarge { .. } | InsertError::DecompressedTooLarge { .. } => {
                StatusCode::PAYLOAD_TOO_LARGE
            }
            InsertError::UnsupportedRemoteWriteVersion { .. } => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            InsertError::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            InsertError::QueueTimeout { .. } => StatusCode::SERVICE_UNAVAILABLE,
            InsertError::Storage(error) => storage_status(error),
            InsertError::DecodeTask(_) => StatusCode::INTERNAL_SERVER_ERROR,
            InsertError::ReadBody(_)
            | InsertError::UnsupportedEncoding(_)
            | InsertError::Decompress { .. }
            | InsertError::Protobuf { .. }
            | InsertError::Line { .. }
            | InsertError::ExtraLabel { .. }
            | InsertError::PushgatewayPath { .. }
            | InsertError::QueryArg { .. }
            | InsertError::InvalidSeries { .. } => StatusCode::BAD_REQUEST,
        }
    }

    /// Whether the body could not be decoded at all (counted in
    /// `vm_rows_invalid_total`).
    pub(crate) fn is_parse_error(&self) -> bool {
        matches!(
            self,
            InsertError::Decompress { .. }
                | InsertError::Protobuf { .. }
                | InsertError::Line { .. }
        )
    }
}

/// Storage failures the client can fix are 400; everything else is 503 so
/// that clients keep the data and retry.
fn storage_status(error: &StorageError) -> StatusCode {
    match error {
        StorageError::LimitExceeded { .. } | StorageError::InvalidArgument(_) => {
            StatusCode::BAD_REQUEST
        }
        StorageError::Unavailable(_)
        | StorageError::DeadlineExceeded { .. }
        | StorageError::Internal(_) => StatusCode::SERVICE_UNAVAILABLE,
        _ => StatusCode::SERVICE_UNAVAILABLE,
    }
}

impl IntoResponse for InsertError {
    fn into_response(self) -> Response {
        let status = self.status();
        if status.is_server_error() {
            tracing::warn!(%status, error = %self, "insert failed");
        } else {
            tracing::debug!(%status, error = %self, "insert rejected");
        }
        let mut response = plain_text(status, format!("{self}\n"));
        if let InsertError::MethodNotAllowed(_) = self {
            response
                .headers_mut()
                .insert(header::ALLOW, HeaderValue::from_static("POST, PUT"));
        }
        response
    }
}

/// A plain-text answer, as every insert endpoint gives.
pub(crate) fn plain_text(status: StatusCode, body: String) -> Response {
    let mut response = (status, body).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn storage_errors_map_to_retryable_or_client_statuses() {
        let cases = [
            (StorageError::Unavailable("down".into()), 503),
            (StorageError::DeadlineExceeded { during: "write" }, 503),
            (StorageError::Internal("disk".into()), 503),
            (StorageError::InvalidArgument("x".into()), 400),
            (
                StorageError::LimitExceeded {
                    what: "series".into(),
                    limit: 1,
                    hint: "raise it".into(),
                },
                400,
            ),
        ];
        for (error, status) in cases {
            assert_eq!(InsertError::Storage(error).status().as_u16(), status);
        }
    }

    #[test]
    fn too_large_names_the_flag() {
        let error = InsertError::BodyTooLarge { limit: 10 };
        assert_eq!(error.status(), StatusCode::PAYLOAD_TOO_LARGE);
        assert!(error.to_string().contains("-maxInsertRequestSize=10"));
    }
}
