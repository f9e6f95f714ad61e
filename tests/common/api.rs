//! HTTP helpers for the ingestion and read APIs, shared by Estuary and the
//! VictoriaMetrics peer (same paths), and comparison of exported samples.

use super::ms_to_param;
use super::remote_write::{TimeSeries, snappy_body};
use reqwest::blocking::Client;
use serde_json::Value;
use std::collections::BTreeMap;
use std::sync::OnceLock;
use std::time::Duration;

/// A label set, ordered by name so that label order never matters.
pub type LabelSet = BTreeMap<String, String>;
/// `(timestamp_ms, value)` pairs in the order the server returned them.
pub type Samples = Vec<(i64, f64)>;
/// Exported data: every series with its samples.
pub type SeriesMap = BTreeMap<LabelSet, Samples>;

/// Differences quoted in one failure message.
const DIFFS_SHOWN_MAX: usize = 20;

/// A label set from pairs.
pub fn labels(pairs: &[(&str, &str)]) -> LabelSet {
    pairs
        .iter()
        .map(|(n, v)| (n.to_string(), v.to_string()))
        .collect()
}

/// An HTTP answer.
#[derive(Debug, Clone)]
pub struct Reply {
    /// The status code.
    pub status: u16,
    /// The body as text (lossy).
    pub body: String,
    /// The Content-Type header, empty when absent.
    pub content_type: String,
}

impl Reply {
    /// The body parsed as JSON; panics with the body when it is not JSON.
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| {
            panic!(
                "answer is not JSON ({e}): status {} body {:?}",
                self.status, self.body
            )
        })
    }
}

fn client() -> &'static Client {
    static CLIENT: OnceLock<Client> = OnceLock::new();
    CLIENT.get_or_init(|| {
        Client::builder()
            .timeout(Duration::from_secs(60))
            // Compare what the server sends, not what reqwest decodes.
            .no_gzip()
            .build()
            .expect("build HTTP client")
    })
}

fn reply(result: reqwest::Result<reqwest::blocking::Response>, what: &str) -> Reply {
    let response = result.unwrap_or_else(|e| panic!("{what}: request failed: {e}"));
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let bytes = response
        .bytes()
        .unwrap_or_else(|e| panic!("{what}: cannot read the answer body: {e}"));
    Reply {
        status,
        body: String::from_utf8_lossy(&bytes).into_owned(),
        content_type,
    }
}

/// GET `url` with query pairs (repeated names allowed).
pub fn get(url: &str, query: &[(&str, &str)]) -> Reply {
    reply(
        client().get(url).query(query).send(),
        &format!("GET {url} {query:?}"),
    )
}

/// POST `body` to `url` with query pairs and headers.
pub fn post(url: &str, query: &[(&str, &str)], headers: &[(&str, &str)], body: Vec<u8>) -> Reply {
    try_post(url, query, headers, body)
        .unwrap_or_else(|e| panic!("POST {url}: request failed: {e}"))
}

/// POST that returns transport errors instead of panicking (for servers that
/// may be dead).
pub fn try_post(
    url: &str,
    query: &[(&str, &str)],
    headers: &[(&str, &str)],
    body: Vec<u8>,
) -> Result<Reply, String> {
    let mut request = client().post(url).query(query).body(body);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    into_reply(request.send().map_err(|e| e.to_string())?)
}

/// GET with its own time bound, returning transport errors (including the
/// timeout) instead of panicking: for servers that may be dead or stopped.
pub fn try_get_within(
    url: &str,
    query: &[(&str, &str)],
    timeout: Duration,
) -> Result<Reply, String> {
    let response = client()
        .get(url)
        .query(query)
        .timeout(timeout)
        .send()
        .map_err(|e| e.to_string())?;
    into_reply(response)
}

/// POST with its own time bound, returning transport errors (including the
/// timeout) instead of panicking.
pub fn try_post_within(
    url: &str,
    headers: &[(&str, &str)],
    body: Vec<u8>,
    timeout: Duration,
) -> Result<Reply, String> {
    let mut request = client().post(url).body(body).timeout(timeout);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    into_reply(request.send().map_err(|e| e.to_string())?)
}

fn into_reply(response: reqwest::blocking::Response) -> Result<Reply, String> {
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let bytes = response.bytes().map_err(|e| e.to_string())?;
    Ok(Reply {
        status,
        body: String::from_utf8_lossy(&bytes).into_owned(),
        content_type,
    })
}

/// The headers Prometheus sends with a remote-write request.
pub const PROMETHEUS_HEADERS: [(&str, &str); 3] = [
    ("Content-Type", "application/x-protobuf"),
    ("Content-Encoding", "snappy"),
    ("X-Prometheus-Remote-Write-Version", "0.1.0"),
];

