//! `-maxConcurrentInserts`: a request that finds every slot busy for
//! `-insert.maxQueueDuration` is answered 503 and stores nothing.

mod common;

use axum::http::StatusCode;
use common::*;
use estuary_insert::InsertConfig;
use std::time::Duration;

#[tokio::test]
async fn a_request_waiting_too_long_for_a_slot_is_503() {
    let storage = RecordingStorage::stalling();
    let config = InsertConfig {
        concurrent_inserts_max: 1,
        queue_duration_max: Duration::from_millis(50),
        ..InsertConfig::default()
    };
    let app = app(storage.clone(), config);
    let body = "up 1\n";
    let first = {
        let app = app.clone();
        tokio::spawn(async move { send(&app, post("/api/v1/import/prometheus", &[], body)).await })
    };
    // The first request now holds the only slot, stalled inside storage.
    storage.entered.notified().await;
    let (status, text) = send(&app, post("/api/v1/import/prometheus", &[], body)).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(text.contains("-maxConcurrentInserts=1"), "{text}");
    storage.release(1);
    let (status, _) = first.await.expect("join");
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(storage.series().len(), 1);
}
