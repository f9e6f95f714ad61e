//! Differential PromQL test: the same deterministic data (counters with
//! resets, gauges, classic histograms, series that start late, stop early or
//! go stale through an explicit staleness marker) is remote-written to Estuary
//! and to Debian's Prometheus 2.42, then a large set of expressions is
//! evaluated on both as instant queries at several times and as range queries
//! at 15 s and 60 s steps. Every answer must be the same: result type, label
//! sets, timestamps, and values within a relative tolerance of 1e-6 (NaN
//! equals NaN). All mismatches are collected and listed.

mod common;

use common::api::{LabelSet, Reply, force_flush, get, remote_write};
use common::estuary::Estuary;
use common::remote_write::{TimeSeries, series};
use common::{Rng, eventually, ms_to_param, now_ms, peers};
use serde_json::Value;
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

/// Fixed seed: the data is the same on every run.
const SEED: u64 = 0x5eed_e57a_2024;
/// Sample interval of every series.
const STEP_MS: i64 = 15_000;
/// Samples per full-length series: 50 minutes at 15 s.
const POINTS: i64 = 201;
/// The newest sample is this far before now, so that evaluation times after
/// the data (to see series go stale) are still in the past.
const END_LAG_MS: i64 = 6 * 60_000;
/// Series per remote-write request.
const SERIES_PER_REQUEST: usize = 16;
/// Relative tolerance for values.
const REL_TOLERANCE: f64 = 1e-6;
/// Detail lines quoted per mismatching evaluation.
const DETAILS_PER_MISMATCH: usize = 4;

/// The staleness marker Prometheus writes when a series disappears.
fn stale_nan() -> f64 {
    f64::from_bits(0x7ff0_0000_0000_0002)
}

/// The generated data.
struct Data {
    series: Vec<TimeSeries>,
    /// Samples that are not staleness markers.
    real_samples: usize,
    /// First and last sample times of full-length series.
    t0: i64,
    t_end: i64,
}

struct Builder {
    rng: Rng,
    t0: i64,
    out: Vec<TimeSeries>,
    real_samples: usize,
}

impl Builder {
    /// The timestamp of point `i`, optionally jittered by 0..=3 whole seconds.
    fn ts(&mut self, i: i64, jitter: bool) -> i64 {
        let extra = if jitter {
            self.rng.range(0, 4) as i64 * 1000
        } else {
            0
        };
        self.t0 + i * STEP_MS + extra
    }

    fn push(&mut self, labels: &[(&str, &str)], samples: Vec<(i64, f64)>) {
        let stale = stale_nan().to_bits();
        self.real_samples += samples.iter().filter(|(_, v)| v.to_bits() != stale).count();
        self.out.push(series(labels, &samples));
    }

    /// A counter: integer and binary-fraction increments, occasional resets.
    fn counter(&mut self, labels: &[(&str, &str)], jitter: bool, points: std::ops::Range<i64>) {
        let mut value = self.rng.range(0, 1000) as f64;
        let mut samples = Vec::new();
        for i in points {
            if self.rng.range(0, 50) == 0 {
                value = self.rng.range(0, 10) as f64;
            } else {
                value += self.rng.range(0, 40) as f64 + self.rng.range(0, 8) as f64 / 8.0;
            }
            let t = self.ts(i, jitter);
            samples.push((t, value));
        }
        self.push(labels, samples);
    }

    /// A gauge: a random walk around `center` with steps up to `spread`.
    fn gauge(&mut self, labels: &[(&str, &str)], center: f64, spread: f64, jitter: bool) {
        let mut value = center;
        let mut samples = Vec::new();
        for i in 0..POINTS {
            let step = (self.rng.range(0, 2001) as f64 - 1000.0) / 1000.0 * spread;
            value += step;
            // Pull back towards the center now and then.
            if self.rng.range(0, 10) == 0 {
                value = (value + center) / 2.0;
            }
            let value = (value * 100.0).round() / 100.0;
            let t = self.ts(i, jitter);
            samples.push((t, value));
        }
        self.push(labels, samples);
    }
}

const JOBS: [&str; 3] = ["api", "db", "cache"];
const INSTANCES: [&str; 3] = ["host-1:9100", "host-2:9100", "host-3:9100"];
const BUCKETS: [&str; 7] = ["0.05", "0.1", "0.25", "0.5", "1", "2.5", "+Inf"];

