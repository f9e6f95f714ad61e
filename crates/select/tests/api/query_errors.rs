//! Failures of `/api/v1/query` and `/api/v1/query_range`: Prometheus's
//! statuses and error types, limits that name their flags, and timeouts.

use crate::support::Harness;
use estuary_select::SelectConfig;
use std::time::Duration;

const T: i64 = 1_700_000_000_000;

fn harness_with(config: SelectConfig) -> Harness {
    let harness = Harness::with_config(config);
    harness
        .storage
        .add(&[("__name__", "foo"), ("job", "a")], &[(T, 1.0)]);
    harness
        .storage
        .add(&[("__name__", "foo"), ("job", "b")], &[(T, 2.0)]);
    harness
        .storage
        .add(&[("__name__", "bar"), ("job", "a")], &[(T, 3.0)]);
    harness
}

#[tokio::test]
async fn missing_query_is_400() {
    let harness = Harness::new();
    for uri in [
        "/api/v1/query?time=4",
        "/api/v1/query?query=&time=4",
        "/api/v1/query_range?start=1&end=2&step=1",
    ] {
        harness
            .get(uri)
            .await
            .assert_json_error(400, "bad_data", &["missing `query` arg"]);
    }
}

#[tokio::test]
async fn parse_errors_are_400_bad_data() {
    let harness = Harness::new();
    for uri in [
        "/api/v1/query?query=sum(",
        "/api/v1/query_range?query=sum(&start=1&end=2&step=1",
    ] {
        let answer = harness.get(uri).await;
        answer.assert_json_error(400, "bad_data", &["cannot parse the query"]);
        assert_eq!(answer.header("access-control-allow-origin"), "*");
    }
}

#[tokio::test]
async fn bad_steps_and_times_are_400() {
    let harness = Harness::new();
    for (uri, needle) in [
        ("/api/v1/query_range?query=1&start=1&end=2&step=0", "`step`"),
        (
            "/api/v1/query_range?query=1&start=1&end=2&step=-15s",
            "`step`",
        ),
        (
            "/api/v1/query_range?query=1&start=1&end=2",
            "missing `step` arg",
        ),
        (
            "/api/v1/query_range?query=1&start=20&end=10&step=1",
            "before",
        ),
        (
            "/api/v1/query_range?query=1&start=soon&end=10&step=1",
            "`start`",
        ),
        ("/api/v1/query?query=1&time=yesterday", "`time`"),
        ("/api/v1/query?query=1&timeout=0", "`timeout`"),
        ("/api/v1/query?query=1&max_lookback=-1m", "`max_lookback`"),
    ] {
        harness
            .get(uri)
            .await
            .assert_json_error(400, "bad_data", &[needle]);
    }
}

#[tokio::test]
async fn too_many_points_is_422_naming_the_flag() {
    let answer = Harness::new()
        .get("/api/v1/query_range?query=1&start=0&end=30001&step=1")
        .await;
    answer.assert_json_error(422, "execution", &["-search.maxPointsPerTimeseries=30000"]);
    let answer = Harness::with_config(SelectConfig {
        max_points_per_timeseries: 10,
        ..SelectConfig::default()
    })
    .get("/api/v1/query_range?query=1&start=0&end=11&step=1")
    .await;
    answer.assert_json_error(422, "execution", &["-search.maxPointsPerTimeseries=10"]);
}

#[tokio::test]
async fn too_long_queries_are_400_naming_the_flag() {
    let harness = Harness::with_config(SelectConfig {
        max_query_len: 8,
        ..SelectConfig::default()
    });
    harness
        .get("/api/v1/query?query=sum(foo)%2Bsum(bar)")
        .await
        .assert_json_error(400, "bad_data", &["-search.maxQueryLen=8"]);
}

