//! Argument parsing across endpoints and the mapping of failures to answers.

use crate::support::{Harness, request, send};
use axum::body::Body;
use axum::http::Method;
use estuary_storage_api::StorageError;
use std::time::Duration;

#[tokio::test]
async fn vmalert_post_with_json_content_type_and_empty_body() {
    let harness = Harness::new();
    harness
        .storage
        .add(&[("__name__", "up")], &[(1_700_000_000_000, 1.0)]);
    let answer = harness
        .post_vmalert(
            "/api/v1/series?match[]=up&start=2023-11-14T22:00:00Z&end=2023-11-14T23:00:00Z",
        )
        .await;
    assert_eq!(answer.status, 200, "{}", answer.text());
    assert_eq!(
        answer.json()["data"],
        serde_json::json!([{"__name__": "up"}])
    );
}

#[tokio::test]
async fn bad_time_is_400_naming_argument_and_value() {
    let harness = Harness::new();
    for uri in [
        "/api/v1/series?match[]=up&start=yesterday",
        "/api/v1/labels?end=2022-02-30",
        "/api/v1/label/job/values?start=now-",
    ] {
        let answer = harness.get(uri).await;
        assert_eq!(answer.status, 400, "{uri}");
        assert_eq!(answer.json()["errorType"], "bad_data", "{uri}");
    }
    let answer = harness
        .get("/api/v1/series?match[]=up&start=yesterday")
        .await;
    answer.assert_json_error(400, "bad_data", &["`start`", "\"yesterday\""]);
}

#[tokio::test]
async fn bad_timeout_is_400() {
    let harness = Harness::new();
    for timeout in ["0", "-1s", "101y", "soon"] {
        let answer = harness
            .get(&format!("/api/v1/labels?timeout={timeout}"))
            .await;
        answer.assert_json_error(400, "bad_data", &["`timeout`"]);
    }
    let answer = harness.get("/api/v1/labels?timeout=undefined").await;
    assert_eq!(answer.status, 200);
}

#[tokio::test]
async fn body_params_win_over_query_params() {
    let harness = Harness::new();
    harness
        .post_form("/api/v1/labels?start=100&end=200", "start=300")
        .await;
    let range = harness.storage.last_request().range;
    assert_eq!((range.start, range.end), (300_000, 300_000 + 300_000));
}

#[tokio::test]
async fn storage_errors_map_to_status_and_error_type() {
    let cases = [
        (
            StorageError::Unavailable("node down".into()),
            503,
            "unavailable",
        ),
        (
            StorageError::DeadlineExceeded {
                during: "selecting",
            },
            503,
            "timeout",
        ),
        (StorageError::InvalidArgument("bad".into()), 400, "bad_data"),
        (StorageError::Internal("disk".into()), 500, "internal"),
        (
            StorageError::LimitExceeded {
                what: "samples".into(),
                limit: 5,
                hint: "raise -search.maxSamplesPerQuery".into(),
            },
            422,
            "execution",
        ),
    ];
    for (error, status, error_type) in cases {
        let harness = Harness::new();
        harness.storage.fail_with(error.clone());
        for uri in [
            "/api/v1/series?match[]=up",
            "/api/v1/labels",
            "/api/v1/label/job/values",
            "/api/v1/status/tsdb",
        ] {
            let answer = harness.get(uri).await;
            answer.assert_json_error(status, error_type, &[]);
        }
        let answer = harness.get("/api/v1/export?match[]=up").await;
        assert_eq!(answer.status.as_u16(), status, "{error}");
        assert_eq!(answer.header("content-type"), "text/plain; charset=utf-8");
    }
}

#[tokio::test]
async fn limit_errors_name_the_flag() {
    let harness = Harness::new();
    harness.storage.fail_with(StorageError::LimitExceeded {
        what: "the number of samples read".into(),
        limit: 5,
        hint: "raise -search.maxSamplesPerQuery".into(),
    });
    let answer = harness.get("/api/v1/series?match[]=up").await;
    answer.assert_json_error(422, "execution", &["-search.maxSamplesPerQuery"]);
}

#[tokio::test]
async fn a_storage_slower_than_the_timeout_is_503_timeout() {
    let harness = Harness::new();
    harness.storage.delay(Duration::from_secs(5));
    let answer = harness.get("/api/v1/labels?timeout=0.05").await;
    answer.assert_json_error(503, "timeout", &["deadline"]);
}

#[tokio::test]
async fn the_storage_gets_the_deadline() {
    let harness = Harness::new();
    harness.get("/api/v1/series?match[]=up&timeout=2s").await;
    let remaining = harness.storage.last_request().deadline.remaining();
    assert!(remaining <= Duration::from_secs(2));
    assert!(remaining > Duration::from_secs(1));
    harness.get("/api/v1/series?match[]=up").await;
    let remaining = harness.storage.last_request().deadline.remaining();
    assert!(remaining > Duration::from_secs(25));
    assert!(remaining <= Duration::from_secs(30));
}

#[tokio::test]
async fn other_methods_are_405() {
    let harness = Harness::new();
    let answer = send(
        harness.router(),
        request(Method::PUT, "/api/v1/labels", None, Body::empty()),
    )
    .await;
    assert_eq!(answer.status, 405);
}
