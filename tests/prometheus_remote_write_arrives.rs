//! Real client: Debian's Prometheus scrapes Debian's node_exporter every
//! second and remote-writes (its own `remote_write` config, snappy protocol)
//! to Estuary's tenant 5:1. Every series Prometheus has (its `/api/v1/series`)
//! arrives in Estuary, and every raw sample Prometheus holds up to a cut-off
//! time (its range query `{__name__=~".+"}[10m]`) is exported by Estuary with
//! the same timestamp and value. Estuary may hold more only as NaN staleness
//! markers, which Prometheus's range queries hide.

mod common;

use common::api::{
    LabelSet, Samples, SeriesMap, export, force_flush, get, labels, same_value, series_api, show,
    success_data,
};
use common::estuary::Estuary;
use common::{eventually, ms_to_param, now_ms, peers};
use serde_json::Value;
use std::collections::BTreeSet;
use std::time::Duration;

/// Scrapes of node_exporter Prometheus must have made before the cut-off.
const SCRAPES_MIN: usize = 8;
const WINDOW_LAG_MS: i64 = 2_000;
const TENANT: &str = "5:1";

fn prometheus_config(target: &str, remote_write_url: &str) -> String {
    format!(
        "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n\
         scrape_configs:\n  - job_name: node\n    static_configs:\n      - targets: ['{target}']\n\
         remote_write:\n  - url: {remote_write_url}\n    queue_config:\n      batch_send_deadline: 1s\n      min_backoff: 100ms\n      max_backoff: 1s\n"
    )
}

fn label_set(object: &Value) -> LabelSet {
    object
        .as_object()
        .unwrap_or_else(|| panic!("not a label object: {object}"))
        .iter()
        .map(|(n, v)| {
            (
                n.clone(),
                v.as_str()
                    .unwrap_or_else(|| panic!("non-string label {v}"))
                    .to_string(),
            )
        })
        .collect()
}

fn prometheus_value(text: &str) -> f64 {
    match text {
        "NaN" => f64::NAN,
        "+Inf" => f64::INFINITY,
        "-Inf" => f64::NEG_INFINITY,
        other => other
            .parse()
            .unwrap_or_else(|e| panic!("Prometheus value {other:?}: {e}")),
    }
}

/// Raw samples of `selector` Prometheus holds in `(end - 10m, end]`.
fn prometheus_samples(base: &str, selector: &str, end_ms: i64) -> SeriesMap {
    let query = format!("{selector}[10m]");
    let reply = get(
        &format!("{base}/api/v1/query"),
        &[("query", &query), ("time", &ms_to_param(end_ms))],
    );
    let data = success_data(&reply, "Prometheus range query");
    assert_eq!(data["resultType"], "matrix", "{data}");
    let mut out = SeriesMap::new();
    for entry in data["result"]
        .as_array()
        .unwrap_or_else(|| panic!("no result list: {data}"))
    {
        let samples: Samples = entry["values"]
            .as_array()
            .unwrap_or_else(|| panic!("no values: {entry}"))
            .iter()
            .map(|pair| {
                let seconds = pair[0]
                    .as_f64()
                    .unwrap_or_else(|| panic!("bad timestamp in {pair}"));
                let value = prometheus_value(
                    pair[1]
                        .as_str()
                        .unwrap_or_else(|| panic!("bad value in {pair}")),
                );
                ((seconds * 1000.0).round() as i64, value)
            })
            .collect();
        out.insert(label_set(&entry["metric"]), samples);
    }
    out
}

/// Problems with Estuary's copy of Prometheus's samples, empty when complete.
fn compare(prometheus: &SeriesMap, estuary: &SeriesMap, end_ms: i64) -> Vec<String> {
    let mut problems = Vec::new();
    for (series, want) in prometheus {
        let Some(got) = estuary.get(series) else {
            problems.push(format!(
                "series {series:?} missing ({} samples in Prometheus)",
                want.len()
            ));
            continue;
        };
        let got: Samples = got
            .iter()
            .copied()
            .filter(|(ts, _)| *ts <= end_ms)
            .collect();
        let mut rest = got.iter().peekable();
        for &(ts, value) in want {
            // Skip Estuary's extra samples before this one; only staleness markers may be extra.
            while let Some(&&(extra_ts, extra_value)) = rest.peek() {
                if extra_ts >= ts {
                    break;
                }
                if !extra_value.is_nan() {
                    problems.push(format!(
                        "{series:?}: extra sample {extra_ts}:{extra_value} not in Prometheus"
                    ));
                }
                rest.next();
            }
            match rest.next() {
                Some(&(got_ts, got_value)) if got_ts == ts && same_value(got_value, value) => {}
                other => {
                    problems.push(format!("{series:?}: sample {ts}:{value} -> Estuary has {other:?}; Prometheus {} Estuary {}", show(want), show(&got)));
                    break;
                }
            }
        }
    }
    for (series, samples) in estuary {
        if !prometheus.contains_key(series)
            && samples.iter().any(|(ts, v)| *ts <= end_ms && !v.is_nan())
        {
            problems.push(format!(
                "series {series:?} in Estuary but not in Prometheus: {}",
                show(samples)
            ));
        }
    }
    problems
}

