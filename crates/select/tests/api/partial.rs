//! Partial answers from a storage that misses nodes: `isPartial: true` with a
//! warning, or 503 where partial answers are denied.

use crate::support::Harness;
use estuary_select::SelectConfig;

const T: i64 = 1_700_000_000_000;
const RANGE: &str = "start=1699999000&end=1700000100";

fn partial_harness(config: SelectConfig) -> Harness {
    let harness = Harness::with_config(config);
    harness
        .storage
        .add(&[("__name__", "up"), ("job", "node")], &[(T, 1.0)]);
    harness.storage.answer_partially();
    harness
}

#[tokio::test]
async fn every_fan_out_endpoint_marks_partial_answers() {
    let harness = partial_harness(SelectConfig::default());
    for uri in [
        format!("/api/v1/query?query=up&time={}", T / 1000),
        format!(
            "/api/v1/query_range?query=up&start={}&end={}&step=60",
            T / 1000 - 60,
            T / 1000
        ),
        format!("/api/v1/series?match[]=up&{RANGE}"),
        format!("/api/v1/labels?{RANGE}"),
        format!("/api/v1/label/job/values?{RANGE}"),
    ] {
        let answer = harness.get(&uri).await;
        assert_eq!(answer.status, 200, "{uri}: {}", answer.text());
        let json = answer.json();
        assert_eq!(json["isPartial"], true, "{uri}: {json}");
        let warning = json["warnings"][0].as_str().unwrap_or_default();
        assert!(warning.contains("isPartial"), "{uri}: no warning in {json}");
    }
    let status = harness.get("/api/v1/status/tsdb?date=2023-11-14").await;
    assert_eq!(status.json()["isPartial"], true, "{}", status.text());
}

#[tokio::test]
async fn denied_partial_answers_are_503() {
    let by_argument = partial_harness(SelectConfig::default());
    let answer = by_argument
        .get(&format!(
            "/api/v1/query?query=up&time={}&deny_partial_response=1",
            T / 1000
        ))
        .await;
    answer.assert_json_error(503, "unavailable", &["partial responses are denied"]);

    let by_flag = partial_harness(SelectConfig {
        deny_partial_response: true,
        ..SelectConfig::default()
    });
    let series = by_flag
        .get(&format!("/api/v1/series?match[]=up&{RANGE}"))
        .await;
    series.assert_json_error(503, "unavailable", &["partial responses are denied"]);
    let export = by_flag.get("/api/v1/export?match[]=up").await;
    assert_eq!(export.status, 503, "{}", export.text());
}

#[tokio::test]
async fn complete_answers_say_so() {
    let harness = Harness::new();
    harness
        .storage
        .add(&[("__name__", "up"), ("job", "node")], &[(T, 1.0)]);
    let answer = harness
        .get(&format!(
            "/api/v1/query?query=up&time={}&deny_partial_response=1",
            T / 1000
        ))
        .await;
    assert_eq!(answer.status, 200, "{}", answer.text());
    assert_eq!(answer.json()["isPartial"], false);
    assert!(answer.json().get("warnings").is_none());
}