fn generate(t_end: i64) -> Data {
    let t0 = t_end - (POINTS - 1) * STEP_MS;
    let mut b = Builder {
        rng: Rng::with_seed(SEED),
        t0,
        out: Vec::new(),
        real_samples: 0,
    };

    // Counters: 3 jobs x 3 instances x 2 (method, code); "db" is jittered.
    for job in JOBS {
        for instance in INSTANCES {
            for (method, code) in [("GET", "200"), ("POST", "500")] {
                let labels = [
                    ("__name__", "http_requests_total"),
                    ("job", job),
                    ("instance", instance),
                    ("method", method),
                    ("code", code),
                ];
                b.counter(&labels, job == "db", 0..POINTS);
            }
        }
    }
    // Gauges: temperature (can go negative) and memory.
    for job in JOBS {
        for instance in INSTANCES {
            let base = [("job", job), ("instance", instance)];
            let mut labels = vec![("__name__", "temperature_celsius")];
            labels.extend(base);
            b.gauge(&labels, 12.0, 3.0, job == "cache");
            let mut labels = vec![("__name__", "memory_usage_bytes")];
            labels.extend(base);
            b.gauge(&labels, 5e8, 2e7, false);
        }
    }
    // Classic histograms for "api" and "db": cumulative buckets, sum, count,
    // with occasional resets of the whole histogram.
    for job in ["api", "db"] {
        for instance in INSTANCES {
            let mut counts = [0u64; 7];
            let mut sum = 0.0f64;
            let mut bucket_samples: Vec<Vec<(i64, f64)>> = vec![Vec::new(); 7];
            let mut sum_samples = Vec::new();
            let mut count_samples = Vec::new();
            for i in 0..POINTS {
                if b.rng.range(0, 70) == 0 {
                    counts = [0; 7];
                    sum = 0.0;
                }
                for _ in 0..b.rng.range(0, 25) {
                    // Skewed towards the small buckets.
                    let slot = (b.rng.range(0, 7) * b.rng.range(0, 7) / 6) as usize;
                    for count in counts.iter_mut().skip(slot) {
                        *count += 1;
                    }
                    sum += [0.03, 0.07, 0.2, 0.4, 0.8, 2.0, 4.0][slot];
                }
                let t = b.ts(i, job == "db");
                for (k, count) in counts.iter().enumerate() {
                    bucket_samples[k].push((t, *count as f64));
                }
                sum_samples.push((t, (sum * 1000.0).round() / 1000.0));
                count_samples.push((t, counts[6] as f64));
            }
            for (k, samples) in bucket_samples.into_iter().enumerate() {
                b.push(
                    &[
                        ("__name__", "request_duration_seconds_bucket"),
                        ("job", job),
                        ("instance", instance),
                        ("le", BUCKETS[k]),
                    ],
                    samples,
                );
            }
            b.push(
                &[
                    ("__name__", "request_duration_seconds_sum"),
                    ("job", job),
                    ("instance", instance),
                ],
                sum_samples,
            );
            b.push(
                &[
                    ("__name__", "request_duration_seconds_count"),
                    ("job", job),
                    ("instance", instance),
                ],
                count_samples,
            );
        }
    }
    // Batch workers: late start, early stop with a staleness marker, early
    // stop without one, and a gap closed by a marker then resumed.
    let name = ("__name__", "batch_processed_total");
    let job = ("job", "batch");
    b.counter(&[name, job, ("instance", "worker-1")], false, 80..POINTS);
    for (instance, range, marker) in [("worker-2", 0..120, true), ("worker-3", 40..150, false)] {
        let mut value = 0.0;
        let mut samples = Vec::new();
        for i in range.clone() {
            value += b.rng.range(1, 30) as f64;
            samples.push((b.ts(i, false), value));
        }
        if marker {
            samples.push((b.ts(range.end, false), stale_nan()));
        }
        b.push(&[name, job, ("instance", instance)], samples);
    }
    // Queue depth gauges that flap: a staleness marker, a gap, then data again.
    for (instance, gap) in [("worker-1", 60..100), ("worker-2", 130..140)] {
        let mut samples = Vec::new();
        for i in 0..POINTS {
            if i == gap.start {
                samples.push((b.ts(i, false), stale_nan()));
            } else if !gap.contains(&i) {
                samples.push((b.ts(i, false), b.rng.range(0, 500) as f64));
            }
        }
        b.push(
            &[("__name__", "queue_depth"), job, ("instance", instance)],
            samples,
        );
    }
    // A gauge holding ordinary NaN and infinite values now and then (not
    // staleness markers: they are real samples).
    let mut samples = Vec::new();
    for i in 0..POINTS {
        let value = match b.rng.range(0, 12) {
            0 => f64::NAN,
            1 => f64::INFINITY,
            2 => f64::NEG_INFINITY,
            _ => b.rng.range(0, 1000) as f64 / 4.0,
        };
        samples.push((b.ts(i, false), value));
    }
    b.push(
        &[("__name__", "ratio"), job, ("instance", "worker-1")],
        samples,
    );
    Data {
        series: b.out,
        real_samples: b.real_samples,
        t0,
        t_end,
    }
}

