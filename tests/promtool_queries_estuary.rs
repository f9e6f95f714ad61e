//! Debian's `promtool query instant|range` (Prometheus 2.42's Go API client:
//! form POST, GET fallback) against Estuary's root (tenant 0) and a tenant
//! base: exit status 0 and the printed series and values are exactly what
//! was written; a bad expression exits non-zero with the server's error.

mod common;

use common::api::{assert_ingested, force_flush, remote_write};
use common::estuary::Estuary;
use common::now_ms;
use common::remote_write::series;
use serde_json::{Value, json};
use std::path::Path;
use std::process::{Command, Output};

/// `/usr/bin/promtool` (Debian's Prometheus 2.42).
const PROMTOOL: &str = "/usr/bin/promtool";

fn promtool(args: &[String]) -> Output {
    assert!(
        Path::new(PROMTOOL).exists(),
        "{PROMTOOL} is not installed; run `bash scripts/setup.sh` first (CI runs it before the tests)"
    );
    Command::new(PROMTOOL)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {PROMTOOL}: {e}"))
}

/// Runs promtool, asserts exit status 0 and an empty stderr, returns stdout.
fn promtool_ok(args: &[String]) -> String {
    let output = promtool(args);
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(
        output.status.success(),
        "promtool {args:?} exited with {}\nstdout: {stdout}\nstderr: {stderr}",
        output.status
    );
    stdout
}

fn args(list: &[&str]) -> Vec<String> {
    list.iter().map(|a| a.to_string()).collect()
}

/// Sorted non-empty lines, so that series order does not matter.
fn sorted_lines(text: &str) -> Vec<String> {
    let mut lines: Vec<String> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(str::to_string)
        .collect();
    lines.sort();
    lines
}

/// The range output (`<series> =>` then `<value> @[<t>]` lines) as
/// `(series, points)` blocks, sorted by series.
fn range_blocks(text: &str) -> Vec<(String, Vec<String>)> {
    let mut blocks: Vec<(String, Vec<String>)> = Vec::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        if let Some(head) = line.strip_suffix(" =>") {
            blocks.push((head.to_string(), Vec::new()));
        } else {
            blocks
                .last_mut()
                .unwrap_or_else(|| panic!("point before any series in:\n{text}"))
                .1
                .push(line.to_string());
        }
    }
    blocks.sort();
    blocks
}

