//! The benchmark's HTTP client: sends the remote-write bodies with a few
//! concurrent connections, calls the admin endpoints and counts what a server
//! exports.

use bytes::Bytes;
use reqwest::blocking::Client;
use std::collections::HashSet;
use std::io::{BufRead, BufReader};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// Longest any one call may take: a force merge or a full export of a large
/// data set on a busy two-core machine takes minutes.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(900);

/// A client with keep-alive connections and a generous timeout.
pub fn http_client() -> Client {
    Client::builder()
        .timeout(REQUEST_TIMEOUT)
        .build()
        .expect("build the HTTP client")
}

/// What sending all bodies gave.
#[derive(Debug, Clone)]
pub struct SendOutcome {
    /// Requests answered 2xx.
    pub ok_count: u64,
    /// Requests that failed or got another status.
    pub failed_count: u64,
    /// The first failure, for the report.
    pub first_error: Option<String>,
    /// From the first request sent to the last answer.
    pub wall: Duration,
}

/// Sends every body to `{base_url}/api/v1/write` from `threads` threads, each
/// taking the next unsent body, so bodies go out about in order. With several
/// `base_urls` (one cluster behind several insert nodes) the threads take
/// them in turn: thread `i` writes to `base_urls[i % len]`.
pub fn send_all(
    client: &Client,
    base_urls: &[String],
    bodies: &[Bytes],
    threads: usize,
) -> SendOutcome {
    assert!(!base_urls.is_empty(), "BUG: no server to send to");
    let urls: Vec<String> = base_urls
        .iter()
        .map(|base_url| format!("{base_url}/api/v1/write"))
        .collect();
    let next = AtomicUsize::new(0);
    let ok_count = AtomicU64::new(0);
    let failed_count = AtomicU64::new(0);
    let first_error = Mutex::new(None);
    let started = Instant::now();
    std::thread::scope(|scope| {
        for thread in 0..threads.max(1) {
            let url = &urls[thread % urls.len()];
            let (next, ok_count, failed_count, first_error) =
                (&next, &ok_count, &failed_count, &first_error);
            scope.spawn(move || {
                while let Some(body) = bodies.get(next.fetch_add(1, Ordering::Relaxed)) {
                    match send_one(client, url, body.clone()) {
                        Ok(()) => ok_count.fetch_add(1, Ordering::Relaxed),
                        Err(error) => {
                            let mut first = first_error.lock().expect("error slot poisoned");
                            first.get_or_insert(error);
                            failed_count.fetch_add(1, Ordering::Relaxed)
                        }
                    };
                }
            });
        }
    });
    SendOutcome {
        ok_count: ok_count.into_inner(),
        failed_count: failed_count.into_inner(),
        first_error: first_error.into_inner().expect("error slot poisoned"),
        wall: started.elapsed(),
    }
}

/// One remote-write request, as Prometheus sends it.
fn send_one(client: &Client, url: &str, body: Bytes) -> Result<(), String> {
    let response = client
        .post(url)
        .header("Content-Encoding", "snappy")
        .header("Content-Type", "application/x-protobuf")
        .header("X-Prometheus-Remote-Write-Version", "0.1.0")
        .body(body)
        .send()
        .map_err(|e| format!("POST {url}: {e}"))?;
    check_status(response, url)
}

/// Calls an admin endpoint such as `/internal/force_flush` and waits for the answer.
pub fn admin(client: &Client, base_url: &str, path: &str) -> Result<(), String> {
    let url = format!("{base_url}{path}");
    let response = client
        .get(&url)
        .send()
        .map_err(|e| format!("GET {url}: {e}"))?;
    check_status(response, &url)
}

fn check_status(response: reqwest::blocking::Response, url: &str) -> Result<(), String> {
    let status = response.status();
    if status.is_success() {
        return Ok(());
    }
    let body = response.text().unwrap_or_default();
    Err(format!("{url}: {status}: {}", body.trim()))
}

/// What `/api/v1/export` returned.
#[derive(Debug, Clone, Copy)]
pub struct ExportCount {
    /// Distinct label sets.
    pub series_count: u64,
    /// Samples over all lines.
    pub sample_count: u64,
}

/// Exports every series in `[start_ms, end_ms]` and counts series and samples,
/// reading the JSON lines as they stream in.
pub fn count_export(
    client: &Client,
    base_url: &str,
    start_ms: i64,
    end_ms: i64,
) -> Result<ExportCount, String> {
    let url = format!("{base_url}/api/v1/export");
    let response = client
        .get(&url)
        .query(&[
            ("match[]", "{__name__=~\".+\"}".to_string()),
            ("start", format!("{:.3}", start_ms as f64 / 1000.0)),
            ("end", format!("{:.3}", end_ms as f64 / 1000.0)),
        ])
        .send()
        .map_err(|e| format!("GET {url}: {e}"))?;
    let status = response.status();
    if !status.is_success() {
        let body = response.text().unwrap_or_default();
        return Err(format!("{url}: {status}: {}", body.trim()));
    }
    let mut series = HashSet::new();
    let mut sample_count = 0u64;
    for (number, line) in BufReader::new(response).lines().enumerate() {
        let line = line.map_err(|e| format!("{url}: read line {}: {e}", number + 1))?;
        if line.trim().is_empty() {
            continue;
        }
        let (metric, samples) =
            parse_export_line(&line).map_err(|e| format!("{url}: line {}: {e}", number + 1))?;
        series.insert(metric);
        sample_count += samples;
    }
    Ok(ExportCount {
        series_count: series.len() as u64,
        sample_count,
    })
}

/// One export line: `{"metric":{...},"values":[...],"timestamps":[...]}`.
/// Returns the metric (as its JSON text) and the number of samples.
fn parse_export_line(line: &str) -> Result<(String, u64), String> {
    let value: serde_json::Value = serde_json::from_str(line).map_err(|e| e.to_string())?;
    let length = |key: &str| {
        value
            .get(key)
            .and_then(|v| v.as_array())
            .map(|a| a.len() as u64)
            .ok_or_else(|| format!("no {key} array"))
    };
    let (values, timestamps) = (length("values")?, length("timestamps")?);
    if values != timestamps {
        return Err(format!("{values} values but {timestamps} timestamps"));
    }
    let metric = value.get("metric").ok_or("no metric object")?.to_string();
    Ok((metric, values))
}
