//! `/api/v1/query_range`: range queries answer a matrix.

use crate::support::Harness;

/// A whole-second base time, in milliseconds.
const T: i64 = 1_700_000_000_000;

fn harness() -> Harness {
    let harness = Harness::new();
    harness.storage.add(
        &[("__name__", "foo"), ("job", "a")],
        &[(T, 1.0), (T + 15_000, 2.0), (T + 30_000, 3.0)],
    );
    harness
}

const EXPECTED: &str = concat!(
    r#"{"status":"success","isPartial":false,"data":{"resultType":"matrix","result":["#,
    r#"{"metric":{"__name__":"foo","job":"a"},"values":[[1700000000,"1"],[1700000015,"2"],[1700000030,"3"]]}]},"#,
    r#""stats":{"seriesFetched":"1","executionTimeMsec":0}}"#
);

#[tokio::test]
async fn get_and_post_with_numeric_and_rfc3339_times_agree() {
    let harness = harness();
    let answers = [
        harness
            .get("/api/v1/query_range?query=foo&start=1700000000&end=1700000030&step=15")
            .await,
        harness
            .get("/api/v1/query_range?query=foo&start=1700000000&end=1700000030&step=15s")
            .await,
        harness
            .post_form(
                "/api/v1/query_range",
                "query=foo&start=2023-11-14T22:13:20Z&end=2023-11-14T22:13:50Z&step=15s",
            )
            .await,
        harness
            .post_form(
                "/api/v1/query_range?step=15",
                "query=foo&start=1700000000&end=1700000030",
            )
            .await,
        harness
            .post_vmalert(
                "/api/v1/query_range?query=foo&start=2023-11-14T22:13:20Z\
                 &end=2023-11-14T22:13:50Z&step=15s&nocache=1",
            )
            .await,
    ];
    for answer in answers {
        assert_eq!(answer.status, 200, "{}", answer.text());
        assert_eq!(answer.header("access-control-allow-origin"), "*");
        assert_eq!(answer.text_without_timing(), EXPECTED);
    }
}

#[tokio::test]
async fn scalar_results_are_an_unlabelled_series() {
    let answer = Harness::new()
        .get("/api/v1/query_range?query=time()&start=10&end=20&step=5")
        .await;
    assert_eq!(answer.status, 200, "{}", answer.text());
    assert_eq!(
        answer.json()["data"],
        serde_json::json!({"resultType": "matrix", "result": [
            {"metric": {}, "values": [[10, "10"], [15, "15"], [20, "20"]]}
        ]})
    );
}

#[tokio::test]
async fn nan_points_are_kept_and_absent_points_left_out() {
    let harness = Harness::new();
    harness
        .storage
        .add(&[("__name__", "zero"), ("job", "a")], &[(T, 0.0)]);
    let answer = harness
        .get("/api/v1/query_range?query=zero/0&start=1700000000&end=1700000600&step=300")
        .await;
    assert_eq!(answer.status, 200, "{}", answer.text());
    // The sample is looked back to for 5 minutes: points at T and T+300s.
    assert_eq!(
        answer.json()["data"]["result"],
        serde_json::json!([{"metric": {"job": "a"}, "values": [
            [1_700_000_000, "NaN"], [1_700_000_300, "NaN"]
        ]}])
    );
    let answer = harness
        .get("/api/v1/query_range?query=zero{job=\"b\"}&start=1700000000&end=1700000600&step=300")
        .await;
    assert_eq!(answer.json()["data"]["result"], serde_json::json!([]));
}

#[tokio::test]
async fn fractional_steps_print_fractional_seconds() {
    let answer = harness()
        .get("/api/v1/query_range?query=foo&start=1700000000&end=1700000001&step=0.5")
        .await;
    assert_eq!(answer.status, 200, "{}", answer.text());
    assert_eq!(
        answer.json()["data"]["result"][0]["values"],
        serde_json::json!([
            [1_700_000_000, "1"],
            [1_700_000_000.5, "1"],
            [1_700_000_001, "1"]
        ])
    );
}

#[tokio::test]
async fn a_stale_series_ends_at_its_marker() {
    let harness = Harness::new();
    harness.storage.add(
        &[("__name__", "up")],
        &[(T, 1.0), (T + 30_000, estuary_types::stale_nan())],
    );
    let answer = harness
        .get("/api/v1/query_range?query=up&start=1700000000&end=1700000060&step=15")
        .await;
    assert_eq!(
        answer.json()["data"]["result"],
        serde_json::json!([{"metric": {"__name__": "up"}, "values": [
            [1_700_000_000, "1"], [1_700_000_015, "1"]
        ]}])
    );
}

#[tokio::test]
async fn range_vectors_are_bad_data() {
    let answer = harness()
        .get("/api/v1/query_range?query=foo[5m]&start=1700000000&end=1700000030&step=15")
        .await;
    answer.assert_json_error(400, "bad_data", &["range vector"]);
}