#[test]
fn promtool_queries_estuary() {
    let estuary = Estuary::start();
    // Whole 15 s steps, five minutes back: t, t+15 s, t+30 s.
    let t = (now_ms() - 300_000) / 15_000 * 15_000;
    let s = t / 1000;
    let a = [("__name__", "pt_gauge"), ("job", "x"), ("instance", "a")];
    let b = [("__name__", "pt_gauge"), ("job", "x"), ("instance", "b")];
    assert_ingested(
        &remote_write(
            &estuary.url("/api/v1/write"),
            vec![
                series(&a, &[(t, 1.5), (t + 15_000, 2.5)]),
                series(&b, &[(t + 15_000, 4.0), (t + 30_000, -0.25)]),
            ],
        ),
        "remote write to tenant 0",
    );
    assert_ingested(
        &remote_write(
            &format!("{}/api/v1/write", estuary.insert_base("5")),
            vec![
                series(
                    &[
                        ("__name__", "pt_tenant_only"),
                        ("job", "y"),
                        ("instance", "c"),
                    ],
                    &[(t, 100.0), (t + 15_000, 200.0)],
                ),
                series(
                    &[
                        ("__name__", "pt_tenant_only"),
                        ("job", "z"),
                        ("instance", "d"),
                    ],
                    &[(t, 1.0), (t + 15_000, 2.0)],
                ),
            ],
        ),
        "remote write to tenant 5",
    );
    force_flush(&estuary.base());
    let root = estuary.base();
    let tenant5 = estuary.select_base("5");

    // Instant query on the root (tenant 0), promql output.
    let time = (s + 20).to_string();
    let out = promtool_ok(&args(&[
        "query",
        "instant",
        &format!("--time={time}"),
        &root,
        "pt_gauge",
    ]));
    assert_eq!(
        sorted_lines(&out),
        [
            format!("pt_gauge{{instance=\"a\", job=\"x\"}} => 2.5 @[{time}]"),
            format!("pt_gauge{{instance=\"b\", job=\"x\"}} => 4 @[{time}]"),
        ],
        "promtool query instant pt_gauge:\n{out}"
    );

    // Instant query with an aggregation, JSON output.
    let out = promtool_ok(&args(&[
        "query",
        "instant",
        "-o",
        "json",
        &format!("--time={}", s + 30),
        &root,
        "sum by (job) (pt_gauge)",
    ]));
    let parsed: Value = serde_json::from_str(out.trim())
        .unwrap_or_else(|e| panic!("promtool -o json printed no JSON ({e}):\n{out}"));
    // At t+30 s: a's last sample 2.5 (15 s old), b's -0.25.
    assert_eq!(
        parsed,
        json!([{"metric": {"job": "x"}, "value": [s + 30, "2.25"]}]),
        "promtool query instant sum by (job):\n{out}"
    );

    // Scalar expression.
    let out = promtool_ok(&args(&[
        "query",
        "instant",
        &format!("--time={s}"),
        &root,
        "1 + 1",
    ]));
    assert_eq!(
        out.trim(),
        format!("scalar: 2 @[{s}]"),
        "promtool query instant 1 + 1"
    );

    // Range query on the root, promql output.
    let out = promtool_ok(&args(&[
        "query",
        "range",
        &format!("--start={s}"),
        &format!("--end={}", s + 30),
        "--step=15s",
        &root,
        "pt_gauge",
    ]));
    assert_eq!(
        range_blocks(&out),
        vec![
            (
                "pt_gauge{instance=\"a\", job=\"x\"}".to_string(),
                vec![
                    format!("1.5 @[{s}]"),
                    format!("2.5 @[{}]", s + 15),
                    format!("2.5 @[{}]", s + 30),
                ],
            ),
            (
                "pt_gauge{instance=\"b\", job=\"x\"}".to_string(),
                vec![format!("4 @[{}]", s + 15), format!("-0.25 @[{}]", s + 30)],
            ),
        ],
        "promtool query range pt_gauge:\n{out}"
    );

    // Range query on a tenant base, JSON output.
    let out = promtool_ok(&args(&[
        "query",
        "range",
        "-o",
        "json",
        &format!("--start={s}"),
        &format!("--end={}", s + 15),
        "--step=15s",
        &tenant5,
        "pt_tenant_only{job=\"y\"} * 2",
    ]));
    let parsed: Value = serde_json::from_str(out.trim())
        .unwrap_or_else(|e| panic!("promtool -o json printed no JSON ({e}):\n{out}"));
    assert_eq!(
        parsed,
        json!([{"metric": {"instance": "c", "job": "y"},
                "values": [[s, "200"], [s + 15, "400"]]}]),
        "promtool query range on tenant 5:\n{out}"
    );

    // Tenant isolation: the root does not see tenant 5's series, nor tenant 5
    // the root's.
    for (base, expr) in [(&root, "pt_tenant_only"), (&tenant5, "pt_gauge")] {
        let out = promtool_ok(&args(&[
            "query",
            "instant",
            &format!("--time={time}"),
            base,
            expr,
        ]));
        assert_eq!(out.trim(), "", "{expr} on {base} must be empty");
    }

    // A bad expression: non-zero exit and the server's bad_data error.
    let output = promtool(&args(&["query", "instant", &root, "sum(pt_gauge"]));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        !output.status.success(),
        "promtool must fail on a parse error; stdout {:?}",
        String::from_utf8_lossy(&output.stdout)
    );
    assert!(
        stderr.contains("bad_data"),
        "promtool reports the server's errorType bad_data: {stderr}"
    );
}