/// One expression; `range` says whether it is also run as a range query
/// (expressions of range-vector type are instant-only).
struct Query {
    expr: String,
    range: bool,
}

fn queries(t0: i64) -> Vec<Query> {
    let at = ms_to_param(t0 + 20 * 60_000);
    let both = [
        // Selectors with every matcher kind.
        "http_requests_total",
        r#"http_requests_total{job="api"}"#,
        r#"http_requests_total{job!="api", method="GET"}"#,
        r#"http_requests_total{instance=~"host-[12]:9100"}"#,
        r#"http_requests_total{method!~"G.*", job=~"db|cache"}"#,
        r#"{__name__=~"temperature_.*|memory_.*", instance="host-3:9100"}"#,
        r#"{job="batch"}"#,
        "batch_processed_total",
        "queue_depth",
        "temperature_celsius offset 5m",
        "temperature_celsius offset 1h",
        "temperature_celsius @ start()",
        "temperature_celsius @ end()",
        "&AT", // temperature_celsius @ <absolute time>
        // Rate family.
        "rate(http_requests_total[1m])",
        "rate(http_requests_total[5m])",
        "rate(http_requests_total[5m] offset 10m)",
        "irate(http_requests_total[5m])",
        "increase(http_requests_total[10m])",
        "rate(batch_processed_total[3m])",
        "increase(batch_processed_total[15m])",
        "delta(temperature_celsius[5m])",
        "idelta(temperature_celsius[5m])",
        "deriv(memory_usage_bytes[10m])",
        "predict_linear(memory_usage_bytes[10m], 600)",
        "holt_winters(temperature_celsius[10m], 0.5, 0.3)",
        "resets(http_requests_total[20m])",
        "changes(queue_depth[10m])",
        "changes(temperature_celsius[10m])",
        // *_over_time.
        "avg_over_time(temperature_celsius[5m])",
        "min_over_time(temperature_celsius[7m])",
        "max_over_time(queue_depth[10m])",
        "sum_over_time(queue_depth[3m])",
        "count_over_time(batch_processed_total[10m])",
        "last_over_time(queue_depth[10m])",
        "stddev_over_time(temperature_celsius[10m])",
        "stdvar_over_time(memory_usage_bytes[10m])",
        "quantile_over_time(0.9, temperature_celsius[10m])",
        "quantile_over_time(0, queue_depth[5m])",
        "quantile_over_time(0.5, http_requests_total[5m])",
        "present_over_time(batch_processed_total[5m])",
        "absent_over_time(batch_processed_total[5m])",
        "absent_over_time(no_such_metric[5m])",
        r#"absent_over_time(queue_depth{instance="worker-1"}[3m])"#,
        // Aggregations.
        "sum(http_requests_total)",
        "sum by (job) (rate(http_requests_total[5m]))",
        "sum without (instance) (rate(http_requests_total[5m]))",
        "avg by (job) (temperature_celsius)",
        "min by (instance) (temperature_celsius)",
        "max without (job) (temperature_celsius)",
        "count by (job) (http_requests_total)",
        "count(batch_processed_total)",
        "group by (job) (http_requests_total)",
        "stddev by (job) (temperature_celsius)",
        "stdvar(temperature_celsius)",
        r#"count_values("code_count", http_requests_total % 5)"#,
        r#"count_values by (job) ("depth", floor(queue_depth / 100))"#,
        "topk(3, temperature_celsius)",
        "topk by (job) (1, rate(http_requests_total[5m]))",
        "bottomk(2, memory_usage_bytes)",
        "bottomk without (instance) (1, temperature_celsius)",
        "quantile(0.5, temperature_celsius)",
        "quantile by (job) (0.9, rate(http_requests_total[5m]))",
        // Binary operators.
        "http_requests_total / 2",
        "temperature_celsius > 12",
        "temperature_celsius > bool 12",
        "2 * temperature_celsius - 1",
        "-temperature_celsius",
        "temperature_celsius % 7",
        "temperature_celsius ^ 2",
        "2 ^ 3 ^ 2",
        "temperature_celsius atan2 memory_usage_bytes",
        "memory_usage_bytes / on(job, instance) temperature_celsius",
        "temperature_celsius == bool on(job, instance) temperature_celsius",
        "sum by (job, instance) (rate(http_requests_total[5m])) / ignoring(method) memory_usage_bytes",
        "rate(http_requests_total[5m]) / ignoring(method, code) group_left memory_usage_bytes",
        "memory_usage_bytes * on(job, instance) group_right rate(http_requests_total[5m])",
        "rate(http_requests_total[5m]) * on(job, instance) group_left(le) request_duration_seconds_bucket{le=\"+Inf\"}",
        "temperature_celsius and memory_usage_bytes > 5e8",
        "temperature_celsius and on(job) (temperature_celsius > 13)",
        "batch_processed_total or queue_depth",
        r#"temperature_celsius unless on(instance) temperature_celsius{job="api"} > 12"#,
        "queue_depth unless batch_processed_total",
        // Histograms.
        "histogram_quantile(0.9, rate(request_duration_seconds_bucket[5m]))",
        "histogram_quantile(0.5, sum by (job, le) (rate(request_duration_seconds_bucket[5m])))",
        "histogram_quantile(0.99, sum by (le) (increase(request_duration_seconds_bucket[10m])))",
        "rate(request_duration_seconds_sum[5m]) / rate(request_duration_seconds_count[5m])",
        // Labels.
        r#"label_replace(temperature_celsius, "host", "$1", "instance", "(.*):.*")"#,
        r#"label_replace(temperature_celsius, "job", "x-$1", "job", "(a.*)")"#,
        r#"label_join(temperature_celsius, "job_instance", "/", "job", "instance")"#,
        // Absent.
        "absent(no_such_metric)",
        r#"absent(no_such_metric{job="x", instance=~"y"})"#,
        "absent(temperature_celsius)",
        r#"absent(batch_processed_total{instance="worker-2"})"#,
        // Sorting.
        "sort(temperature_celsius)",
        "sort_desc(sum by (job) (rate(http_requests_total[5m])))",
        // Math.
        "clamp(temperature_celsius, 10, 14)",
        "clamp_min(temperature_celsius, 12)",
        "clamp_max(temperature_celsius, 12)",
        "round(temperature_celsius)",
        "round(temperature_celsius, 0.5)",
        "abs(temperature_celsius - 12)",
        "ceil(temperature_celsius)",
        "floor(temperature_celsius)",
        "sgn(temperature_celsius - 12)",
        "sqrt(memory_usage_bytes)",
        "exp(temperature_celsius / 10)",
        "ln(memory_usage_bytes)",
        "log2(memory_usage_bytes)",
        "log10(memory_usage_bytes)",
        "sin(temperature_celsius)",
        "cos(temperature_celsius)",
        "tan(temperature_celsius)",
        "asin(clamp(temperature_celsius / 20, -1, 1))",
        "acosh(memory_usage_bytes)",
        "atanh(clamp(temperature_celsius / 30, -0.9, 0.9))",
        "deg(temperature_celsius)",
        "rad(temperature_celsius)",
        "pi()",
        // Dates.
        "hour()",
        "minute(temperature_celsius)",
        "day_of_week()",
        "day_of_month(timestamp(temperature_celsius))",
        "days_in_month()",
        "month()",
        "year()",
        "timestamp(temperature_celsius)",
        "timestamp(queue_depth)",
        // Subqueries.
        "max_over_time(rate(http_requests_total[1m])[10m:1m])",
        "avg_over_time(temperature_celsius[5m:])",
        "min_over_time(sum by (job) (temperature_celsius)[15m:30s] offset 2m)",
        "rate(sum by (job) (http_requests_total)[5m:30s])",
        // Scalars and vectors.
        "time()",
        "vector(1)",
        "vector(time()) - 100",
        r#"scalar(temperature_celsius{job="api", instance="host-1:9100"})"#,
        "scalar(temperature_celsius)",
        "temperature_celsius * scalar(count(temperature_celsius))",
        "42",
        // Edge cases: NaN and infinities, out-of-range parameters, division
        // by zero, negative offsets, boundaries of range windows.
        "ratio",
        "max_over_time(ratio[5m])",
        "min_over_time(ratio[5m])",
        "avg_over_time(ratio[2m])",
        "sum(ratio) + sum(queue_depth)",
        "ratio > 100",
        "topk(1, ratio or queue_depth)",
        "quantile_over_time(1.5, temperature_celsius[5m])",
        "quantile(-0.5, temperature_celsius)",
        "histogram_quantile(1.5, rate(request_duration_seconds_bucket[5m]))",
        "histogram_quantile(-0.1, rate(request_duration_seconds_bucket[5m]))",
        r#"histogram_quantile(0.5, rate(request_duration_seconds_bucket{le!="+Inf"}[5m]))"#,
        "temperature_celsius / 0",
        "-temperature_celsius / 0",
        "http_requests_total % 0",
        "0 / 0",
        "1 > bool 2",
        "time() % 3600",
        "minute(vector(time()))",
        "ln(temperature_celsius)",
        "sqrt(temperature_celsius - 12)",
        "clamp(temperature_celsius, 14, 10)",
        "temperature_celsius offset -2m",
        "count_over_time(temperature_celsius[1m])",
        "rate(http_requests_total[30s])",
        "increase(request_duration_seconds_count[1h])",
        "changes(batch_processed_total[10m])",
        "resets(request_duration_seconds_bucket[30m])",
        "timestamp(temperature_celsius offset 5m)",
        "last_over_time(temperature_celsius[5m] @ start())",
        "sum_over_time(temperature_celsius[10m:1m] @ end())",
        "deriv(http_requests_total[1m])",
    ];
    let instant_only = [
        r#"http_requests_total{job="db", method="GET"}[2m]"#,
        "queue_depth[20m]",
        "batch_processed_total[10m] offset 2m",
        r#"temperature_celsius{instance="host-2:9100"}[3m] @ end()"#,
        "rate(http_requests_total[5m])[5m:1m]",
        "ratio[2m]",
        r#""a string""#,
    ];
    let mut out: Vec<Query> = both
        .iter()
        .map(|e| Query {
            expr: if *e == "&AT" {
                format!("temperature_celsius @ {at}")
            } else {
                e.to_string()
            },
            range: true,
        })
        .collect();
    out.extend(instant_only.iter().map(|e| Query {
        expr: e.to_string(),
        range: false,
    }));
    out
}

