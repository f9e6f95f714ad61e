//! `-search.maxConcurrentRequests` and `-search.maxQueueDuration`.

use crate::support::{Harness, request, send};
use axum::body::Body;
use axum::http::Method;
use estuary_select::SelectConfig;
use std::time::Duration;

#[tokio::test]
async fn a_request_waiting_too_long_gets_429_with_retry_after() {
    let harness = Harness::with_config(SelectConfig {
        max_concurrent_requests: 1,
        max_queue_duration: Duration::from_millis(50),
        ..SelectConfig::default()
    });
    harness.storage.delay(Duration::from_millis(500));
    let router = harness.router();
    let first = tokio::spawn(send(
        router.clone(),
        request(Method::GET, "/api/v1/labels", None, Body::empty()),
    ));
    tokio::time::sleep(Duration::from_millis(20)).await;
    let second = send(
        router.clone(),
        request(Method::GET, "/api/v1/labels", None, Body::empty()),
    )
    .await;
    second.assert_json_error(429, "unavailable", &["-search.maxConcurrentRequests"]);
    assert_eq!(second.header("retry-after"), "10");
    // Endpoints that do not read storage are not limited.
    let stub = send(
        router,
        request(Method::GET, "/api/v1/status/buildinfo", None, Body::empty()),
    )
    .await;
    assert_eq!(stub.status, 200);
    let first = first.await.expect("first request completes");
    assert_eq!(first.status, 200);
}
