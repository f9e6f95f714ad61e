//! `/api/v1/labels` and `/api/v1/label/<name>/values`.

use crate::support::Harness;

const T: i64 = 1_700_000_000_000;
const RANGE: &str = "start=1699999000&end=1700000100";

fn harness() -> Harness {
    let harness = Harness::new();
    harness.storage.add(
        &[("__name__", "up"), ("job", "node"), ("zone", "b")],
        &[(T, 1.0)],
    );
    harness
        .storage
        .add(&[("__name__", "up"), ("job", "db")], &[(T, 1.0)]);
    harness.storage.add(
        &[("__name__", "http_requests_total"), ("http.status", "200")],
        &[(T, 1.0)],
    );
    harness
}

#[tokio::test]
async fn labels_are_sorted_with_is_partial() {
    let answer = harness().get(&format!("/api/v1/labels?{RANGE}")).await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.header("access-control-allow-origin"), "*");
    assert_eq!(
        answer.text(),
        r#"{"status":"success","isPartial":false,"data":["__name__","http.status","job","zone"]}"#
    );
}

#[tokio::test]
async fn labels_with_match_over_post() {
    let answer = harness()
        .post_form("/api/v1/labels", &format!("match[]=up&{RANGE}"))
        .await;
    assert_eq!(answer.status, 200);
    assert_eq!(
        answer.json()["data"],
        serde_json::json!(["__name__", "job", "zone"])
    );
}

#[tokio::test]
async fn label_values_of_the_metric_name() {
    let answer = harness()
        .get(&format!("/api/v1/label/__name__/values?{RANGE}"))
        .await;
    assert_eq!(
        answer.text(),
        r#"{"status":"success","isPartial":false,"data":["http_requests_total","up"]}"#
    );
}

#[tokio::test]
async fn label_values_with_match_and_limit() {
    let harness = harness();
    let answer = harness
        .get(&format!("/api/v1/label/job/values?match[]=up&{RANGE}"))
        .await;
    assert_eq!(answer.json()["data"], serde_json::json!(["db", "node"]));
    let answer = harness
        .get(&format!(
            "/api/v1/label/job/values?match[]=up&limit=1&{RANGE}"
        ))
        .await;
    assert_eq!(answer.json()["data"], serde_json::json!(["db"]));
    assert!(answer.json()["warnings"].is_array());
    assert_eq!(harness.storage.last_request().limit, 2);
}

#[tokio::test]
async fn escaped_label_names_are_decoded() {
    let answer = harness()
        .get(&format!("/api/v1/label/U__http_2e_status/values?{RANGE}"))
        .await;
    assert_eq!(answer.json()["data"], serde_json::json!(["200"]));
}

#[tokio::test]
async fn labels_default_to_the_last_five_minutes() {
    let harness = harness();
    let answer = harness.get("/api/v1/label/job/values").await;
    assert_eq!(answer.status, 200);
    let range = harness.storage.last_request().range;
    assert_eq!(range.end - range.start, 300_000);
}

#[tokio::test]
async fn bad_selector_is_400() {
    let answer = harness().get("/api/v1/labels?match[]=sum(up)").await;
    answer.assert_json_error(400, "bad_data", &["match[]", "sum(up)"]);
}