/// An answer normalised for comparison.
#[derive(Debug)]
enum Answer {
    Error(String),
    Scalar(i64, f64),
    Str(i64, String),
    Vector(Vec<(LabelSet, i64, f64)>),
    Matrix(Vec<(LabelSet, Vec<(i64, f64)>)>),
}

impl Answer {
    fn kind(&self) -> &'static str {
        match self {
            Answer::Error(_) => "error",
            Answer::Scalar(..) => "scalar",
            Answer::Str(..) => "string",
            Answer::Vector(_) => "vector",
            Answer::Matrix(_) => "matrix",
        }
    }
}

fn parse_labels(value: &Value) -> Result<LabelSet, String> {
    let object = value
        .as_object()
        .ok_or_else(|| format!("metric is not an object: {value}"))?;
    object
        .iter()
        .map(|(n, v)| match v.as_str() {
            Some(s) => Ok((n.clone(), s.to_string())),
            None => Err(format!("non-string label value {v}")),
        })
        .collect()
}

fn parse_point(pair: &Value) -> Result<(i64, f64), String> {
    let seconds = pair[0]
        .as_f64()
        .ok_or_else(|| format!("timestamp is not a number: {pair}"))?;
    let text = pair[1]
        .as_str()
        .ok_or_else(|| format!("value is not a string: {pair}"))?;
    let value = match text {
        "NaN" => f64::NAN,
        "+Inf" => f64::INFINITY,
        "-Inf" => f64::NEG_INFINITY,
        other => other
            .parse::<f64>()
            .map_err(|e| format!("value {other:?}: {e}"))?,
    };
    Ok(((seconds * 1000.0).round() as i64, value))
}