/// Sends a snappy remote-write request, as Prometheus does.
pub fn remote_write(url: &str, timeseries: Vec<TimeSeries>) -> Reply {
    post(url, &[], &PROMETHEUS_HEADERS, snappy_body(timeseries))
}

/// Imports JSON lines (`/api/v1/import`).
pub fn import_json(url: &str, lines: &str) -> Reply {
    post(url, &[], &[], lines.as_bytes().to_vec())
}

/// Imports Prometheus text exposition (`/api/v1/import/prometheus`).
pub fn import_text(url: &str, text: &str) -> Reply {
    post(url, &[], &[], text.as_bytes().to_vec())
}

/// Asserts a successful ingestion: 204 with an empty body.
pub fn assert_ingested(reply: &Reply, what: &str) {
    assert_eq!(
        reply.status, 204,
        "{what}: expected 204, got {} with body {:?}",
        reply.status, reply.body
    );
    assert!(
        reply.body.is_empty(),
        "{what}: expected an empty body, got {:?}",
        reply.body
    );
}

/// `/internal/force_flush` on the server at `base` (the root, not a tenant
/// path): makes everything ingested so far searchable.
pub fn force_flush(base: &str) {
    let reply = get(&format!("{base}/internal/force_flush"), &[]);
    assert_eq!(reply.status, 200, "force_flush on {base}: {reply:?}");
}

fn range_params(range: Option<(i64, i64)>) -> Vec<(&'static str, String)> {
    match range {
        Some((start, end)) => vec![("start", ms_to_param(start)), ("end", ms_to_param(end))],
        None => Vec::new(),
    }
}

fn query_pairs<'a>(
    matches: &'a [&'a str],
    extra: &'a [(&'static str, String)],
) -> Vec<(&'a str, &'a str)> {
    let mut pairs: Vec<(&str, &str)> = matches.iter().map(|m| ("match[]", *m)).collect();
    pairs.extend(extra.iter().map(|(n, v)| (*n, v.as_str())));
    pairs
}

/// `<select_base>/api/v1/export` with `match[]` selectors and an optional
/// `(start_ms, end_ms)` range, parsed. Panics unless the answer is 200.
pub fn export(select_base: &str, matches: &[&str], range: Option<(i64, i64)>) -> SeriesMap {
    let extra = range_params(range);
    let url = format!("{select_base}/api/v1/export");
    let reply = get(&url, &query_pairs(matches, &extra));
    assert_eq!(
        reply.status, 200,
        "GET {url} match[]={matches:?} range={range:?}: {reply:?}"
    );
    parse_export(&reply.body)
}

/// Parses JSON-lines export output; samples of one series may span lines.
pub fn parse_export(body: &str) -> SeriesMap {
    let mut out = SeriesMap::new();
    for (index, line) in body.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let object: Value = serde_json::from_str(line)
            .unwrap_or_else(|e| panic!("export line {} is not JSON ({e}): {line:?}", index + 1));
        let metric = object["metric"]
            .as_object()
            .unwrap_or_else(|| panic!("export line without metric: {line}"));
        let labels: LabelSet = metric
            .iter()
            .map(|(n, v)| {
                (
                    n.clone(),
                    v.as_str()
                        .unwrap_or_else(|| panic!("non-string label in {line}"))
                        .to_string(),
                )
            })
            .collect();
        let values = object["values"]
            .as_array()
            .unwrap_or_else(|| panic!("export line without values: {line}"));
        let timestamps = object["timestamps"]
            .as_array()
            .unwrap_or_else(|| panic!("export line without timestamps: {line}"));
        assert_eq!(
            values.len(),
            timestamps.len(),
            "values and timestamps differ in length: {line}"
        );
        let samples = out.entry(labels).or_default();
        for (value, timestamp) in values.iter().zip(timestamps) {
            let timestamp = timestamp
                .as_i64()
                .unwrap_or_else(|| panic!("timestamp {timestamp} is not an integer: {line}"));
            samples.push((timestamp, export_value(value, line)));
        }
    }
    out
}

fn export_value(value: &Value, line: &str) -> f64 {
    match value {
        Value::Null => f64::NAN,
        Value::Number(n) => n
            .as_f64()
            .unwrap_or_else(|| panic!("value {n} is not a float: {line}")),
        Value::String(s) if s == "Infinity" => f64::INFINITY,
        Value::String(s) if s == "-Infinity" => f64::NEG_INFINITY,
        other => panic!("unexpected value {other} in export line {line}"),
    }
}

