//! `/api/v1/query`: instant queries with Prometheus 2.42's answers.

use crate::support::Harness;

/// A whole-second base time, in milliseconds.
const T: i64 = 1_700_000_000_000;

fn harness() -> Harness {
    let harness = Harness::new();
    harness.storage.add(
        &[("__name__", "foo"), ("job", "b"), ("bar", "baz")],
        &[(T - 60_000, 4.0), (T, 5.0)],
    );
    harness
        .storage
        .add(&[("__name__", "foo"), ("job", "a")], &[(T - 30_000, 3.0)]);
    harness
}

#[tokio::test]
async fn grafana_health_check_answers_a_scalar() {
    let harness = Harness::new();
    for answer in [
        harness.get("/api/v1/query?query=1%2B1&time=4").await,
        harness
            .post_form("/api/v1/query", "query=1%2B1&time=4")
            .await,
    ] {
        assert_eq!(answer.status, 200, "{}", answer.text());
        assert_eq!(
            answer.text_without_timing(),
            r#"{"status":"success","isPartial":false,"data":{"resultType":"scalar","result":[4,"2"]},"stats":{"seriesFetched":"0","executionTimeMsec":0}}"#
        );
    }
    assert!(
        harness.storage.requests().is_empty(),
        "no selector, no search"
    );
}

#[tokio::test]
async fn instant_vector_answer_is_exact() {
    // Series come in label-set order, as Prometheus compares them: label by
    // label, so `bar="baz"` sorts before `job="a"`.
    let answer = harness()
        .get("/api/v1/query?query=foo&time=1700000000")
        .await;
    assert_eq!(answer.status, 200, "{}", answer.text());
    assert_eq!(answer.header("content-type"), "application/json");
    assert_eq!(answer.header("access-control-allow-origin"), "*");
    assert_eq!(
        answer.text_without_timing(),
        concat!(
            r#"{"status":"success","isPartial":false,"data":{"resultType":"vector","result":["#,
            r#"{"metric":{"__name__":"foo","bar":"baz","job":"b"},"value":[1700000000,"5"]},"#,
            r#"{"metric":{"__name__":"foo","job":"a"},"value":[1700000000,"3"]}]},"#,
            r#""stats":{"seriesFetched":"2","executionTimeMsec":0}}"#
        )
    );
}

#[tokio::test]
async fn fractional_time_is_printed_as_shortest_seconds() {
    let answer = harness()
        .get("/api/v1/query?query=foo{job=\"a\"}&time=1700000000.5")
        .await;
    assert_eq!(
        answer.json()["data"]["result"][0]["value"],
        serde_json::json!([1_700_000_000.5, "3"])
    );
    assert!(answer.text().contains("[1700000000.5,\"3\"]"));
}

#[tokio::test]
async fn division_by_zero_gives_prometheus_specials() {
    let harness = harness();
    for (query, expected) in [
        ("foo{job=\"b\"}/0", "+Inf"),
        ("-foo{job=\"b\"}/0", "-Inf"),
        ("0*foo{job=\"b\"}/0", "NaN"),
    ] {
        let answer = harness
            .get(&format!("/api/v1/query?query={query}&time=1700000000"))
            .await;
        assert_eq!(answer.status, 200, "{query}: {}", answer.text());
        let json = answer.json();
        assert_eq!(json["data"]["resultType"], "vector", "{query}");
        assert_eq!(json["data"]["result"][0]["value"][1], expected, "{query}");
    }
}

#[tokio::test]
async fn rate_over_a_counter_reset_is_prometheus_exact() {
    let harness = Harness::new();
    // Samples every 60 s from T+30s; the counter resets between 20 and 5.
    harness.storage.add(
        &[("__name__", "requests_total")],
        &[
            (T + 30_000, 10.0),
            (T + 90_000, 20.0),
            (T + 150_000, 5.0),
            (T + 210_000, 15.0),
            (T + 270_000, 25.0),
        ],
    );
    let answer = harness
        .get("/api/v1/query?query=rate(requests_total[5m])&time=1700000300")
        .await;
    assert_eq!(answer.status, 200, "{}", answer.text());
    // By hand, as Prometheus 2.42 extrapolates over the window [T, T+300s]:
    // increase = 25 - 10 + 20 (the reset) = 35 over the sampled 240 s.
    // The gaps to the window's ends (30 s each) are below 1.1 × the 60 s
    // average interval, so both are extrapolated: 35 × 300/240 = 43.75.
    // (Extrapolating to zero would need 240 × 10/35 ≈ 68.6 s < 30 s: no.)
    // The rate divides by the 300 s range.
    let expected = 35.0_f64 * (300.0 / 240.0) / 300.0;
    assert_eq!(expected.to_string(), "0.14583333333333334");
    assert_eq!(
        answer.json()["data"]["result"],
        serde_json::json!([{"metric": {}, "value": [1_700_000_300, "0.14583333333333334"]}])
    );
}