fn parse_answer(reply: &Reply) -> Answer {
    let json: Value = match serde_json::from_str(&reply.body) {
        Ok(json) => json,
        Err(e) => {
            return Answer::Error(format!(
                "status {} non-JSON ({e}): {}",
                reply.status, reply.body
            ));
        }
    };
    if reply.status != 200 || json["status"] != "success" {
        return Answer::Error(format!("status {}: {}", reply.status, json["error"]));
    }
    let data = &json["data"];
    let result = &data["result"];
    let parsed: Result<Answer, String> = (|| match data["resultType"].as_str() {
        Some("scalar") => {
            let (t, v) = parse_point(result)?;
            Ok(Answer::Scalar(t, v))
        }
        Some("string") => {
            let (t, _) = parse_point(&serde_json::json!([result[0], "0"]))?;
            Ok(Answer::Str(t, result[1].as_str().unwrap_or("").to_string()))
        }
        Some("vector") => {
            let mut out = Vec::new();
            for entry in result.as_array().ok_or("vector result is not a list")? {
                let (t, v) = parse_point(&entry["value"])?;
                out.push((parse_labels(&entry["metric"])?, t, v));
            }
            Ok(Answer::Vector(out))
        }
        Some("matrix") => {
            let mut out = Vec::new();
            for entry in result.as_array().ok_or("matrix result is not a list")? {
                let points = entry["values"]
                    .as_array()
                    .ok_or_else(|| format!("matrix entry without values: {entry}"))?
                    .iter()
                    .map(parse_point)
                    .collect::<Result<Vec<_>, _>>()?;
                out.push((parse_labels(&entry["metric"])?, points));
            }
            Ok(Answer::Matrix(out))
        }
        other => Err(format!("unknown resultType {other:?}")),
    })();
    parsed.unwrap_or_else(|e| Answer::Error(format!("unparsable answer ({e}): {}", reply.body)))
}

