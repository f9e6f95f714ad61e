//! PromQL answers (`/api/v1/query`, `/api/v1/query_range`) as comparable
//! data: every result series becomes a label set with `(timestamp_ms,
//! value)` points, so answers from two servers, or an answer and an
//! expectation, compare with the export helpers of [`super::api`].

use super::api::{LabelSet, Reply, SeriesMap, diff_series, try_get_within};
use super::ms_to_param;
use super::numbered::{At, Expectation};
use serde_json::Value;
use std::time::{Duration, Instant};

/// A query answer: its status, parsed result and `isPartial` flag.
#[derive(Debug, Clone)]
pub struct Answer {
    /// The raw reply.
    pub reply: Reply,
    /// How long the request took.
    pub took: Duration,
}

impl Answer {
    /// The result as series, or why the answer is not a successful one.
    pub fn result(&self) -> Result<SeriesMap, String> {
        if self.reply.status != 200 {
            return Err(format!(
                "status {}: {}",
                self.reply.status,
                self.reply.body.trim()
            ));
        }
        let json: Value = serde_json::from_str(&self.reply.body)
            .map_err(|e| format!("not JSON ({e}): {}", self.reply.body))?;
        if json["status"] != "success" {
            return Err(format!("not a success: {json}"));
        }
        parse_data(&json["data"])
    }

    /// The top-level `isPartial` field, `None` when absent.
    pub fn is_partial(&self) -> Option<bool> {
        serde_json::from_str::<Value>(&self.reply.body)
            .ok()?
            .get("isPartial")?
            .as_bool()
    }
}

/// `GET <select_base>/api/v1/query?query=..&time=..` plus `extra` pairs,
/// bounded by `timeout`. A transport error (or the timeout) is an `Err`.
pub fn instant(
    select_base: &str,
    promql: &str,
    time_ms: i64,
    extra: &[(&str, &str)],
    timeout: Duration,
) -> Result<Answer, String> {
    let time = ms_to_param(time_ms);
    let mut query = vec![("query", promql), ("time", time.as_str())];
    query.extend_from_slice(extra);
    timed(&format!("{select_base}/api/v1/query"), &query, timeout)
}

/// `GET <select_base>/api/v1/query_range` over `[start_ms, end_ms]` every
/// `step_s` seconds, plus `extra` pairs, bounded by `timeout`.
pub fn range(
    select_base: &str,
    promql: &str,
    (start_ms, end_ms): (i64, i64),
    step_s: u32,
    extra: &[(&str, &str)],
    timeout: Duration,
) -> Result<Answer, String> {
    let (start, end, step) = (
        ms_to_param(start_ms),
        ms_to_param(end_ms),
        step_s.to_string(),
    );
    let mut query = vec![
        ("query", promql),
        ("start", start.as_str()),
        ("end", end.as_str()),
        ("step", step.as_str()),
    ];
    query.extend_from_slice(extra);
    timed(
        &format!("{select_base}/api/v1/query_range"),
        &query,
        timeout,
    )
}

/// Any read-API GET, bounded by `timeout`, as an [`Answer`].
pub fn timed(url: &str, query: &[(&str, &str)], timeout: Duration) -> Result<Answer, String> {
    let started = Instant::now();
    let reply =
        try_get_within(url, query, timeout).map_err(|e| format!("GET {url} {query:?}: {e}"))?;
    Ok(Answer {
        reply,
        took: started.elapsed(),
    })
}

/// The `data` of a query answer as series. A scalar or string becomes one
/// series with no labels.
pub fn parse_data(data: &Value) -> Result<SeriesMap, String> {
    let kind = data["resultType"].as_str().unwrap_or("");
    let result = &data["result"];
    let mut out = SeriesMap::new();
    match kind {
        "vector" | "matrix" => {
            let list = result
                .as_array()
                .ok_or_else(|| format!("{kind} result is not a list: {data}"))?;
            for entry in list {
                let labels = metric_labels(&entry["metric"])?;
                let mut points = Vec::new();
                if kind == "vector" {
                    points.push(point(&entry["value"])?);
                } else {
                    let values = entry["values"]
                        .as_array()
                        .ok_or_else(|| format!("matrix entry without values: {entry}"))?;
                    for value in values {
                        points.push(point(value)?);
                    }
                }
                if out.insert(labels.clone(), points).is_some() {
                    return Err(format!("series {labels:?} appears twice in {data}"));
                }
            }
        }
        "scalar" | "string" => {
            out.insert(LabelSet::new(), vec![point(result)?]);
        }
        other => return Err(format!("unknown resultType {other:?}: {data}")),
    }
    Ok(out)
}

fn metric_labels(metric: &Value) -> Result<LabelSet, String> {
    let object = metric
        .as_object()
        .ok_or_else(|| format!("metric is not an object: {metric}"))?;
    object
        .iter()
        .map(|(n, v)| {
            v.as_str()
                .map(|v| (n.clone(), v.to_string()))
                .ok_or_else(|| format!("label {n} is not a string: {metric}"))
        })
        .collect()
}

/// `[1700000000.5, "1.25"]` as `(1700000000500, 1.25)`.
fn point(pair: &Value) -> Result<(i64, f64), String> {
    let time = pair[0]
        .as_f64()
        .ok_or_else(|| format!("point without a numeric time: {pair}"))?;
    let text = pair[1]
        .as_str()
        .ok_or_else(|| format!("point without a string value: {pair}"))?;
    let value = match text {
        "NaN" => f64::NAN,
        "+Inf" | "Inf" => f64::INFINITY,
        "-Inf" => f64::NEG_INFINITY,
        other => other
            .parse()
            .map_err(|e| format!("value {other:?} is not a number ({e})"))?,
    };
    Ok(((time * 1000.0).round() as i64, value))
}

/// Asks every query of `expectations` on `select_base` (with `extra` query
/// pairs such as `deny_partial_response=1`) and returns what differed:
/// failures, slow answers (over `bound`), `isPartial: true` and wrong data.
pub fn check_expectations(
    select_base: &str,
    expectations: &[Expectation],
    extra: &[(&str, &str)],
    bound: Duration,
) -> Vec<String> {
    let mut problems = Vec::new();
    for expectation in expectations {
        let promql = &expectation.promql;
        let answer = match expectation.at {
            At::Instant(t) => instant(select_base, promql, t, extra, bound),
            At::Range(start, end, step) => {
                range(select_base, promql, (start, end), step, extra, bound)
            }
        };
        let what = format!("{promql} ({:?}) on {select_base}", expectation.at);
        match answer {
            Err(e) => problems.push(format!("{what}: {e}")),
            Ok(answer) => {
                if answer.took > bound {
                    problems.push(format!("{what}: took {:?}", answer.took));
                }
                if answer.is_partial() == Some(true) {
                    problems.push(format!("{what}: isPartial is true"));
                }
                match answer.result() {
                    Err(e) => problems.push(format!("{what}: {e}")),
                    Ok(got) => {
                        let diffs = diff_series(&expectation.expected, &got);
                        if !diffs.is_empty() {
                            problems.push(format!(
                                "{what}: {} differences, e.g. {}",
                                diffs.len(),
                                diffs.iter().take(3).cloned().collect::<Vec<_>>().join("; ")
                            ));
                        }
                    }
                }
            }
        }
    }
    problems
}