#[tokio::test]
async fn a_bare_range_selector_returns_raw_samples() {
    let answer = harness()
        .get("/api/v1/query?query=foo[5m]&time=1700000000")
        .await;
    assert_eq!(answer.status, 200, "{}", answer.text());
    let json = answer.json();
    assert_eq!(json["data"]["resultType"], "matrix");
    assert_eq!(
        json["data"]["result"],
        serde_json::json!([
            {"metric": {"__name__": "foo", "bar": "baz", "job": "b"},
             "values": [[1_699_999_940, "4"], [1_700_000_000, "5"]]},
            {"metric": {"__name__": "foo", "job": "a"}, "values": [[1_699_999_970, "3"]]},
        ])
    );
}

#[tokio::test]
async fn stale_series_are_absent_after_their_marker() {
    let harness = Harness::new();
    harness.storage.add(
        &[("__name__", "up"), ("job", "gone")],
        &[(T, 1.0), (T + 15_000, estuary_types::stale_nan())],
    );
    harness
        .storage
        .add(&[("__name__", "up"), ("job", "alive")], &[(T, 1.0)]);
    let before = harness
        .get("/api/v1/query?query=up&time=1700000010")
        .await
        .json();
    assert_eq!(before["data"]["result"].as_array().map(Vec::len), Some(2));
    let after = harness
        .get("/api/v1/query?query=up&time=1700000030")
        .await
        .json();
    assert_eq!(
        after["data"]["result"],
        serde_json::json!([{"metric": {"__name__": "up", "job": "alive"}, "value": [1_700_000_030, "1"]}])
    );
    let raw = harness
        .get("/api/v1/query?query=up{job=\"gone\"}[1m]&time=1700000030")
        .await
        .json();
    assert_eq!(
        raw["data"]["result"][0]["values"],
        serde_json::json!([[1_700_000_000, "1"]]),
        "raw samples leave the marker out"
    );
}

#[tokio::test]
async fn extra_label_and_extra_filters_restrict_every_selector() {
    let harness = harness();
    let answer = harness
        .get("/api/v1/query?query=foo&time=1700000000&extra_label=bar=nope")
        .await;
    assert_eq!(answer.status, 200, "{}", answer.text());
    assert_eq!(answer.json()["data"]["result"], serde_json::json!([]));
    assert_eq!(answer.json()["stats"]["seriesFetched"], "0");
    let answer = harness
        .get("/api/v1/query?query=foo&time=1700000000&extra_filters[]={bar=\"baz\"}")
        .await;
    assert_eq!(
        answer.json()["data"]["result"],
        serde_json::json!([{"metric": {"__name__": "foo", "bar": "baz", "job": "b"}, "value": [1_700_000_000, "5"]}])
    );
    let filters = harness.storage.last_request().filters;
    let described: Vec<Vec<String>> = filters
        .iter()
        .map(|group| group.iter().map(ToString::to_string).collect())
        .collect();
    assert_eq!(described, [["__name__=\"foo\"", "bar=\"baz\""]]);
}

#[tokio::test]
async fn vmalert_post_with_json_content_type_rfc3339_time_and_step() {
    let answer = harness()
        .post_vmalert("/api/v1/query?query=sum(foo)&time=2023-11-14T22:13:20Z&step=60s&nocache=1")
        .await;
    assert_eq!(answer.status, 200, "{}", answer.text());
    let json = answer.json();
    assert_eq!(json["isPartial"], false);
    assert_eq!(
        json["data"]["result"],
        serde_json::json!([{"metric": {}, "value": [1_700_000_000, "8"]}])
    );
    assert!(json["stats"]["seriesFetched"].is_string(), "{json}");
    assert_eq!(json["stats"]["seriesFetched"], "2");
    assert!(json["stats"]["executionTimeMsec"].is_u64(), "{json}");
}

#[tokio::test]
async fn series_read_by_several_selectors_count_once() {
    let harness = harness();
    let answer = harness
        .get("/api/v1/query?query=foo or foo{job=\"a\"}&time=1700000000")
        .await;
    assert_eq!(answer.status, 200, "{}", answer.text());
    assert_eq!(
        harness.storage.requests().len(),
        2,
        "one search per selector"
    );
    // foo{job="a"} came back from both searches.
    assert_eq!(answer.json()["stats"]["seriesFetched"], "2");
}

#[tokio::test]
async fn max_lookback_overrides_the_default_lookback() {
    let harness = harness();
    let answer = harness
        .get("/api/v1/query?query=foo&time=1700000000&max_lookback=10s")
        .await;
    assert_eq!(answer.status, 200, "{}", answer.text());
    let result = &answer.json()["data"]["result"];
    assert_eq!(result.as_array().map(Vec::len), Some(1), "{result}");
    assert_eq!(result[0]["metric"]["job"], "b");
}

#[tokio::test]
async fn string_results_keep_their_type() {
    let answer = Harness::new()
        .get("/api/v1/query?query=\"hello\"&time=10")
        .await;
    assert_eq!(
        answer.json()["data"],
        serde_json::json!({"resultType": "string", "result": [10, "hello"]})
    );
}