#[test]
fn prometheus_remote_write_arrives() {
    let node_exporter = peers::node_exporter();
    let estuary = Estuary::start();
    let started = now_ms();
    let remote_write_url = format!("{}/api/v1/write", estuary.insert_base(TENANT));
    let mut prometheus = peers::prometheus(&prometheus_config(
        &node_exporter.host_port(),
        &remote_write_url,
    ));

    let instance = node_exporter.host_port();
    let up = labels(&[("__name__", "up"), ("job", "node"), ("instance", &instance)]);
    // Prometheus starts scraping a few seconds after it is ready.
    eventually(
        Duration::from_secs(60),
        "Prometheus scrapes node_exporter",
        || {
            prometheus.assert_running();
            let scrapes = prometheus_samples(&prometheus.base(), "up", now_ms())
                .get(&up)
                .map_or(0, Vec::len);
            if scrapes >= SCRAPES_MIN {
                Ok(())
            } else {
                Err(format!("{scrapes} scrapes so far"))
            }
        },
    );
    let end = now_ms() - WINDOW_LAG_MS;
    let range = Some((started - 60_000, end));

    let promised: Vec<LabelSet> = {
        let reply = get(
            &format!("{}/api/v1/series", prometheus.base()),
            &[
                ("match[]", r#"{__name__=~".+"}"#),
                ("start", &ms_to_param(started - 60_000)),
                ("end", &ms_to_param(end)),
            ],
        );
        let data = success_data(&reply, "Prometheus series");
        data.as_array()
            .unwrap_or_else(|| panic!("series data: {data}"))
            .iter()
            .map(label_set)
            .collect()
    };
    let prometheus_data = prometheus_samples(&prometheus.base(), r#"{__name__=~".+"}"#, end);
    assert!(
        promised.len() > 100,
        "Prometheus has only {} series\n{}",
        promised.len(),
        prometheus.log_tail()
    );
    assert!(
        prometheus_data
            .get(&up)
            .is_some_and(|s| s.len() >= SCRAPES_MIN - 2),
        "Prometheus should have scraped `up` several times: {:?}",
        prometheus_data.get(&up)
    );

    let select = estuary.select_base(TENANT);
    eventually(
        Duration::from_secs(30),
        "everything Prometheus scraped arrives in Estuary",
        || {
            force_flush(&estuary.base());
            let listed: BTreeSet<LabelSet> = series_api(&select, &[r#"{__name__=~".+"}"#], range)
                .into_iter()
                .collect();
            let missing: Vec<&LabelSet> =
                promised.iter().filter(|s| !listed.contains(*s)).collect();
            if !missing.is_empty() {
                return Err(format!(
                    "{} of {} series from Prometheus's /api/v1/series are not in Estuary's, e.g. {:?}\n{}",
                    missing.len(),
                    promised.len(),
                    &missing[..missing.len().min(5)],
                    prometheus.log_tail()
                ));
            }
            let problems = compare(
                &prometheus_data,
                &export(&select, &[r#"{__name__=~".+"}"#], None),
                end,
            );
            if problems.is_empty() {
                Ok(())
            } else {
                Err(format!(
                    "{} problems:\n  {}",
                    problems.len(),
                    problems
                        .iter()
                        .take(15)
                        .cloned()
                        .collect::<Vec<_>>()
                        .join("\n  ")
                ))
            }
        },
    );
    let samples: usize = prometheus_data.values().map(Vec::len).sum();
    eprintln!(
        "all {} series and {samples} samples of Prometheus arrived in Estuary",
        prometheus_data.len()
    );
}