/// The `data` of a successful JSON read-API answer; panics otherwise.
pub fn success_data(reply: &Reply, what: &str) -> Value {
    assert_eq!(reply.status, 200, "{what}: {reply:?}");
    let json = reply.json();
    assert_eq!(json["status"], "success", "{what}: {json}");
    json["data"].clone()
}

/// `<select_base>/api/v1/series`: the label sets, in the order returned.
pub fn series_api(select_base: &str, matches: &[&str], range: Option<(i64, i64)>) -> Vec<LabelSet> {
    let extra = range_params(range);
    let url = format!("{select_base}/api/v1/series");
    let data = success_data(
        &get(&url, &query_pairs(matches, &extra)),
        &format!("series {matches:?} {range:?}"),
    );
    let list = data
        .as_array()
        .unwrap_or_else(|| panic!("series data is not a list: {data}"));
    list.iter()
        .map(|object| {
            object
                .as_object()
                .unwrap_or_else(|| panic!("series entry is not an object: {object}"))
                .iter()
                .map(|(n, v)| {
                    (
                        n.clone(),
                        v.as_str()
                            .unwrap_or_else(|| panic!("non-string label value {v}"))
                            .to_string(),
                    )
                })
                .collect()
        })
        .collect()
}

/// `<select_base>/api/v1/labels`: the names, in the order returned.
pub fn labels_api(select_base: &str, matches: &[&str], range: Option<(i64, i64)>) -> Vec<String> {
    let extra = range_params(range);
    let url = format!("{select_base}/api/v1/labels");
    string_list(success_data(
        &get(&url, &query_pairs(matches, &extra)),
        &format!("labels {matches:?} {range:?}"),
    ))
}

/// `<select_base>/api/v1/label/<name>/values`: the values, in the order returned.
pub fn label_values_api(
    select_base: &str,
    name: &str,
    matches: &[&str],
    range: Option<(i64, i64)>,
) -> Vec<String> {
    let extra = range_params(range);
    let url = format!("{select_base}/api/v1/label/{name}/values");
    string_list(success_data(
        &get(&url, &query_pairs(matches, &extra)),
        &format!("label {name} values {matches:?}"),
    ))
}

fn string_list(data: Value) -> Vec<String> {
    data.as_array()
        .unwrap_or_else(|| panic!("data is not a list: {data}"))
        .iter()
        .map(|v| {
            v.as_str()
                .unwrap_or_else(|| panic!("non-string entry {v}"))
                .to_string()
        })
        .collect()
}

/// Whether two values are the same sample value (NaN equals NaN: export
/// cannot tell NaN payloads apart).
pub fn same_value(a: f64, b: f64) -> bool {
    (a.is_nan() && b.is_nan()) || a == b
}

/// Whether two sample lists are equal, element by element.
pub fn same_samples(a: &Samples, b: &Samples) -> bool {
    a.len() == b.len()
        && a.iter()
            .zip(b)
            .all(|(x, y)| x.0 == y.0 && same_value(x.1, y.1))
}

/// Human-readable differences between two exports (at most a screenful).
pub fn diff_series(expected: &SeriesMap, actual: &SeriesMap) -> Vec<String> {
    let mut diffs = Vec::new();
    for (labels, want) in expected {
        match actual.get(labels) {
            None => diffs.push(format!(
                "missing series {labels:?} (expected {} samples)",
                want.len()
            )),
            Some(got) if !same_samples(want, got) => diffs.push(format!(
                "series {labels:?}: expected {}, got {}",
                show(want),
                show(got)
            )),
            Some(_) => {}
        }
    }
    for (labels, got) in actual {
        if !expected.contains_key(labels) {
            diffs.push(format!("unexpected series {labels:?} with {}", show(got)));
        }
    }
    diffs
}

/// Panics with the differences when `actual` differs from `expected`.
pub fn assert_series_eq(expected: &SeriesMap, actual: &SeriesMap, what: &str) {
    let diffs = diff_series(expected, actual);
    if !diffs.is_empty() {
        let shown: Vec<&String> = diffs.iter().take(DIFFS_SHOWN_MAX).collect();
        panic!(
            "{what}: {} differences:\n{}",
            diffs.len(),
            shown
                .iter()
                .map(|d| format!("  {d}"))
                .collect::<Vec<_>>()
                .join("\n")
        );
    }
}

/// Samples shortened for messages.
pub fn show(samples: &Samples) -> String {
    const SHOWN: usize = 8;
    let head: Vec<String> = samples
        .iter()
        .take(SHOWN)
        .map(|(t, v)| format!("{t}:{v}"))
        .collect();
    if samples.len() > SHOWN {
        format!("{} samples [{} ...]", samples.len(), head.join(", "))
    } else {
        format!("[{}]", head.join(", "))
    }
}

