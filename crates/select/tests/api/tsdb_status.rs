//! `/api/v1/status/tsdb`.

use crate::support::Harness;
use estuary_types::MS_PER_DAY;

#[tokio::test]
async fn every_key_is_present_even_when_empty() {
    let harness = Harness::new();
    let answer = harness.get("/api/v1/status/tsdb").await;
    assert_eq!(answer.status, 200);
    assert_eq!(
        answer.text(),
        r#"{"status":"success","isPartial":false,"data":{"totalSeries":0,"totalLabelValuePairs":0,"seriesCountByMetricName":[],"seriesCountByLabelName":[],"seriesCountByFocusLabelValue":[],"seriesCountByLabelValuePair":[],"labelValueCountByLabelName":[]}}"#
    );
    let request = harness.storage.last_tsdb_request();
    assert_eq!(request.top_n, 10);
    assert_eq!(request.focus_label, None);
    let today = estuary_select::clock::now_ms() / MS_PER_DAY;
    let range = request.series.range;
    assert_eq!(range.start, today * MS_PER_DAY);
    assert_eq!(range.end, (today + 1) * MS_PER_DAY - 1);
}

#[tokio::test]
async fn date_top_n_focus_label_and_match() {
    let harness = Harness::new();
    let day = 19_000;
    let t = day * MS_PER_DAY + 1000;
    harness
        .storage
        .add(&[("__name__", "up"), ("job", "a")], &[(t, 1.0)]);
    harness
        .storage
        .add(&[("__name__", "up"), ("job", "b")], &[(t, 1.0)]);
    harness.storage.add(&[("__name__", "other")], &[(t, 1.0)]);
    let answer = harness
        .get("/api/v1/status/tsdb?date=2022-01-08&topN=5000&focusLabel=job&match[]=up")
        .await;
    assert_eq!(answer.status, 200, "{}", answer.text());
    let data = answer.json()["data"].clone();
    assert_eq!(data["totalSeries"], 2);
    assert_eq!(
        data["seriesCountByMetricName"],
        serde_json::json!([{"name": "up", "value": 2}])
    );
    let request = harness.storage.last_tsdb_request();
    assert_eq!(request.top_n, 1000);
    assert_eq!(request.focus_label.as_deref(), Some("job"));
    assert_eq!(request.series.range.start, day * MS_PER_DAY);
}

#[tokio::test]
async fn bad_date_and_top_n_are_400() {
    let harness = Harness::new();
    let answer = harness.get("/api/v1/status/tsdb?date=2022-13-01").await;
    answer.assert_json_error(400, "bad_data", &["`date`", "2022-13-01"]);
    let answer = harness.get("/api/v1/status/tsdb?topN=ten").await;
    answer.assert_json_error(400, "bad_data", &["`topN`"]);
}
