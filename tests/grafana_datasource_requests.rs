//! Grafana's Prometheus datasource pointed at `/select/7/prometheus`: the
//! requests it sends on "Save & test", on datasource init, from the metric and
//! label browser, for `label_values()` variables and on a panel refresh are
//! replayed as Grafana sends them (method, parameters, form bodies, extra
//! headers), and every answer is checked for status, JSON shape and content.

mod common;

use common::api::{
    Reply, assert_ingested, force_flush, get, get_with_headers, post_form, remote_write,
};
use common::estuary::Estuary;
use common::remote_write::series;
use common::{ms_to_param, now_ms};
use serde_json::{Value, json};

/// Grafana's panel step, seconds.
const STEP_S: i64 = 15;
/// Samples per written series (one per step: ten minutes).
const SAMPLES: i64 = 41;

/// The headers Grafana's backend adds to a panel query.
const GRAFANA_HEADERS: [(&str, &str); 7] = [
    ("User-Agent", "Grafana/11.3.0"),
    ("X-Grafana-Org-Id", "1"),
    ("X-Dashboard-Uid", "estuary-test"),
    ("X-Panel-Id", "2"),
    ("X-Grafana-From", "1712345000000"),
    ("X-Grafana-To", "1712348600000"),
    ("X-Query-Group-Id", "7b1f6a2e-0c9d-4a63-9b43-3c2f5b8f0d11"),
];

/// The header Grafana adds to its metadata (label browser) calls.
const CACHE_HEADERS: [(&str, &str); 2] = [("X-Grafana-Org-Id", "1"), ("X-Grafana-Cache", "true")];

fn h1_value(k: i64) -> f64 {
    10.0 + k as f64
}

fn h2_value(k: i64) -> f64 {
    100.0 + 2.5 * k as f64
}

/// The JSON body of a 200 `application/json` answer with `status: success`.
fn success(reply: &Reply, what: &str) -> Value {
    assert_eq!(reply.status, 200, "{what}: {reply:?}");
    assert!(
        reply.content_type.starts_with("application/json"),
        "{what}: Content-Type {:?}",
        reply.content_type
    );
    let json = reply.json();
    assert_eq!(json["status"], "success", "{what}: {json}");
    assert!(
        json.get("error").is_none() && json.get("errorType").is_none(),
        "{what}: a success carries no error: {json}"
    );
    json
}

fn strings(value: &Value, what: &str) -> Vec<String> {
    value
        .as_array()
        .unwrap_or_else(|| panic!("{what}: data is not a list: {value}"))
        .iter()
        .map(|v| {
            v.as_str()
                .unwrap_or_else(|| panic!("{what}: non-string entry {v}"))
                .to_string()
        })
        .collect()
}

