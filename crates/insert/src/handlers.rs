//! The axum handlers: HTTP in, protocol parsers and storage out.
//!
//! Every handler runs the same steps through `ingest`: check the method and
//! headers, wait for the first body byte, take an insert slot, read the body
//! under the size limit, decompress and parse on a blocking thread, write the
//! valid series to storage, answer. The handlers read the tenant from the
//! `Extension<Tenant>` the binary's routing layer puts on every request.

use crate::batch::{BatchContext, SeriesBatch};
use crate::body::BodyReader;
use crate::encoding::{self, ContentEncoding};
use crate::error::{InsertError, plain_text};
use crate::extra_labels::ExtraLabels;
use crate::metrics::{self, Protocol};
use crate::query_args::QueryArgs;
use crate::state::InsertState;
use crate::{import_json, import_text, pushgateway, remote_write};
use axum::Router;
use axum::body::Body;
use axum::extract::{Extension, RawPathParams, Request, State};
use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use bytes::Bytes;
use estuary_types::Tenant;
use std::time::{SystemTime, UNIX_EPOCH};

/// The ingest routes, relative to the Prometheus base path (`/` of a single
/// node, `/insert/<tenant>/prometheus` of a cluster):
///
/// | path | protocol | success |
/// |---|---|---|
/// | `/`, `/api/v1/write`, `/api/v1/push` | remote write (snappy or zstd) | 204 |
/// | `/api/v1/import` | JSON lines | 204 |
/// | `/api/v1/import/prometheus` | Prometheus text | 204 |
/// | `/api/v1/import/prometheus/metrics/job/<j>/...` | text, Pushgateway path | 200 |
///
/// `/` is the base path itself: `/insert/<t>/prometheus` and
/// `/insert/<t>/prometheus/` take remote write too. Every request must carry
/// an `Extension<Tenant>`.
pub fn routes(state: InsertState) -> Router {
    Router::new()
        .route("/", any(remote_write))
        .route("/api/v1/write", any(remote_write))
        .route("/api/v1/push", any(remote_write))
        .route("/api/v1/import", any(import_json))
        .route("/api/v1/import/prometheus", any(import_prometheus))
        .route(
            "/api/v1/import/prometheus/metrics/{*rest}",
            any(import_pushgateway),
        )
        .with_state(state)
}