fn close(a: f64, b: f64) -> bool {
    if a.is_nan() || b.is_nan() {
        return a.is_nan() && b.is_nan();
    }
    if a == b {
        return true;
    }
    if a.is_infinite() || b.is_infinite() {
        return false;
    }
    (a - b).abs() <= REL_TOLERANCE * a.abs().max(b.abs())
}

fn show_labels(labels: &LabelSet) -> String {
    let inner: Vec<String> = labels.iter().map(|(n, v)| format!("{n}={v:?}")).collect();
    format!("{{{}}}", inner.join(", "))
}

fn show_points(points: &[(i64, f64)]) -> String {
    const SHOWN: usize = 6;
    let head: Vec<String> = points
        .iter()
        .take(SHOWN)
        .map(|(t, v)| format!("{}:{v}", ms_to_param(*t)))
        .collect();
    let more = if points.len() > SHOWN { " ..." } else { "" };
    format!("{} points [{}{more}]", points.len(), head.join(", "))
}

/// Keyed by label set; a duplicate label set is itself a difference.
fn keyed<T>(
    items: Vec<(LabelSet, T)>,
    side: &str,
    diffs: &mut Vec<String>,
) -> BTreeMap<LabelSet, T> {
    let mut map = BTreeMap::new();
    for (labels, item) in items {
        let shown = show_labels(&labels);
        if map.insert(labels, item).is_some() {
            diffs.push(format!("{side} has duplicate series {shown}"));
        }
    }
    map
}

fn diff_points(
    labels: &LabelSet,
    want: &[(i64, f64)],
    got: &[(i64, f64)],
    diffs: &mut Vec<String>,
) {
    let same = want.len() == got.len()
        && want
            .iter()
            .zip(got)
            .all(|(w, g)| w.0 == g.0 && close(w.1, g.1));
    if same {
        return;
    }
    // Name the first differing point to make the report precise.
    let first = want
        .iter()
        .zip(got)
        .position(|(w, g)| w.0 != g.0 || !close(w.1, g.1))
        .unwrap_or(want.len().min(got.len()));
    let at = |points: &[(i64, f64)]| {
        points
            .get(first)
            .map(|(t, v)| format!("{}:{v}", ms_to_param(*t)))
            .unwrap_or_else(|| "none".to_string())
    };
    diffs.push(format!(
        "series {}: first difference at point {first}: expected {} got {}; expected {} got {}",
        show_labels(labels),
        at(want),
        at(got),
        show_points(want),
        show_points(got)
    ));
}

/// Differences between Prometheus's answer (`want`) and Estuary's (`got`).
fn diff_answers(want: Answer, got: Answer, ordered: bool) -> Vec<String> {
    let mut diffs = Vec::new();
    match (want, got) {
        (Answer::Error(_), Answer::Error(_)) => {}
        (Answer::Error(e), got) => {
            diffs.push(format!("expected an error ({e}), got a {}", got.kind()))
        }
        (want, Answer::Error(e)) => {
            diffs.push(format!("expected a {}, got an error: {e}", want.kind()))
        }
        (Answer::Scalar(wt, wv), Answer::Scalar(gt, gv)) => {
            if wt != gt || !close(wv, gv) {
                diffs.push(format!(
                    "scalar: expected {}:{wv} got {}:{gv}",
                    ms_to_param(wt),
                    ms_to_param(gt)
                ));
            }
        }
        (Answer::Str(wt, wv), Answer::Str(gt, gv)) => {
            if wt != gt || wv != gv {
                diffs.push(format!("string: expected {wt}:{wv:?} got {gt}:{gv:?}"));
            }
        }
        (Answer::Vector(want), Answer::Vector(got)) => {
            if ordered {
                let wv: Vec<f64> = want.iter().map(|x| x.2).collect();
                let gv: Vec<f64> = got.iter().map(|x| x.2).collect();
                if wv.len() != gv.len() || wv.iter().zip(&gv).any(|(a, b)| !close(*a, *b)) {
                    diffs.push(format!("order of values: expected {wv:?} got {gv:?}"));
                }
            }
            let want = keyed(
                want.into_iter().map(|(l, t, v)| (l, (t, v))).collect(),
                "Prometheus",
                &mut diffs,
            );
            let got = keyed(
                got.into_iter().map(|(l, t, v)| (l, (t, v))).collect(),
                "Estuary",
                &mut diffs,
            );
            for (labels, w) in &want {
                match got.get(labels) {
                    None => diffs.push(format!(
                        "missing series {} (expected {}:{})",
                        show_labels(labels),
                        ms_to_param(w.0),
                        w.1
                    )),
                    Some(g) => diff_points(labels, &[*w], &[*g], &mut diffs),
                }
            }
            for (labels, g) in &got {
                if !want.contains_key(labels) {
                    diffs.push(format!(
                        "unexpected series {} ({}:{})",
                        show_labels(labels),
                        ms_to_param(g.0),
                        g.1
                    ));
                }
            }
        }
        (Answer::Matrix(want), Answer::Matrix(got)) => {
            let want = keyed(want, "Prometheus", &mut diffs);
            let got = keyed(got, "Estuary", &mut diffs);
            for (labels, w) in &want {
                match got.get(labels) {
                    None => diffs.push(format!(
                        "missing series {} (expected {})",
                        show_labels(labels),
                        show_points(w)
                    )),
                    Some(g) => diff_points(labels, w, g, &mut diffs),
                }
            }
            for (labels, g) in &got {
                if !want.contains_key(labels) {
                    diffs.push(format!(
                        "unexpected series {} ({})",
                        show_labels(labels),
                        show_points(g)
                    ));
                }
            }
        }
        (want, got) => diffs.push(format!(
            "expected resultType {}, got {}",
            want.kind(),
            got.kind()
        )),
    }
    diffs
}

