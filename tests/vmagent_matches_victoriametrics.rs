//! Real client, reference server: Debian's vmagent scrapes Debian's
//! node_exporter every second and remote-writes every block both to Estuary
//! and to Debian's single-node VictoriaMetrics. Over a time window both have
//! fully received, `/api/v1/export` of Estuary and of VictoriaMetrics must hold
//! the same series with the same samples (timestamps and values).
//!
//! Two allowances, both for VictoriaMetrics's storage, not Estuary's:
//! VictoriaMetrics drops NaN samples other than staleness markers on ingestion
//! (and export cannot tell the two apart), so NaN samples are left out on both
//! sides; and it stores a block's values as int64 mantissas with one shared
//! decimal exponent, so a value may come back rounded (seen: 1e-16 relative;
//! allowed: 1e-14 of the largest magnitude in its series). Everything else
//! must be equal.

mod common;

use common::api::{LabelSet, Samples, SeriesMap, export, force_flush, labels, show};
use common::estuary::Estuary;
use common::{eventually, now_ms, peers};
use std::time::Duration;

/// Scrapes VictoriaMetrics must have received before the window closes.
const SCRAPES_MIN: usize = 8;
/// Samples newer than `now - WINDOW_LAG` at the cut may still be in flight.
const WINDOW_LAG_MS: i64 = 2_000;
const ALL: &str = r#"{__name__!=""}"#;

/// Relative rounding VictoriaMetrics's decimal block encoding may introduce,
/// measured against the largest magnitude in the series.
const VM_ROUNDING: f64 = 1e-14;

/// The export cut at `end_ms` (inclusive) without NaN samples; series left
/// empty are removed.
fn until(mut series: SeriesMap, end_ms: i64) -> SeriesMap {
    for samples in series.values_mut() {
        samples.retain(|(ts, value)| *ts <= end_ms && !value.is_nan());
    }
    series.retain(|_, samples| !samples.is_empty());
    series
}

/// Whether Estuary's samples equal VictoriaMetrics's, up to its rounding.
fn same_as_reference(reference: &Samples, ours: &Samples) -> bool {
    let scale = reference.iter().map(|(_, v)| v.abs()).fold(0.0, f64::max);
    reference.len() == ours.len()
        && reference
            .iter()
            .zip(ours)
            .all(|(r, o)| r.0 == o.0 && (r.1 == o.1 || (r.1 - o.1).abs() <= VM_ROUNDING * scale))
}

/// Differences, VictoriaMetrics being the expectation.
fn differences(reference: &SeriesMap, ours: &SeriesMap) -> Vec<String> {
    let mut out = Vec::new();
    for (series, want) in reference {
        match ours.get(series) {
            None => out.push(format!("missing in Estuary: {series:?} {}", show(want))),
            Some(got) if !same_as_reference(want, got) => out.push(format!(
                "{series:?}: VictoriaMetrics {} Estuary {}",
                show(want),
                show(got)
            )),
            Some(_) => {}
        }
    }
    let extra: Vec<&LabelSet> = ours
        .keys()
        .filter(|s| !reference.contains_key(*s))
        .collect();
    out.extend(
        extra
            .iter()
            .map(|s| format!("only in Estuary: {s:?} {}", show(&ours[*s]))),
    );
    out
}

#[test]
fn vmagent_matches_victoriametrics() {
    let node_exporter = peers::node_exporter();
    let victoria_metrics = peers::victoria_metrics();
    let estuary = Estuary::start();
    let scrape = peers::scrape_config("node", &[node_exporter.host_port()], 1);
    let mut vmagent = peers::vmagent(
        &scrape,
        &[
            estuary.url("/api/v1/write"),
            format!("{}/api/v1/write", victoria_metrics.base()),
        ],
    );

    let instance = node_exporter.host_port();
    let up = labels(&[("__name__", "up"), ("job", "node"), ("instance", &instance)]);
    eventually(
        Duration::from_secs(60),
        "vmagent scrapes and pushes",
        || {
            vmagent.assert_running();
            force_flush(&victoria_metrics.base());
            let scrapes = export(&victoria_metrics.base(), &["up"], None)
                .get(&up)
                .map_or(0, Vec::len);
            if scrapes >= SCRAPES_MIN {
                Ok(())
            } else {
                Err(format!("{scrapes} scrapes so far"))
            }
        },
    );
    let window_end = now_ms() - WINDOW_LAG_MS;

    let (ours, reference) = eventually(
        Duration::from_secs(30),
        "Estuary and VictoriaMetrics agree",
        || {
            force_flush(&estuary.base());
            force_flush(&victoria_metrics.base());
            let ours = until(export(&estuary.base(), &[ALL], None), window_end);
            let reference = until(export(&victoria_metrics.base(), &[ALL], None), window_end);
            let diffs = differences(&reference, &ours);
            if diffs.is_empty() {
                Ok((ours, reference))
            } else {
                let shown: Vec<&String> = diffs.iter().take(15).collect();
                Err(format!(
                    "{} differences between VictoriaMetrics (expected) and Estuary (got), {} vs {} series:\n{}\nEstuary log:\n{}",
                    diffs.len(),
                    reference.len(),
                    ours.len(),
                    shown
                        .iter()
                        .map(|d| format!("  {d}"))
                        .collect::<Vec<_>>()
                        .join("\n"),
                    estuary.log_tail()
                ))
            }
        },
    );

    // The comparison is not vacuous: node_exporter's series arrived, with
    // several scrapes each.
    assert!(
        reference.len() > 100,
        "only {} series reached VictoriaMetrics\n{}",
        reference.len(),
        vmagent.log_tail()
    );
    let load = labels(&[
        ("__name__", "node_load1"),
        ("job", "node"),
        ("instance", &instance),
    ]);
    for series in [&up, &load] {
        let samples = ours
            .get(series)
            .unwrap_or_else(|| panic!("{series:?} missing from Estuary"));
        assert!(
            samples.len() >= SCRAPES_MIN - 2,
            "{series:?}: only {} samples in the window",
            samples.len()
        );
    }
    let samples: usize = ours.values().map(Vec::len).sum();
    eprintln!(
        "Estuary and VictoriaMetrics agree on {} series, {samples} samples",
        ours.len()
    );
}
