//! Build info, stubs and health probes.

use crate::support::Harness;

#[tokio::test]
async fn exact_bodies_over_get_and_post() {
    let harness = Harness::new();
    let cases = [
        (
            "/api/v1/status/buildinfo",
            r#"{"status":"success","data":{"version":"2.24.0"}}"#,
        ),
        (
            "/api/v1/query_exemplars?query=test&start=1&end=2",
            r#"{"status":"success","data":[]}"#,
        ),
        (
            "/api/v1/rules",
            r#"{"status":"success","data":{"groups":[]}}"#,
        ),
        ("/rules", r#"{"status":"success","data":{"groups":[]}}"#),
        (
            "/api/v1/alerts",
            r#"{"status":"success","data":{"alerts":[]}}"#,
        ),
        ("/alerts", r#"{"status":"success","data":{"alerts":[]}}"#),
        (
            "/api/v1/notifiers",
            r#"{"status":"success","data":{"notifiers":[]}}"#,
        ),
        (
            "/api/v1/metadata",
            r#"{"status":"success","isPartial":false,"data":{}}"#,
        ),
    ];
    for (uri, body) in cases {
        for answer in [harness.get(uri).await, harness.post_form(uri, "").await] {
            assert_eq!(answer.status, 200, "{uri}");
            assert_eq!(answer.header("content-type"), "application/json", "{uri}");
            assert_eq!(answer.text(), body, "{uri}");
        }
    }
}

#[tokio::test]
async fn buildinfo_has_no_features() {
    let answer = Harness::new().get("/api/v1/status/buildinfo").await;
    assert!(answer.json()["data"].get("features").is_none());
}

#[tokio::test]
async fn health_probes() {
    let harness = Harness::new();
    let answer = harness.get("/-/healthy").await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.text(), "VictoriaMetrics is Healthy.\n");
    let answer = harness.get("/-/ready").await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.text(), "VictoriaMetrics is Ready.\n");
}
