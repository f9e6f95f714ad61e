//! Self-monitoring: `/metrics` counts what was ingested (per protocol and per
//! tenant), what reached storage, the new series, and the HTTP requests and
//! their errors, under VictoriaMetrics's metric names.

mod common;

use common::api::{
    assert_ingested, force_flush, import_json, import_text, post, remote_write, self_metric_sum,
    self_metrics,
};
use common::estuary::Estuary;
use common::now_ms;
use common::remote_write::series;

#[test]
fn self_metrics_count_ingestion() {
    let estuary = Estuary::start();
    let base = estuary.base();
    let t0 = now_ms() - 60_000;
    let sum = |name: &str, filter: &[(&str, &str)]| self_metric_sum(&base, name, filter);

    let rows_rw = sum("vm_rows_inserted_total", &[("type", "promremotewrite")]);
    let rows_json = sum("vm_rows_inserted_total", &[("type", "vmimport")]);
    let rows_text = sum("vm_rows_inserted_total", &[("type", "prometheus")]);
    let tenant_rows = sum(
        "vm_tenant_inserted_rows_total",
        &[("accountID", "42"), ("projectID", "0")],
    );
    let stored = sum("vm_rows_added_to_storage_total", &[]);
    let created = sum("vm_new_timeseries_created_total", &[]);
    let write_requests = requests_on(&base, "vm_http_requests_total", "/api/v1/write");
    let write_errors = requests_on(&base, "vm_http_request_errors_total", "/api/v1/write");

    // 2 series x 3 samples by remote write to tenant 42.
    let samples = [(t0, 1.0), (t0 + 1_000, 2.0), (t0 + 2_000, 3.0)];
    let reply = remote_write(
        &format!("{}/api/v1/write", estuary.insert_base("42")),
        vec![
            series(&[("__name__", "sm_rw"), ("i", "1")], &samples),
            series(&[("__name__", "sm_rw"), ("i", "2")], &samples),
        ],
    );
    assert_ingested(&reply, "remote write");
    // 4 samples of 1 series by JSON import.
    let json = format!(
        r#"{{"metric":{{"__name__":"sm_json"}},"values":[1,2,3,4],"timestamps":[{},{},{},{}]}}"#,
        t0,
        t0 + 1,
        t0 + 2,
        t0 + 3
    );
    assert_ingested(
        &import_json(&estuary.url("/api/v1/import"), &json),
        "JSON import",
    );
    // 5 samples of 5 series by text import.
    let text: String = (0..5)
        .map(|i| format!("sm_text{{i=\"{i}\"}} {i} {t0}\n"))
        .collect();
    assert_ingested(
        &import_text(&estuary.url("/api/v1/import/prometheus"), &text),
        "text import",
    );
    // One failed remote write.
    let bad = post(
        &estuary.url("/api/v1/write"),
        &[],
        &[("Content-Encoding", "snappy")],
        b"not snappy".to_vec(),
    );
    assert_eq!(bad.status, 400, "garbage remote write: {bad:?}");
    force_flush(&base);

    assert_eq!(
        sum("vm_rows_inserted_total", &[("type", "promremotewrite")]) - rows_rw,
        6.0,
        "remote-write rows"
    );
    assert_eq!(
        sum("vm_rows_inserted_total", &[("type", "vmimport")]) - rows_json,
        4.0,
        "JSON import rows"
    );
    assert_eq!(
        sum("vm_rows_inserted_total", &[("type", "prometheus")]) - rows_text,
        5.0,
        "text import rows"
    );
    assert_eq!(
        sum(
            "vm_tenant_inserted_rows_total",
            &[("accountID", "42"), ("projectID", "0")]
        ) - tenant_rows,
        6.0,
        "rows of tenant 42"
    );
    assert_eq!(
        sum("vm_rows_added_to_storage_total", &[]) - stored,
        15.0,
        "rows added to storage"
    );
    assert_eq!(
        sum("vm_new_timeseries_created_total", &[]) - created,
        8.0,
        "new series"
    );
    assert_eq!(
        requests_on(&base, "vm_http_requests_total", "/api/v1/write") - write_requests,
        2.0,
        "write requests (one good, one bad)"
    );
    assert_eq!(
        requests_on(&base, "vm_http_request_errors_total", "/api/v1/write") - write_errors,
        1.0,
        "write errors"
    );

    // Process and storage gauges exist and are plausible.
    let metrics = self_metrics(&base);
    let version = metrics
        .iter()
        .find(|m| m.name == "vm_app_version")
        .expect("vm_app_version is exported");
    assert!(
        version.labels.contains_key("version"),
        "vm_app_version without a version label: {version:?}"
    );
    assert_eq!(version.value, 1.0, "vm_app_version");
    assert!(
        sum("vm_data_size_bytes", &[]) > 0.0,
        "vm_data_size_bytes should count the data directory"
    );
    assert!(
        sum("process_resident_memory_bytes", &[]) > 0.0,
        "process_resident_memory_bytes"
    );
}

/// The sum of `name` over every `path` label ending in `suffix` (the label may
/// or may not carry the tenant prefix).
fn requests_on(base: &str, name: &str, suffix: &str) -> f64 {
    self_metrics(base)
        .iter()
        .filter(|m| m.name == name && m.labels.get("path").is_some_and(|p| p.ends_with(suffix)))
        .map(|m| m.value)
        .sum()
}