#[test]
fn grafana_datasource_requests() {
    let estuary = Estuary::start();
    let now = now_ms();
    // Ten minutes of 15 s samples ending at most one step before now.
    let t0 = (now - (SAMPLES * STEP_S) * 1000) / (STEP_S * 1000) * (STEP_S * 1000);
    let at = |k: i64| t0 + k * STEP_S * 1000;
    let h1 = [
        ("__name__", "grafana_requests_total"),
        ("job", "api"),
        ("instance", "h1:9100"),
    ];
    let h2 = [
        ("__name__", "grafana_requests_total"),
        ("job", "api"),
        ("instance", "h2:9100"),
    ];
    let db = [
        ("__name__", "grafana_temp_celsius"),
        ("job", "db"),
        ("instance", "h3:9100"),
        ("room", "cold"),
    ];
    let h1_samples: Vec<(i64, f64)> = (0..SAMPLES).map(|k| (at(k), h1_value(k))).collect();
    let h2_samples: Vec<(i64, f64)> = (0..SAMPLES).map(|k| (at(k), h2_value(k))).collect();
    let db_samples: Vec<(i64, f64)> = (0..SAMPLES).map(|k| (at(k), -4.5)).collect();
    assert_ingested(
        &remote_write(
            &format!("{}/api/v1/write", estuary.insert_base("7")),
            vec![
                series(&h1, &h1_samples),
                series(&h2, &h2_samples),
                series(&db, &db_samples),
            ],
        ),
        "remote write to tenant 7",
    );
    // Another tenant's series must never show up in tenant 7's browser.
    assert_ingested(
        &remote_write(
            &format!("{}/api/v1/write", estuary.insert_base("8")),
            vec![series(
                &[("__name__", "grafana_other_tenant"), ("job", "api")],
                &[(at(SAMPLES - 1), 1.0)],
            )],
        ),
        "remote write to tenant 8",
    );
    force_flush(&estuary.base());

    let base = estuary.select_base("7");
    let api = |path: &str| format!("{base}/api/v1/{path}");
    // The browser's time range: the last hour, in Unix seconds as Grafana sends.
    let start = (now - 3_600_000) / 1000;
    let end = now / 1000;
    let start = start.to_string();
    let end = end.to_string();

    // 1. "Save & test": POST api/v1/query, form query=1+1&time=4.
    let json = success(
        &post_form(
            &api("query"),
            &[("query", "1+1"), ("time", "4")],
            &GRAFANA_HEADERS,
        ),
        "health check 1+1",
    );
    assert_eq!(
        json["data"]["resultType"], "scalar",
        "health check: 1+1 is a scalar: {json}"
    );
    let result = &json["data"]["result"];
    assert_eq!(
        result.as_array().map(Vec::len),
        Some(2),
        "health check: scalar result is [time, value]: {json}"
    );
    assert_eq!(
        result[0].as_f64(),
        Some(4.0),
        "health check: time must be the number 4: {json}"
    );
    assert_eq!(result[1], "2", "health check: value must be \"2\": {json}");

    // 2. Build info: version 2.24.0 and no `features` (else Grafana says Mimir).
    let json = success(&get(&api("status/buildinfo"), &[]), "buildinfo");
    assert_eq!(json["data"]["version"], "2.24.0", "buildinfo: {json}");
    match json["data"].get("features") {
        None => {}
        Some(features) => assert!(
            features.is_null() || features.as_object().is_some_and(|f| f.is_empty()),
            "buildinfo: a non-empty `features` makes Grafana treat Estuary as Mimir: {json}"
        ),
    }

    // 3. Datasource init: recording-rule lookup and exemplar probe.
    let json = success(&get(&api("rules"), &[]), "rules");
    assert_eq!(json["data"], json!({"groups": []}), "rules: {json}");
    let json = success(
        &get(
            &api("query_exemplars"),
            &[("query", "test"), ("start", &start), ("end", &end)],
        ),
        "query_exemplars",
    );
    assert_eq!(json["data"], json!([]), "query_exemplars: {json}");

    // 4. Metric browser: metric names in the range.
    let json = success(
        &get_with_headers(
            &api("label/__name__/values"),
            &[("start", &start), ("end", &end)],
            &CACHE_HEADERS,
        ),
        "label/__name__/values",
    );
    assert_eq!(
        strings(&json["data"], "label/__name__/values"),
        ["grafana_requests_total", "grafana_temp_celsius"],
        "metric names of tenant 7: {json}"
    );

    // 5. Label names of the chosen metric.
    let json = success(
        &get_with_headers(
            &api("labels"),
            &[
                ("start", &start),
                ("end", &end),
                ("match[]", "grafana_temp_celsius"),
            ],
            &CACHE_HEADERS,
        ),
        "labels match[]=grafana_temp_celsius",
    );
    assert_eq!(
        strings(&json["data"], "labels"),
        ["__name__", "instance", "job", "room"],
        "label names of grafana_temp_celsius: {json}"
    );

    // 6. Series of the chosen metric, with Grafana's series limit.
    let json = success(
        &get(
            &api("series"),
            &[
                ("match[]", "{__name__=\"grafana_requests_total\"}"),
                ("start", &start),
                ("end", &end),
                ("limit", "40000"),
            ],
        ),
        "series limit=40000",
    );
    let mut got: Vec<Value> = json["data"]
        .as_array()
        .unwrap_or_else(|| panic!("series: data is not a list: {json}"))
        .clone();
    got.sort_by_key(|v| v.to_string());
    assert_eq!(
        got,
        vec![
            json!({"__name__": "grafana_requests_total", "job": "api", "instance": "h1:9100"}),
            json!({"__name__": "grafana_requests_total", "job": "api", "instance": "h2:9100"}),
        ],
        "series of grafana_requests_total: {json}"
    );
    let json = success(
        &get(
            &api("series"),
            &[
                ("match[]", "{__name__=\"grafana_requests_total\"}"),
                ("start", &start),
                ("end", &end),
                ("limit", "1"),
            ],
        ),
        "series limit=1",
    );
    let limited = json["data"]
        .as_array()
        .unwrap_or_else(|| panic!("series limit=1: data is not a list: {json}"));
    assert_eq!(
        limited.len(),
        1,
        "series limit=1 returns one series: {json}"
    );
    assert!(
        got.contains(&limited[0]),
        "series limit=1 returns one of the matching series: {json}"
    );

    // 7. Metadata (cached by Grafana): an object; `{}` is acceptable, and any
    // entry has the Prometheus shape.
    let json = success(
        &get_with_headers(&api("metadata"), &[], &CACHE_HEADERS),
        "metadata",
    );
    let metadata = json["data"]
        .as_object()
        .unwrap_or_else(|| panic!("metadata: data is not an object: {json}"));
    for (metric, entries) in metadata {
        let entries = entries
            .as_array()
            .unwrap_or_else(|| panic!("metadata {metric}: not a list: {json}"));
        for entry in entries {
            assert!(
                entry["type"].is_string() && entry["help"].is_string(),
                "metadata {metric}: entry without type/help strings: {json}"
            );
        }
    }

    // 8. `label_values(grafana_requests_total, job)` and
    // `label_values(grafana_temp_celsius, room)` variables.
    for (name, matcher, expected) in [
        ("job", "grafana_requests_total", "api"),
        ("job", "{__name__=~\"grafana_.*\"}", "api"),
        ("room", "grafana_temp_celsius", "cold"),
    ] {
        let what = format!("label/{name}/values match[]={matcher}");
        let json = success(
            &get_with_headers(
                &api(&format!("label/{name}/values")),
                &[("match[]", matcher)],
                &CACHE_HEADERS,
            ),
            &what,
        );
        let values = strings(&json["data"], &what);
        let wanted: Vec<&str> = if matcher.contains("=~") {
            vec!["api", "db"]
        } else {
            vec![expected]
        };
        assert_eq!(values, wanted, "{what}: {json}");
    }

    // 9. Panel refresh: POST api/v1/query_range with a form body, fractional
    // start/end, step=15 and Grafana's headers.
    let first = 2;
    let last = 22;
    let range_start = at(first) + 123;
    let range_end = at(last) + 123;
    let json = success(
        &post_form(
            &api("query_range"),
            &[
                ("query", "grafana_requests_total{job=\"api\"}"),
                ("start", &ms_to_param(range_start)),
                ("end", &ms_to_param(range_end)),
                ("step", "15"),
            ],
            &GRAFANA_HEADERS,
        ),
        "query_range",
    );
    assert_eq!(json["data"]["resultType"], "matrix", "query_range: {json}");
    let result = json["data"]["result"]
        .as_array()
        .unwrap_or_else(|| panic!("query_range: result is not a list: {json}"));
    assert_eq!(result.len(), 2, "query_range: two series: {json}");
    for instance in ["h1:9100", "h2:9100"] {
        let stream = result
            .iter()
            .find(|s| s["metric"]["instance"] == instance)
            .unwrap_or_else(|| panic!("query_range: no series for {instance}: {json}"));
        assert_eq!(
            stream["metric"],
            json!({"__name__": "grafana_requests_total", "job": "api", "instance": instance}),
            "query_range: labels of {instance}: {json}"
        );
        let values = stream["values"]
            .as_array()
            .unwrap_or_else(|| panic!("query_range: values is not a list: {json}"));
        let expected: Vec<(i64, String)> = (first..=last)
            .map(|k| {
                let v = if instance == "h1:9100" {
                    h1_value(k)
                } else {
                    h2_value(k)
                };
                (at(k) + 123, format!("{v}"))
            })
            .collect();
        let actual: Vec<(i64, String)> = values
            .iter()
            .map(|point| {
                let t = point[0]
                    .as_f64()
                    .unwrap_or_else(|| panic!("query_range: time is not a number: {point}"));
                let v = point[1]
                    .as_str()
                    .unwrap_or_else(|| panic!("query_range: value is not a string: {point}"));
                ((t * 1000.0).round() as i64, v.to_string())
            })
            .collect();
        assert_eq!(
            actual, expected,
            "query_range {instance}: points at the requested fractional times with the last sample's value"
        );
    }
}