/// Prometheus remote write v1. Also answers vmagent's
/// `?get_vm_proto_version=1` probe with `1`, which enables zstd.
pub async fn remote_write(
    State(state): State<InsertState>,
    Extension(tenant): Extension<Tenant>,
    request: Request,
) -> Result<Response, InsertError> {
    let (parts, body) = request.into_parts();
    let args = QueryArgs::parse(parts.uri.query());
    if args.get_vm_proto_version {
        return Ok(plain_text(StatusCode::OK, "1".to_string()));
    }
    check_method(&parts.method)?;
    check_remote_write_version(&parts.headers)?;
    let encoding = ContentEncoding::from_headers(&parts.headers)?;
    let extra_labels = ExtraLabels::new(ExtraLabels::parse_args(&args.extra_labels)?);
    let bytes_max = state.config().request_bytes_max;
    let job = Job {
        tenant,
        protocol: Protocol::RemoteWrite,
        extra_labels,
    };
    ingest(&state, job, &parts.headers, body, move |body, context| {
        let raw = remote_write::decompress(encoding, &body, bytes_max)?;
        remote_write::to_batch(&raw, context)
    })
    .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// JSON line import.
pub async fn import_json(
    State(state): State<InsertState>,
    Extension(tenant): Extension<Tenant>,
    request: Request,
) -> Result<Response, InsertError> {
    let (parts, body) = request.into_parts();
    check_method(&parts.method)?;
    let args = QueryArgs::parse(parts.uri.query());
    let encoding = ContentEncoding::from_headers(&parts.headers)?;
    let extra_labels = ExtraLabels::new(ExtraLabels::parse_args(&args.extra_labels)?);
    let bytes_max = state.config().request_bytes_max;
    let line_bytes_max = state.config().import_line_bytes_max;
    let job = Job {
        tenant,
        protocol: Protocol::VmImport,
        extra_labels,
    };
    ingest(&state, job, &parts.headers, body, move |body, context| {
        let raw = encoding::decode_stream(encoding, &body, bytes_max)?;
        import_json::to_batch(&raw, line_bytes_max, context)
    })
    .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// Prometheus text exposition import.
pub async fn import_prometheus(
    State(state): State<InsertState>,
    Extension(tenant): Extension<Tenant>,
    request: Request,
) -> Result<Response, InsertError> {
    import_text_with_labels(&state, tenant, request, Vec::new()).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// Prometheus text import with Pushgateway path labels
/// (`.../metrics/job/<j>[/<label>/<value>...]`); answers 200.
pub async fn import_pushgateway(
    State(state): State<InsertState>,
    Extension(tenant): Extension<Tenant>,
    params: RawPathParams,
    request: Request,
) -> Result<Response, InsertError> {
    let rest = params
        .iter()
        .find_map(|(name, value)| (name == "rest").then_some(value))
        .unwrap_or("");
    let path_labels = pushgateway::parse_path(rest)?;
    import_text_with_labels(&state, tenant, request, path_labels).await?;
    Ok(StatusCode::OK.into_response())
}

async fn import_text_with_labels(
    state: &InsertState,
    tenant: Tenant,
    request: Request,
    path_labels: Vec<(String, String)>,
) -> Result<(), InsertError> {
    let (parts, body) = request.into_parts();
    check_method(&parts.method)?;
    let args = QueryArgs::parse(parts.uri.query());
    let encoding = ContentEncoding::from_headers(&parts.headers)?;
    // Query-string extra labels come last, so they override the path's.
    let mut pairs = path_labels;
    pairs.extend(ExtraLabels::parse_args(&args.extra_labels)?);
    let default_timestamp_ms = args.timestamp_ms()?.unwrap_or_else(now_ms);
    let bytes_max = state.config().request_bytes_max;
    let job = Job {
        tenant,
        protocol: Protocol::PrometheusText,
        extra_labels: ExtraLabels::new(pairs),
    };
    ingest(state, job, &parts.headers, body, move |body, context| {
        let raw = encoding::decode_stream(encoding, &body, bytes_max)?;
        import_text::to_batch(&raw, default_timestamp_ms, context)
    })
    .await
}

/// What one request writes, besides its body.
struct Job {
    tenant: Tenant,
    protocol: Protocol,
    extra_labels: ExtraLabels,
}

/// Reads the body under the limits, decodes it with `decode` on a blocking
/// thread, and stores the result.
async fn ingest<F>(
    state: &InsertState,
    job: Job,
    headers: &HeaderMap,
    body: Body,
    decode: F,
) -> Result<(), InsertError>
where
    F: FnOnce(Bytes, &BatchContext) -> Result<SeriesBatch, InsertError> + Send + 'static,
{
    let config = state.config();
    let mut reader = BodyReader::new(body, headers, config.request_bytes_max);
    reader.wait_first_byte().await?;
    let _permit = state.limiter().acquire().await?;
    let body = reader.read_to_end().await?;
    let context = BatchContext {
        tenant: job.tenant,
        extra_labels: job.extra_labels,
        limits: config.limits(),
    };
    let decoded = tokio::task::spawn_blocking(move || decode(body, &context))
        .await
        .map_err(|error| InsertError::DecodeTask(error.to_string()))?;
    let batch = decoded.inspect_err(|error| {
        if error.is_parse_error() {
            metrics::get().rows_invalid(job.protocol);
        }
    })?;
    store(state, job.tenant, job.protocol, batch).await
}

/// Writes the valid series and reports the dropped ones.
async fn store(
    state: &InsertState,
    tenant: Tenant,
    protocol: Protocol,
    batch: SeriesBatch,
) -> Result<(), InsertError> {
    let SeriesBatch {
        series,
        samples_count,
        dropped,
    } = batch;
    let metrics = metrics::get();
    metrics.rows_ignored(&dropped.samples_by_reason);
    let stored_series = series.len();
    if !series.is_empty() {
        state.storage().write(series).await?;
        metrics.rows_inserted(protocol, tenant, samples_count);
    }
    if dropped.series_count > 0 {
        return Err(InsertError::InvalidSeries {
            stored_series,
            stored_samples: samples_count,
            dropped_series: dropped.series_count,
            dropped_samples: dropped.samples_count,
            problems: dropped.problems,
        });
    }
    Ok(())
}

fn check_method(method: &Method) -> Result<(), InsertError> {
    if method == Method::POST || method == Method::PUT {
        return Ok(());
    }
    Err(InsertError::MethodNotAllowed(method.clone()))
}

/// Refuses a `Content-Type` whose `proto` parameter names another message
/// than remote write 1.0's (remote write 2.0 sends
/// `proto=io.prometheus.write.v2.Request`), with 415 so senders know.
fn check_remote_write_version(headers: &HeaderMap) -> Result<(), InsertError> {
    let Some(content_type) = headers.get(CONTENT_TYPE) else {
        return Ok(());
    };
    let content_type = String::from_utf8_lossy(content_type.as_bytes());
    for parameter in content_type.split(';').skip(1) {
        let Some((name, value)) = parameter.split_once('=') else {
            continue;
        };
        let value = value.trim().trim_matches('"');
        if name.trim().eq_ignore_ascii_case("proto") && value != "prometheus.WriteRequest" {
            return Err(InsertError::UnsupportedRemoteWriteVersion {
                content_type: content_type.into_owned(),
            });
        }
    }
    Ok(())
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| {
            i64::try_from(since.as_millis()).unwrap_or(i64::MAX)
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn remote_write_v2_is_refused_and_v1_accepted() {
        let mut headers = HeaderMap::new();
        assert!(check_remote_write_version(&headers).is_ok());
        for accepted in [
            "application/x-protobuf",
            "application/x-protobuf;proto=prometheus.WriteRequest",
        ] {
            headers.insert(CONTENT_TYPE, HeaderValue::from_static(accepted));
            assert!(check_remote_write_version(&headers).is_ok(), "{accepted}");
        }
        headers.insert(
            CONTENT_TYPE,
            HeaderValue::from_static(
                "application/x-protobuf; proto=io.prometheus.write.v2.Request",
            ),
        );
        let error = check_remote_write_version(&headers).expect_err("v2");
        assert_eq!(error.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    }

    #[test]
    fn only_post_and_put_are_allowed() {
        assert!(check_method(&Method::POST).is_ok());
        assert!(check_method(&Method::PUT).is_ok());
        let error = check_method(&Method::GET).expect_err("GET");
        assert_eq!(error.status(), StatusCode::METHOD_NOT_ALLOWED);
    }
}