/// One line of the `/metrics` exposition.
#[derive(Debug, Clone)]
pub struct MetricLine {
    /// The metric name.
    pub name: String,
    /// Its labels.
    pub labels: LabelSet,
    /// Its value.
    pub value: f64,
}

/// `/metrics` of the server at `base`, parsed.
pub fn self_metrics(base: &str) -> Vec<MetricLine> {
    let reply = get(&format!("{base}/metrics"), &[]);
    assert_eq!(reply.status, 200, "GET {base}/metrics: {reply:?}");
    reply
        .body
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(parse_metric_line)
        .collect()
}

/// The sum of every series named `name` whose labels include `filter`; 0 when
/// none exists yet (counters appear on first use).
pub fn self_metric_sum(base: &str, name: &str, filter: &[(&str, &str)]) -> f64 {
    metric_sum(&self_metrics(base), name, filter)
}

/// The sum of every line of `metrics` named `name` whose labels include
/// `filter`; 0 when there is none.
pub fn metric_sum(metrics: &[MetricLine], name: &str, filter: &[(&str, &str)]) -> f64 {
    metrics
        .iter()
        .filter(|m| {
            m.name == name
                && filter
                    .iter()
                    .all(|(n, v)| m.labels.get(*n).map(String::as_str) == Some(*v))
        })
        .map(|m| m.value)
        .sum()
}

fn parse_metric_line(line: &str) -> MetricLine {
    let name_end = line
        .find(['{', ' '])
        .unwrap_or_else(|| panic!("metrics line without value: {line:?}"));
    let name = line[..name_end].to_string();
    let mut labels = LabelSet::new();
    let mut rest = &line[name_end..];
    if let Some(inner) = rest.strip_prefix('{') {
        let mut chars = inner.char_indices();
        let mut label_name = String::new();
        let end;
        loop {
            let (i, c) = chars
                .next()
                .unwrap_or_else(|| panic!("unterminated labels: {line:?}"));
            match c {
                '}' => {
                    end = i + 1;
                    break;
                }
                ',' | ' ' => {}
                '=' => {
                    let (_, quote) = chars
                        .next()
                        .unwrap_or_else(|| panic!("label without value: {line:?}"));
                    assert_eq!(quote, '"', "label value not quoted: {line:?}");
                    let mut value = String::new();
                    loop {
                        let (_, c) = chars
                            .next()
                            .unwrap_or_else(|| panic!("unterminated label value: {line:?}"));
                        match c {
                            '"' => break,
                            '\\' => match chars.next().map(|(_, c)| c) {
                                Some('n') => value.push('\n'),
                                Some(other) => value.push(other),
                                None => panic!("dangling escape: {line:?}"),
                            },
                            other => value.push(other),
                        }
                    }
                    labels.insert(std::mem::take(&mut label_name), value);
                }
                other => label_name.push(other),
            }
        }
        rest = &inner[end..];
    }
    let value_text = rest
        .split_whitespace()
        .next()
        .unwrap_or_else(|| panic!("metrics line without value: {line:?}"));
    let value = match value_text {
        "+Inf" | "Inf" => f64::INFINITY,
        "-Inf" => f64::NEG_INFINITY,
        "NaN" => f64::NAN,
        text => text
            .parse()
            .unwrap_or_else(|e| panic!("bad value {text:?} ({e}) in {line:?}")),
    };
    MetricLine {
        name,
        labels,
        value,
    }
}

/// GET `url` with query pairs and extra request headers (e.g. the ones
/// Grafana adds).
pub fn get_with_headers(url: &str, query: &[(&str, &str)], headers: &[(&str, &str)]) -> Reply {
    let mut request = client().get(url).query(query);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    reply(request.send(), &format!("GET {url} {query:?}"))
}

/// Percent-encodes `text` for `application/x-www-form-urlencoded` (every byte
/// outside `A-Za-z0-9-._~` becomes `%XX`, so `+` is sent as `%2B`).
pub fn form_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// POSTs `form` as an `application/x-www-form-urlencoded` body, with extra
/// headers, as Grafana and the Prometheus Go client send queries.
pub fn post_form(url: &str, form: &[(&str, &str)], headers: &[(&str, &str)]) -> Reply {
    let body = form
        .iter()
        .map(|(n, v)| format!("{}={}", form_encode(n), form_encode(v)))
        .collect::<Vec<_>>()
        .join("&");
    let mut all_headers = vec![("Content-Type", "application/x-www-form-urlencoded")];
    all_headers.extend_from_slice(headers);
    post(url, &[], &all_headers, body.into_bytes())
}