/// The comparison itself must see a changed value, a changed timestamp, a
/// missing series, a wrong order and a changed result type, and accept a
/// last-digit difference and NaN against NaN.
fn comparator_self_check() {
    /// `(job label, timestamp, value)` points of a one-label vector.
    type Points<'a> = &'a [(&'a str, i64, f64)];
    let labels = |v: &str| LabelSet::from([("job".to_string(), v.to_string())]);
    let vector = |points: &[(&str, i64, f64)]| {
        Answer::Vector(points.iter().map(|(l, t, v)| (labels(l), *t, *v)).collect())
    };
    let base = [("a", 1000, 1.0), ("b", 1000, f64::NAN)];
    let cases: [(Points, bool, bool); 6] = [
        (
            &[("a", 1000, 1.0 + 1e-12), ("b", 1000, f64::NAN)],
            false,
            true,
        ),
        (&[("a", 1000, 1.001), ("b", 1000, f64::NAN)], false, false),
        (&[("a", 2000, 1.0), ("b", 1000, f64::NAN)], false, false),
        (&[("a", 1000, 1.0)], false, false),
        (&[("a", 1000, 1.0), ("b", 1000, 0.0)], false, false),
        (&[("b", 1000, f64::NAN), ("a", 1000, 1.0)], true, false),
    ];
    for (i, (got, ordered, same)) in cases.into_iter().enumerate() {
        let diffs = diff_answers(vector(&base), vector(got), ordered);
        assert_eq!(
            diffs.is_empty(),
            same,
            "comparator self-check case {i}: {diffs:?}"
        );
    }
    assert!(!diff_answers(vector(&base), Answer::Scalar(1000, 1.0), false).is_empty());
    assert!(!diff_answers(vector(&base), Answer::Error("x".into()), false).is_empty());
}

/// A successful instant query's single scalar-like value (for readiness).
fn instant_value(base: &str, expr: &str, time_ms: i64) -> Result<f64, String> {
    let reply = get(
        &format!("{base}/api/v1/query"),
        &[("query", expr), ("time", &ms_to_param(time_ms))],
    );
    match parse_answer(&reply) {
        Answer::Vector(v) if v.len() == 1 => Ok(v[0].2),
        other => Err(format!("{expr}: {other:?}")),
    }
}

#[test]
fn promql_matches_prometheus() {
    let started = Instant::now();
    comparator_self_check();
    let prometheus = peers::prometheus_receiver();
    let estuary = Estuary::start();

    // Whole minutes, so that 15 s and 60 s steps both land on sample times.
    let t_end = (now_ms() - END_LAG_MS) / 60_000 * 60_000;
    let data = generate(t_end);
    let (t0, t_end) = (data.t0, data.t_end);
    eprintln!(
        "{} series, {} real samples, from {} to {}",
        data.series.len(),
        data.real_samples,
        ms_to_param(t0),
        ms_to_param(t_end)
    );

    for chunk in data.series.chunks(SERIES_PER_REQUEST) {
        for (name, url) in [
            ("Prometheus", format!("{}/api/v1/write", prometheus.base())),
            ("Estuary", estuary.url("/api/v1/write")),
        ] {
            let reply = remote_write(&url, chunk.to_vec());
            assert!(
                reply.status == 204 || reply.status == 200,
                "{name} refused a remote-write request: {} {}",
                reply.status,
                reply.body
            );
        }
    }
    force_flush(&estuary.base());

    // Both must hold every sample that is not a staleness marker.
    // Per metric name: `count_over_time` drops the name, so a single
    // `{__name__=~".+"}` would collide.
    let total = [
        "http_requests_total",
        "temperature_celsius",
        "memory_usage_bytes",
        "request_duration_seconds_bucket",
        "request_duration_seconds_sum",
        "request_duration_seconds_count",
        "batch_processed_total",
        "queue_depth",
        "ratio",
    ]
    .map(|name| format!("sum(count_over_time({name}[1h]))"))
    .join(" + ");
    let total = total.as_str();
    let probe_time = t_end + 5_000; // after the jittered last samples
    for (name, base) in [
        ("Prometheus", prometheus.base()),
        ("Estuary", estuary.base()),
    ] {
        eventually(
            Duration::from_secs(30),
            &format!("{name} holds all samples"),
            || {
                let count = instant_value(&base, total, probe_time)?;
                if count == data.real_samples as f64 {
                    Ok(())
                } else {
                    Err(format!("{count} of {} samples", data.real_samples))
                }
            },
        );
    }

    let instant_times = [
        t0,
        t0 + 9 * 60_000,
        t0 + 20 * 60_000 + 7_000,
        t0 + 33 * 60_000 + 30_000,
        t_end,
        t_end + 2 * 60_000 + 30_000,
        t_end + 5 * 60_000 + 30_000,
    ];
    let ranges = [
        (t0, t_end + 4 * 60_000, 15_000),
        (t0 + 2 * 60_000 + 7_000, t_end + 60_000, 60_000),
    ];

    let queries = queries(t0);
    let mut evaluations = 0usize;
    let mut points = 0usize;
    let mut mismatches: Vec<String> = Vec::new();
    // Evaluations where Prometheus itself answered an error or nothing: an
    // error is only compared as "both fail", so the query list must not
    // depend on them.
    let mut errors: Vec<String> = Vec::new();
    let mut empty = 0usize;
    let mut compare =
        |expr: &str, what: String, path: &str, params: Vec<(&str, String)>| -> usize {
            let pairs: Vec<(&str, &str)> = std::iter::once(("query", expr))
                .chain(params.iter().map(|(n, v)| (*n, v.as_str())))
                .collect();
            let want = parse_answer(&get(&format!("{}{path}", prometheus.base()), &pairs));
            let got = parse_answer(&get(&estuary.url(path), &pairs));
            let n = match &want {
                Answer::Vector(v) => v.len(),
                Answer::Matrix(m) => m.iter().map(|(_, p)| p.len()).sum(),
                _ => 1,
            };
            match &want {
                Answer::Error(e) => errors.push(format!("{expr} [{what}]: {e}")),
                Answer::Vector(v) if v.is_empty() => empty += 1,
                Answer::Matrix(m) if m.is_empty() => empty += 1,
                _ => {}
            }
            let ordered = expr.starts_with("sort(") || expr.starts_with("sort_desc(");
            let diffs = diff_answers(want, got, ordered);
            if !diffs.is_empty() {
                let mut text = format!("{expr}  [{what}]: {} differences", diffs.len());
                for d in diffs.iter().take(DETAILS_PER_MISMATCH) {
                    text.push_str(&format!("\n      {d}"));
                }
                mismatches.push(text);
            }
            n
        };
    for query in &queries {
        for &time in &instant_times {
            evaluations += 1;
            points += compare(
                &query.expr,
                format!("instant at {}", ms_to_param(time)),
                "/api/v1/query",
                vec![("time", ms_to_param(time))],
            );
        }
        if query.range {
            for &(start, end, step) in &ranges {
                evaluations += 1;
                points += compare(
                    &query.expr,
                    format!(
                        "range {}..{} step {}s",
                        ms_to_param(start),
                        ms_to_param(end),
                        step / 1000
                    ),
                    "/api/v1/query_range",
                    vec![
                        ("start", ms_to_param(start)),
                        ("end", ms_to_param(end)),
                        ("step", (step / 1000).to_string()),
                    ],
                );
            }
        }
    }
    eprintln!(
        "{} expressions, {evaluations} evaluations ({empty} empty), {points} expected points compared, {} mismatching evaluations, {:?}",
        queries.len(),
        mismatches.len(),
        started.elapsed()
    );
    assert!(
        errors.is_empty(),
        "Prometheus rejected {} evaluations; fix the query list:\n  {}",
        errors.len(),
        errors.join("\n  ")
    );
    assert!(
        empty * 5 < evaluations,
        "{empty} of {evaluations} evaluations are empty on Prometheus: the data does not exercise the queries"
    );
    if !mismatches.is_empty() {
        panic!(
            "{} of {evaluations} evaluations differ from Prometheus 2.42 (seed {SEED:#x}, data {}..{}):\n  {}",
            mismatches.len(),
            ms_to_param(t0),
            ms_to_param(t_end),
            mismatches.join("\n  ")
        );
    }
}
