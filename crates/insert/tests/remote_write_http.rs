//! Remote write over HTTP: codecs and their fallbacks, the vmagent probe,
//! version and encoding refusals, size limits, extra labels, the invalid-series
//! policy and the storage error mapping.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::*;
use estuary_insert::InsertConfig;
use estuary_storage_api::StorageError;
use estuary_types::{Labels, Sample, stale_nan};

const WRITE: &str = "/api/v1/write";

fn node_request() -> Vec<u8> {
    write_request(vec![
        series(
            &[("__name__", "up"), ("job", "node"), ("instance", "h:9100")],
            1000,
            1.0,
        ),
        series(&[("job", "node"), ("__name__", "load1")], 2000, stale_nan()),
    ])
}

fn prom_headers(encoding: &'static str) -> Vec<(&'static str, &'static str)> {
    vec![
        ("content-type", "application/x-protobuf"),
        ("content-encoding", encoding),
        ("x-prometheus-remote-write-version", "0.1.0"),
    ]
}

#[tokio::test]
async fn snappy_remote_write_is_stored_canonical_with_the_tenant() {
    let storage = RecordingStorage::new();
    let app = app(storage.clone(), InsertConfig::default());
    let inserted = "vm_rows_inserted_total{type=\"promremotewrite\"}";
    let tenant_rows =
        "vm_tenant_inserted_rows_total{accountID=\"42\",projectID=\"7\",type=\"promremotewrite\"}";
    let (before, tenant_before) = (counter(inserted), counter(tenant_rows));
    let body = snappy(&node_request());
    let (status, text) = send(&app, post(WRITE, &prom_headers("snappy"), body)).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{text}");
    assert!(text.is_empty());
    let stored = storage.series();
    assert_eq!(stored.len(), 2);
    assert_eq!(stored[0].tenant, TENANT);
    assert_eq!(
        stored[0].labels,
        Labels::from_pairs(&[("__name__", "up"), ("instance", "h:9100"), ("job", "node")])
    );
    assert_eq!(stored[0].samples, vec![Sample::new(1000, 1.0)]);
    assert_eq!(
        stored[1].labels,
        Labels::from_pairs(&[("__name__", "load1"), ("job", "node")])
    );
    assert_eq!(stored[1].samples[0].value.to_bits(), stale_nan().to_bits());
    assert!(counter(inserted) >= before + 2.0);
    assert!(counter(tenant_rows) >= tenant_before + 2.0);
}

#[tokio::test]
async fn zstd_and_mislabelled_bodies_are_accepted() {
    let raw = node_request();
    let cases = [
        ("zstd", zstd(&raw)),
        ("snappy", zstd(&raw)),
        ("zstd", snappy(&raw)),
        ("", snappy(&raw)),
        ("identity", snappy(&raw)),
    ];
    for (encoding, body) in cases {
        let storage = RecordingStorage::new();
        let app = app(storage.clone(), InsertConfig::default());
        let mut headers = prom_headers(encoding);
        headers.push(("x-victoriametrics-remote-write-version", "1"));
        let (status, text) = send(&app, post(WRITE, &headers, body)).await;
        assert_eq!(status, StatusCode::NO_CONTENT, "{encoding}: {text}");
        assert_eq!(storage.series().len(), 2, "{encoding}");
    }
}

#[tokio::test]
async fn push_and_base_paths_are_aliases_and_put_is_accepted() {
    for path in ["/api/v1/push", "/"] {
        let storage = RecordingStorage::new();
        let app = app(storage.clone(), InsertConfig::default());
        let request = Request::put(path)
            .header("content-encoding", "snappy")
            .body(Body::from(snappy(&node_request())))
            .expect("request");
        let (status, _) = send(&app, request).await;
        assert_eq!(status, StatusCode::NO_CONTENT, "{path}");
        assert_eq!(storage.series().len(), 2, "{path}");
    }
}

#[tokio::test]
async fn vmagent_probe_answers_one_and_other_gets_are_405() {
    let app = app(RecordingStorage::new(), InsertConfig::default());
    for method in ["GET", "POST"] {
        let request = Request::builder()
            .method(method)
            .uri("/api/v1/write?get_vm_proto_version=1")
            .body(Body::empty())
            .expect("request");
        assert_eq!(send(&app, request).await, (StatusCode::OK, "1".to_string()));
    }
    let request = Request::get(WRITE).body(Body::empty()).expect("request");
    let (status, text) = send(&app, request).await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    assert!(text.contains("use POST or PUT"), "{text}");
}

