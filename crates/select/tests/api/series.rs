//! `/api/v1/series`.

use crate::support::Harness;
use estuary_select::SelectConfig;
use estuary_types::Tenant;

const T: i64 = 1_700_000_000_000;

fn harness() -> Harness {
    let harness = Harness::new();
    harness.storage.add(
        &[("__name__", "up"), ("job", "node"), ("instance", "b")],
        &[(T, 1.0)],
    );
    harness.storage.add(
        &[("__name__", "up"), ("job", "node"), ("instance", "a")],
        &[(T, 1.0)],
    );
    harness.storage.add(
        &[("__name__", "up"), ("job", "db"), ("instance", "c")],
        &[(T, 0.0)],
    );
    harness
        .storage
        .add(&[("__name__", "other"), ("job", "node")], &[(T, 5.0)]);
    harness
}

const RANGE: &str = "start=1699999000&end=1700000100";

#[tokio::test]
async fn get_answers_sorted_label_sets_with_is_partial() {
    let answer = harness()
        .get(&format!(
            "/api/v1/series?match[]=up{{job=\"node\"}}&{RANGE}"
        ))
        .await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.header("content-type"), "application/json");
    assert_eq!(answer.header("access-control-allow-origin"), "*");
    assert_eq!(
        answer.text(),
        r#"{"status":"success","isPartial":false,"data":[{"__name__":"up","instance":"a","job":"node"},{"__name__":"up","instance":"b","job":"node"}]}"#
    );
}

#[tokio::test]
async fn post_form_and_repeated_match_args() {
    let answer = harness()
        .post_form(
            "/api/v1/series",
            &format!("match[]=other&match=up{{job%3D%22db%22}}&{RANGE}"),
        )
        .await;
    assert_eq!(answer.status, 200, "{}", answer.text());
    let data = answer.json()["data"].clone();
    assert_eq!(
        data,
        serde_json::json!([
            {"__name__": "other", "job": "node"},
            {"__name__": "up", "instance": "c", "job": "db"}
        ])
    );
}

#[tokio::test]
async fn missing_match_is_400() {
    let answer = harness().get("/api/v1/series").await;
    assert_eq!(answer.status, 400);
    assert_eq!(
        answer.text(),
        r#"{"status":"error","errorType":"bad_data","error":"missing `match[]` arg"}"#
    );
}

#[tokio::test]
async fn a_selector_matching_everything_is_400() {
    let answer = harness().get("/api/v1/series?match[]={job=~\".*\"}").await;
    answer.assert_json_error(400, "bad_data", &["match[]", "empty"]);
}

#[tokio::test]
async fn default_range_is_the_last_five_minutes() {
    let harness = harness();
    let before = estuary_select::clock::now_ms();
    let answer = harness.get("/api/v1/series?match[]=up").await;
    assert_eq!(answer.status, 200);
    let range = harness.storage.last_request().range;
    assert_eq!(range.end % 1000, 0, "end is whole seconds");
    assert!(range.end <= estuary_select::clock::now_ms());
    assert!(range.end >= before - 1000);
    assert_eq!(range.end - range.start, 300_000);
}

#[tokio::test]
async fn explicit_range_in_any_time_form() {
    let harness = harness();
    let answer = harness
        .get("/api/v1/series?match[]=up&start=2023-11-14T22:13:20Z&end=1700000100000")
        .await;
    assert_eq!(answer.status, 200);
    let range = harness.storage.last_request().range;
    assert_eq!((range.start, range.end), (T, T + 100_000));
}

#[tokio::test]
async fn limit_cuts_the_list_with_a_warning() {
    let answer = harness()
        .get(&format!("/api/v1/series?match[]=up&limit=2&{RANGE}"))
        .await;
    assert_eq!(answer.status, 200);
    let json = answer.json();
    assert_eq!(json["data"].as_array().map(Vec::len), Some(2));
    assert_eq!(json["warnings"].as_array().map(Vec::len), Some(1));
}

#[tokio::test]
async fn more_series_than_max_series_is_422() {
    let harness = Harness::with_config(SelectConfig {
        max_series: 2,
        ..SelectConfig::default()
    });
    harness
        .storage
        .add(&[("__name__", "up"), ("i", "1")], &[(T, 1.0)]);
    harness
        .storage
        .add(&[("__name__", "up"), ("i", "2")], &[(T, 1.0)]);
    harness
        .storage
        .add(&[("__name__", "up"), ("i", "3")], &[(T, 1.0)]);
    let answer = harness
        .get(&format!("/api/v1/series?match[]=up&{RANGE}"))
        .await;
    answer.assert_json_error(422, "execution", &["-search.maxSeries=2"]);
    assert_eq!(harness.storage.last_request().limit, 3);
}

#[tokio::test]
async fn extra_label_and_extra_filters_narrow_the_match() {
    let harness = harness();
    let answer = harness
        .get(&format!(
            "/api/v1/series?match[]=up&extra_label=job=node&{RANGE}"
        ))
        .await;
    assert_eq!(answer.json()["data"].as_array().map(Vec::len), Some(2));
    let answer = harness
        .get(&format!(
            "/api/v1/series?match[]=up&extra_filters[]={{instance=\"a\"}}&extra_filters[]={{instance=\"c\"}}&{RANGE}"
        ))
        .await;
    let data = answer.json()["data"].clone();
    assert_eq!(data[0]["instance"], "a");
    assert_eq!(data[1]["instance"], "c");
    assert_eq!(data.as_array().map(Vec::len), Some(2));
}

#[tokio::test]
async fn tenants_are_isolated() {
    let harness = harness();
    harness.storage.add_for(
        Tenant::new(7, 9),
        &[("__name__", "up"), ("t", "7")],
        &[(T, 1.0)],
    );
    let answer = crate::support::send(
        harness.router_for(Tenant::new(7, 9)),
        crate::support::request(
            axum::http::Method::GET,
            &format!("/api/v1/series?match[]=up&{RANGE}"),
            None,
            axum::body::Body::empty(),
        ),
    )
    .await;
    assert_eq!(
        answer.json()["data"],
        serde_json::json!([{"__name__": "up", "t": "7"}])
    );
    assert_eq!(harness.storage.last_request().tenant, Tenant::new(7, 9));
}
