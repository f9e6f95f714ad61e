//! Read API shapes: `/api/v1/series`, `/api/v1/labels`,
//! `/api/v1/label/<name>/values` and `/api/v1/export` honour `match[]`,
//! `start` and `end` and answer in the Prometheus envelope;
//! `/api/v1/status/tsdb`, `/api/v1/status/buildinfo` and `/health` answer
//! exactly as the contract says.

mod common;

use common::api::{
    LabelSet, SeriesMap, assert_ingested, assert_series_eq, export, force_flush, get, import_json,
    label_values_api, labels, labels_api, series_api, success_data,
};
use common::estuary::Estuary;
use common::{ms_to_param, now_ms, utc_date};
use serde_json::{Value, json};

const DAY_MS: i64 = 86_400_000;
const HOUR_MS: i64 = 3_600_000;

fn line(labels: &[(&str, &str)], samples: &[(i64, f64)]) -> String {
    let metric: serde_json::Map<String, Value> = labels
        .iter()
        .map(|(n, v)| (n.to_string(), json!(v)))
        .collect();
    let values: Vec<f64> = samples.iter().map(|s| s.1).collect();
    let timestamps: Vec<i64> = samples.iter().map(|s| s.0).collect();
    json!({"metric": metric, "values": values, "timestamps": timestamps}).to_string() + "\n"
}

fn sorted(mut sets: Vec<LabelSet>) -> Vec<LabelSet> {
    sets.sort();
    sets
}