#[tokio::test]
async fn remote_write_v2_is_415_and_unknown_encodings_400() {
    let storage = RecordingStorage::new();
    let app = app(storage.clone(), InsertConfig::default());
    let v2 = [
        (
            "content-type",
            "application/x-protobuf;proto=io.prometheus.write.v2.Request",
        ),
        ("content-encoding", "snappy"),
    ];
    let (status, _) = send(&app, post(WRITE, &v2, snappy(&node_request()))).await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let (status, text) = send(&app, post(WRITE, &prom_headers("br"), "x")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(text, "unsupported Content-Encoding: br\n");
    assert_eq!(storage.write_count(), 0);
}

#[tokio::test]
async fn errors_are_plain_text() {
    let app = app(RecordingStorage::new(), InsertConfig::default());
    let response = tower::ServiceExt::oneshot(app, post(WRITE, &prom_headers("br"), "x"))
        .await
        .expect("infallible");
    let headers = response.headers();
    assert_eq!(headers["content-type"], "text/plain; charset=utf-8");
    assert_eq!(headers["x-content-type-options"], "nosniff");
}

#[tokio::test]
async fn corrupt_bodies_store_nothing() {
    let storage = RecordingStorage::new();
    let app = app(storage.clone(), InsertConfig::default());
    let invalid = "vm_rows_invalid_total{type=\"promremotewrite\"}";
    let before = counter(invalid);
    let mut truncated = node_request();
    truncated.truncate(truncated.len() - 3);
    let cases = [
        (
            snappy(b"\xff\xff\xff not a WriteRequest"),
            "cannot decode remote-write request",
        ),
        (snappy(&truncated), "truncated field"),
        (
            b"\x05not snappy nor zstd".to_vec(),
            "cannot decompress snappy",
        ),
    ];
    for (body, expected) in cases {
        let (status, text) = send(&app, post(WRITE, &prom_headers("snappy"), body)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{text}");
        assert!(text.contains(expected), "{text}");
    }
    assert_eq!(storage.write_count(), 0);
    assert!(counter(invalid) >= before + 3.0);
}

#[tokio::test]
async fn bodies_over_the_limit_are_413_sent_or_decompressed() {
    let storage = RecordingStorage::new();
    let config = InsertConfig {
        request_bytes_max: 1024,
        ..InsertConfig::default()
    };
    let app = app(storage.clone(), config);
    let (status, text) = send(&app, post(WRITE, &prom_headers("snappy"), vec![0u8; 2000])).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(text.contains("-maxInsertRequestSize=1024"), "{text}");
    // A small body that inflates past the limit.
    let long_value = "v".repeat(4000);
    let raw = write_request(vec![series(
        &[("__name__", "x"), ("a", &long_value)],
        1,
        1.0,
    )]);
    let body = zstd(&raw);
    assert!(body.len() < 1024);
    let (status, text) = send(&app, post(WRITE, &prom_headers("zstd"), body)).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{text}");
    assert_eq!(storage.write_count(), 0);
}

#[tokio::test]
async fn extra_labels_override_and_malformed_ones_are_400() {
    let storage = RecordingStorage::new();
    let app = app(storage.clone(), InsertConfig::default());
    let uri = "/api/v1/write?extra_label=job=forced&extra_label=env%3Dprod";
    let (status, _) = send(
        &app,
        post(uri, &prom_headers("snappy"), snappy(&node_request())),
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let stored = storage.series();
    assert_eq!(stored[1].labels.get("job"), Some("forced"));
    assert_eq!(stored[1].labels.get("env"), Some("prod"));
    let uri = "/api/v1/write?extra_label=novalue";
    let (status, text) = send(
        &app,
        post(uri, &prom_headers("snappy"), snappy(&node_request())),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(text.contains("invalid extra_label \"novalue\""), "{text}");
    assert_eq!(storage.write_count(), 1);
}

#[tokio::test]
async fn invalid_series_are_dropped_valid_ones_stored_and_the_answer_is_400() {
    let storage = RecordingStorage::new();
    let config = InsertConfig {
        labels_per_series_max: 3,
        ..InsertConfig::default()
    };
    let app = app(storage.clone(), config);
    let ignored = "vm_rows_ignored_total{reason=\"too_many_labels\"}";
    let before = counter(ignored);
    let raw = write_request(vec![
        series(&[("__name__", "good")], 1, 1.0),
        series(
            &[("__name__", "wide"), ("a", "1"), ("b", "2"), ("c", "3")],
            1,
            1.0,
        ),
        series(&[("__name__", "bad.name")], 1, 1.0),
        series(&[("__name__", "also_good"), ("job", "x")], 1, 1.0),
    ]);
    let (status, text) = send(&app, post(WRITE, &prom_headers("snappy"), snappy(&raw))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        text.starts_with("dropped 2 invalid series (2 samples) and stored 2 series (2 samples)"),
        "{text}"
    );
    assert!(
        text.contains("4 labels exceed -maxLabelsPerTimeseries=3"),
        "{text}"
    );
    assert!(text.contains("metric name \"bad.name\""), "{text}");
    let names: Vec<_> = storage
        .series()
        .iter()
        .map(|s| s.labels.metric_name().unwrap_or_default().to_string())
        .collect();
    assert_eq!(names, ["good", "also_good"]);
    assert!(counter(ignored) >= before + 1.0);
}

#[tokio::test]
async fn storage_errors_are_503_unless_the_client_is_at_fault() {
    let cases = [
        (
            StorageError::Unavailable("node down".into()),
            StatusCode::SERVICE_UNAVAILABLE,
        ),
        (
            StorageError::DeadlineExceeded { during: "write" },
            StatusCode::SERVICE_UNAVAILABLE,
        ),
        (
            StorageError::Internal("disk full".into()),
            StatusCode::SERVICE_UNAVAILABLE,
        ),
        (
            StorageError::InvalidArgument("bad".into()),
            StatusCode::BAD_REQUEST,
        ),
    ];
    for (error, expected) in cases {
        let storage = RecordingStorage::new();
        storage.fail_with(error.clone());
        let app = app(storage, InsertConfig::default());
        let (status, text) = send(
            &app,
            post(WRITE, &prom_headers("snappy"), snappy(&node_request())),
        )
        .await;
        assert_eq!(status, expected, "{error:?}");
        assert!(text.contains(&error.to_string()), "{text}");
    }
}

#[tokio::test]
async fn an_empty_request_stores_nothing_and_succeeds() {
    let storage = RecordingStorage::new();
    let app = app(storage.clone(), InsertConfig::default());
    let (status, _) = send(&app, post(WRITE, &prom_headers("snappy"), snappy(&[]))).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(storage.write_count(), 0);
}
