//! JSON line and Prometheus text imports over HTTP, with the Pushgateway path.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::*;
use estuary_insert::InsertConfig;
use estuary_types::{Labels, Sample};
use std::io::Write;

const JSON_LINES: &str = concat!(
    r#"{"metric":{"__name__":"up","job":"node"},"values":[1,0],"timestamps":[1000,2000]}"#,
    "\n",
    r#"{"metric":{"__name__":"temp","room":"a"},"values":[21.5],"timestamps":[3000]}"#,
    "\n"
);

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(data).expect("write");
    encoder.finish().expect("finish")
}

#[tokio::test]
async fn json_lines_are_stored_plain_or_gzipped() {
    for (encoding, body) in [
        ("", JSON_LINES.as_bytes().to_vec()),
        ("gzip", gzip(JSON_LINES.as_bytes())),
    ] {
        let storage = RecordingStorage::new();
        let app = app(storage.clone(), InsertConfig::default());
        let (status, text) = send(
            &app,
            post("/api/v1/import", &[("content-encoding", encoding)], body),
        )
        .await;
        assert_eq!(status, StatusCode::NO_CONTENT, "{encoding}: {text}");
        let stored = storage.series();
        assert_eq!(stored.len(), 2);
        assert_eq!(
            stored[0].labels,
            Labels::from_pairs(&[("__name__", "up"), ("job", "node")])
        );
        assert_eq!(
            stored[0].samples,
            vec![Sample::new(1000, 1.0), Sample::new(2000, 0.0)]
        );
        assert_eq!(stored[1].tenant, TENANT);
    }
}

#[tokio::test]
async fn a_malformed_json_line_stores_nothing_and_names_the_line() {
    let storage = RecordingStorage::new();
    let app = app(storage.clone(), InsertConfig::default());
    let body = format!("{JSON_LINES}{{\"metric\":{{}},\"values\":[1],\"timestamps\":[1.5]}}\n");
    let (status, text) = send(&app, post("/api/v1/import", &[], body)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(text.starts_with("cannot parse JSON line 3:"), "{text}");
    assert_eq!(storage.write_count(), 0);
}

#[tokio::test]
async fn text_import_uses_the_timestamp_arg_and_extra_labels() {
    let storage = RecordingStorage::new();
    let app = app(storage.clone(), InsertConfig::default());
    let body = "# TYPE up gauge\nup{job=\"node\"} 1\nup{job=\"db\"} 0 5000\n";
    let uri = "/api/v1/import/prometheus?timestamp=1234&extra_label=env=prod";
    let (status, text) = send(&app, post(uri, &[], body)).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{text}");
    let stored = storage.series();
    assert_eq!(
        stored[0].labels,
        Labels::from_pairs(&[("__name__", "up"), ("env", "prod"), ("job", "node")])
    );
    assert_eq!(stored[0].samples, vec![Sample::new(1234, 1.0)]);
    assert_eq!(stored[1].samples, vec![Sample::new(5000, 0.0)]);
}

#[tokio::test]
async fn text_import_without_timestamp_uses_now_and_accepts_snappy_frames() {
    let storage = RecordingStorage::new();
    let app = app(storage.clone(), InsertConfig::default());
    let mut encoder = snap::write::FrameEncoder::new(Vec::new());
    encoder.write_all(b"up 1\n").expect("write");
    let body = encoder.into_inner().expect("finish");
    let before = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_millis() as i64;
    let (status, _) = send(
        &app,
        post(
            "/api/v1/import/prometheus",
            &[("content-encoding", "snappy")],
            body,
        ),
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let timestamp = storage.series()[0].samples[0].timestamp;
    assert!(
        timestamp >= before && timestamp < before + 60_000,
        "{timestamp}"
    );
}

#[tokio::test]
async fn a_malformed_text_line_stores_nothing_and_names_the_line() {
    let storage = RecordingStorage::new();
    let app = app(storage.clone(), InsertConfig::default());
    let (status, text) = send(
        &app,
        post("/api/v1/import/prometheus", &[], "up 1\nup{job=\"x} 2\n"),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        text.starts_with("cannot parse Prometheus text line 2:"),
        "{text}"
    );
    assert_eq!(storage.write_count(), 0);
}

#[tokio::test]
async fn pushgateway_path_labels_apply_and_the_answer_is_200() {
    let storage = RecordingStorage::new();
    let app = app(storage.clone(), InsertConfig::default());
    // "/tmp/x" in URL-safe base64 is L3RtcC94.
    let uri = "/api/v1/import/prometheus/metrics/job/backup/instance/db%3A1/dir@base64/L3RtcC94";
    let (status, text) = send(&app, post(uri, &[], "last_success{job=\"other\"} 1 10\n")).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    assert_eq!(
        storage.series()[0].labels,
        Labels::from_pairs(&[
            ("__name__", "last_success"),
            ("dir", "/tmp/x"),
            ("instance", "db:1"),
            ("job", "backup"),
        ])
    );
    let (status, text) = send(
        &app,
        post(
            "/api/v1/import/prometheus/metrics/job/backup/instance",
            &[],
            "x 1\n",
        ),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(text.contains("invalid Pushgateway path"), "{text}");
}

#[tokio::test]
async fn other_methods_are_405() {
    let app = app(RecordingStorage::new(), InsertConfig::default());
    for uri in [
        "/api/v1/import",
        "/api/v1/import/prometheus",
        "/api/v1/import/prometheus/metrics/job/x",
    ] {
        let request = Request::delete(uri).body(Body::empty()).expect("request");
        let (status, _) = send(&app, request).await;
        assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED, "{uri}");
    }
}