#[tokio::test]
async fn series_limits_are_422() {
    let config = SelectConfig {
        max_series: 2,
        ..SelectConfig::default()
    };
    // One selector over the limit: the storage refuses the search.
    let answer = harness_with(config.clone())
        .get("/api/v1/query?query={job=~\"a|b\"}&time=1700000000")
        .await;
    answer.assert_json_error(422, "execution", &["exceeds the limit of 2"]);
    // Each selector within the limit, together over it: the evaluator refuses.
    let answer = harness_with(config)
        .get("/api/v1/query?query=foo %2B on(job) bar&time=1700000000")
        .await;
    answer.assert_json_error(422, "execution", &["-search.maxSeries=2"]);
}

#[tokio::test]
async fn sample_limits_are_422_naming_the_flag() {
    let config = SelectConfig {
        max_samples_per_query: 2,
        ..SelectConfig::default()
    };
    // Two searches of two and one samples: together over the limit.
    let answer = harness_with(config)
        .get("/api/v1/query?query=foo %2B on(job) bar&time=1700000000")
        .await;
    answer.assert_json_error(422, "execution", &["-search.maxSamplesPerQuery=2"]);
}

#[tokio::test]
async fn execution_errors_are_422() {
    // Two series that become equal once the metric name is dropped.
    let harness = Harness::new();
    harness
        .storage
        .add(&[("__name__", "x"), ("job", "a")], &[(T, 1.0)]);
    harness
        .storage
        .add(&[("__name__", "y"), ("job", "a")], &[(T, 2.0)]);
    let answer = harness
        .get("/api/v1/query?query=abs({job=\"a\"})&time=1700000000")
        .await;
    answer.assert_json_error(422, "execution", &["same labelset"]);
}

#[tokio::test]
async fn a_storage_slower_than_the_timeout_is_503_timeout() {
    let harness = harness_with(SelectConfig::default());
    harness.storage.delay(Duration::from_secs(5));
    for uri in [
        "/api/v1/query?query=foo&time=1700000000&timeout=0.05",
        "/api/v1/query_range?query=foo&start=1700000000&end=1700000060&step=15&timeout=50ms",
    ] {
        harness
            .get(uri)
            .await
            .assert_json_error(503, "timeout", &["deadline"]);
    }
}

#[tokio::test]
async fn the_query_duration_cap_reaches_the_storage() {
    let harness = harness_with(SelectConfig {
        max_query_duration: Duration::from_secs(3),
        ..SelectConfig::default()
    });
    harness
        .get("/api/v1/query?query=foo&time=1700000000&timeout=1h")
        .await;
    let remaining = harness.storage.last_request().deadline.remaining();
    assert!(remaining <= Duration::from_secs(3));
    assert!(remaining > Duration::from_secs(2));
}

#[tokio::test]
async fn the_plan_range_reaches_the_storage() {
    let harness = harness_with(SelectConfig::default());
    harness
        .get("/api/v1/query?query=rate(foo[1m] offset 1m)&time=1700000000")
        .await;
    let range = harness.storage.last_request().range;
    assert_eq!((range.start, range.end), (T - 120_000, T - 60_000));
}

#[tokio::test]
async fn deep_queries_are_evaluated_or_refused_never_crash() {
    let harness = harness_with(SelectConfig::default());
    // 990 nested calls: within the nesting limit, evaluated on the query
    // thread's large stack (a 2 MiB stack overflows at a quarter of that).
    let deep = format!("{}foo{}", "abs(".repeat(990), ")".repeat(990));
    let answer = harness
        .get(&format!("/api/v1/query?query={deep}&time=1700000000"))
        .await;
    assert_eq!(answer.status, 200, "{}", answer.text());
    assert_eq!(
        answer.json()["data"]["result"].as_array().map(Vec::len),
        Some(2)
    );
    let deeper = format!("{}foo{}", "(".repeat(8000), ")".repeat(8000));
    harness
        .get(&format!("/api/v1/query?query={deeper}&time=1700000000"))
        .await
        .assert_json_error(400, "bad_data", &["8000 brackets and operators"]);
}