#[test]
fn read_api_shapes() {
    let estuary = Estuary::start();
    let now = now_ms();
    // Whole minutes, so that the three samples never straddle a UTC midnight.
    let recent = (now - 10 * 60_000) / 60_000 * 60_000;
    let old = recent - 3 * DAY_MS;

    let a = [
        ("__name__", "shape_old"),
        ("job", "old"),
        ("instance", "h1"),
        ("old_only", "x"),
    ];
    let b = [
        ("__name__", "shape_new"),
        ("job", "new"),
        ("instance", "h1"),
    ];
    let c = [
        ("__name__", "shape_new"),
        ("job", "new"),
        ("instance", "h2"),
    ];
    let d = [("__name__", "shape_other"), ("env", "prod")];
    let a_samples = [(old, 1.0), (old + 60_000, 2.0)];
    let b_samples = [
        (recent, 3.0),
        (recent + 15_000, 4.0),
        (recent + 30_000, 5.0),
    ];
    let c_samples = [(recent, 6.0)];
    let d_samples = [(recent + 15_000, 7.0)];
    let body = line(&a, &a_samples)
        + &line(&b, &b_samples)
        + &line(&c, &c_samples)
        + &line(&d, &d_samples);
    assert_ingested(
        &import_json(&estuary.url("/api/v1/import"), &body),
        "import",
    );
    force_flush(&estuary.base());

    let base = estuary.base();
    let recent_range = Some((now - HOUR_MS, now));
    let old_range = Some((old - HOUR_MS, old + HOUR_MS));

    // Series: match[], time range, several match[] are OR-ed.
    assert_eq!(
        sorted(series_api(&base, &["shape_new"], recent_range)),
        sorted(vec![labels(&b), labels(&c)])
    );
    assert_eq!(
        sorted(series_api(&base, &[r#"{job=~"old|new"}"#], recent_range)),
        sorted(vec![labels(&b), labels(&c)]),
        "the series only written 3 days ago must not be listed for the last hour"
    );
    assert_eq!(
        series_api(&base, &[r#"{job=~"old|new"}"#], old_range),
        vec![labels(&a)]
    );
    assert_eq!(
        sorted(series_api(
            &base,
            &["shape_other", r#"{instance="h2"}"#],
            recent_range
        )),
        sorted(vec![labels(&c), labels(&d)])
    );
    assert_eq!(
        series_api(&base, &[r#"{__name__="no_such_metric"}"#], recent_range),
        Vec::<LabelSet>::new()
    );

    // The cluster path answers in the envelope with isPartial.
    let reply = get(
        &format!("{}/api/v1/series", estuary.select_base("0")),
        &[
            ("match[]", "shape_other"),
            ("start", &ms_to_param(now - HOUR_MS)),
            ("end", &ms_to_param(now)),
        ],
    );
    assert_eq!(reply.status, 200, "{reply:?}");
    assert!(
        reply.content_type.starts_with("application/json"),
        "series Content-Type {:?}",
        reply.content_type
    );
    assert_eq!(
        reply.json(),
        json!({"status": "success", "isPartial": false, "data": [{"__name__": "shape_other", "env": "prod"}]})
    );

    // Series without match[] is a 400 with a JSON error.
    let reply = get(&format!("{base}/api/v1/series"), &[]);
    assert_eq!(reply.status, 400, "series without match[]: {reply:?}");
    let error = reply.json();
    assert_eq!(error["status"], "error", "{error}");
    assert!(
        error["errorType"].is_string(),
        "errorType must be a string: {error}"
    );
    assert!(
        error["error"].as_str().unwrap_or("").contains("match[]"),
        "the error should name match[]: {error}"
    );

    // Labels: sorted names, filtered by match[] and by time.
    assert_eq!(
        labels_api(&base, &[], recent_range),
        ["__name__", "env", "instance", "job"]
    );
    assert_eq!(
        labels_api(&base, &[], old_range),
        ["__name__", "instance", "job", "old_only"]
    );
    assert_eq!(
        labels_api(&base, &["shape_other"], recent_range),
        ["__name__", "env"]
    );

    // Label values: sorted, filtered by match[] and by time.
    assert_eq!(
        label_values_api(&base, "__name__", &[], recent_range),
        ["shape_new", "shape_other"]
    );
    assert_eq!(
        label_values_api(&base, "__name__", &[], old_range),
        ["shape_old"]
    );
    assert_eq!(label_values_api(&base, "job", &[], recent_range), ["new"]);
    assert_eq!(
        label_values_api(&base, "instance", &["shape_new"], recent_range),
        ["h1", "h2"]
    );
    assert_eq!(
        label_values_api(&base, "instance", &[r#"{env="prod"}"#], recent_range),
        Vec::<String>::new()
    );

    // Export: all time by default; start and end cut samples.
    let mut everything = SeriesMap::new();
    everything.insert(labels(&a), a_samples.to_vec());
    everything.insert(labels(&b), b_samples.to_vec());
    everything.insert(labels(&c), c_samples.to_vec());
    everything.insert(labels(&d), d_samples.to_vec());
    assert_series_eq(
        &everything,
        &export(&base, &[r#"{__name__=~"shape_.*"}"#], None),
        "export, all time",
    );
    let mut only_old = SeriesMap::new();
    only_old.insert(labels(&a), a_samples.to_vec());
    assert_series_eq(
        &only_old,
        &export(&base, &[r#"{__name__=~"shape_.*"}"#], old_range),
        "export around 3 days ago",
    );
    let mut middle = SeriesMap::new();
    middle.insert(labels(&b), vec![(recent + 15_000, 4.0)]);
    assert_series_eq(
        &middle,
        &export(
            &base,
            &["shape_new"],
            Some((recent + 5_000, recent + 20_000)),
        ),
        "export of the middle sample",
    );

    // TSDB status for the day of the recent samples, and for the old day.
    let tsdb = |extra: &[(&str, &str)]| {
        let url = format!("{base}/api/v1/status/tsdb");
        success_data(&get(&url, extra), &format!("status/tsdb {extra:?}"))
    };
    let today = tsdb(&[("date", &utc_date(recent))]);
    for key in [
        "totalSeries",
        "totalLabelValuePairs",
        "seriesCountByMetricName",
        "seriesCountByLabelName",
        "seriesCountByFocusLabelValue",
        "seriesCountByLabelValuePair",
        "labelValueCountByLabelName",
    ] {
        assert!(today.get(key).is_some(), "status/tsdb lacks {key}: {today}");
    }
    assert_eq!(today["totalSeries"], 3, "{today}");
    assert_eq!(
        today["totalLabelValuePairs"], 8,
        "3 + 3 + 2 label pairs: {today}"
    );
    assert_eq!(
        today["seriesCountByMetricName"],
        json!([{"name": "shape_new", "value": 2}, {"name": "shape_other", "value": 1}]),
        "{today}"
    );
    let by_label = today["seriesCountByLabelName"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert!(
        by_label.contains(&json!({"name": "job", "value": 2})),
        "seriesCountByLabelName: {today}"
    );
    let pairs = today["seriesCountByLabelValuePair"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert!(
        pairs.contains(&json!({"name": "job=new", "value": 2})),
        "seriesCountByLabelValuePair: {today}"
    );
    let old_day = tsdb(&[("date", &utc_date(old))]);
    assert_eq!(old_day["totalSeries"], 1, "{old_day}");
    let matched = tsdb(&[("date", &utc_date(recent)), ("match[]", r#"{job="new"}"#)]);
    assert_eq!(matched["totalSeries"], 2, "{matched}");
    let top1 = tsdb(&[("date", &utc_date(recent)), ("topN", "1")]);
    assert_eq!(
        top1["seriesCountByMetricName"],
        json!([{"name": "shape_new", "value": 2}]),
        "{top1}"
    );

    // Build info: Grafana's heuristics need exactly this.
    for url in [
        format!("{base}/api/v1/status/buildinfo"),
        format!("{}/api/v1/status/buildinfo", estuary.select_base("0")),
    ] {
        let reply = get(&url, &[]);
        assert_eq!(reply.status, 200, "{url}: {reply:?}");
        let info = reply.json();
        assert_eq!(info["status"], "success", "{url}: {info}");
        assert_eq!(info["data"]["version"], "2.24.0", "{url}: {info}");
        assert!(
            info["data"].get("features").is_none(),
            "{url} must not send features: {info}"
        );
    }

    // Health.
    let health = get(&format!("{base}/health"), &[]);
    assert_eq!(
        (health.status, health.body.trim()),
        (200, "OK"),
        "/health: {health:?}"
    );
}
