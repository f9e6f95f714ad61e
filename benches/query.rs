//! End-to-end query benchmark: Estuary against VictoriaMetrics single-node.
//!
//! Generates the node_exporter-like data set of the load benchmark plus a
//! classic `http_request_duration_seconds` histogram per host (by default
//! 2 000 series scraped every 60 s over 23 h), encodes it as
//! remote-write bodies, then starts Estuary and VictoriaMetrics, loads the
//! same bodies into each in turn and forces a flush and a merge. With both
//! running, it runs a dashboard-like query set (`/api/v1/query_range`,
//! `/api/v1/query`, `/api/v1/label/<name>/values`) against each: every query
//! once to warm up, then `runs` rounds calling both servers back to back
//! (alternating which goes first), and compares the median
//! wall-clock latencies. VictoriaMetrics gets `nocache=1` so its rollup cache
//! does not answer the repeats. The table is printed and written to
//! `$CARGO_TARGET_DIR/query-report.json` (default `target/`).
//!
//! ```text
//! CARGO_TARGET_DIR=$HOME/.cache/estuary/target cargo bench --bench query
//! ESTUARY_QUERY_SERIES=5000 ESTUARY_QUERY_RUNS=5 cargo bench --bench query
//! ```
//!
//! Settings: `ESTUARY_QUERY_SERIES` (default 2 000), `ESTUARY_QUERY_SCRAPES`
//! (1 380), `ESTUARY_QUERY_INTERVAL_S` (60), `ESTUARY_QUERY_RUNS` (21),
//! `ESTUARY_QUERY_THREADS` (2 client connections while loading), and those of
//! the load benchmark's server module (`ESTUARY_LOAD_VM_BIN`,
//! `ESTUARY_LOAD_KEEP`).
//!
//! The target is Estuary's median at most VictoriaMetrics's on every query.
//! Misses and differing series counts are reported, not failed; a query that
//! errors on Estuary fails the run.
//!
//! Without `--bench` (as `cargo test --benches` runs it) it only builds a
//! small data set and the query list, without starting servers.
//!
//! Quantiles come both from the summary `go_gc_duration_seconds` and from
//! `histogram_quantile` over the histogram's `_bucket` rates.

#[path = "load/mod.rs"]
mod load;

use load::bench_env::{end_ms, env_usize, report_path, write_report};
use load::dataset::Dataset;
use load::remote_write::{Payloads, Schedule};
use load::server::{Peer, Server};
use load::{client, proc_stats, remote_write};
use reqwest::blocking::Client;
use serde_json::{Value, json};
use std::process::ExitCode;
use std::time::{Duration, Instant};

/// Seed of the data set (the load benchmark's).
const SEED: u64 = 0x5EED_0FE5_7AA7;
/// Series per remote-write request.
const SERIES_PER_REQUEST: usize = 5_000;
/// The oldest sample must stay inside a day, so any retention accepts it.
const SPAN_MS_MAX: i64 = 23 * 3_600_000;
/// How long flush plus merge may take to go quiet.
const SETTLE_TIMEOUT: Duration = Duration::from_secs(300);
/// Rounds per query. On a 2-core VM a sub-millisecond query's median over
/// 9 rounds moved by 20% from run to run (either server); 21 rounds take a
/// few seconds more and halve that.
const RUNS_DEFAULT: usize = 21;
/// Target: Estuary's median latency over VictoriaMetrics's.
const TARGET_RATIO: f64 = 1.0;
/// Short dashboard range and its step.
const SHORT_RANGE_S: i64 = 3_600;
const SHORT_STEP_S: i64 = 15;
/// Long dashboard range (at most) and its step.
const LONG_RANGE_S: i64 = 24 * 3_600;
const LONG_STEP_S: i64 = 300;

/// The run's sizes.
#[derive(Debug, Clone, Copy)]
struct Settings {
    series_count: usize,
    scrape_count: usize,
    interval_ms: i64,
    runs: usize,
    threads: usize,
}

impl Settings {
    fn from_env(bench_mode: bool) -> Settings {
        if !bench_mode {
            return Settings {
                series_count: 500,
                scrape_count: 3,
                interval_ms: 60_000,
                runs: 1,
                threads: 1,
            };
        }
        Settings {
            series_count: env_usize("ESTUARY_QUERY_SERIES", 2_000),
            scrape_count: env_usize("ESTUARY_QUERY_SCRAPES", 1_380),
            interval_ms: env_usize("ESTUARY_QUERY_INTERVAL_S", 60) as i64 * 1_000,
            runs: env_usize("ESTUARY_QUERY_RUNS", RUNS_DEFAULT),
            threads: env_usize("ESTUARY_QUERY_THREADS", 2),
        }
    }
}

/// What a query asks for.
#[derive(Debug, Clone)]
enum Kind {
    /// `/api/v1/query_range` over `[end - range_s, end]` at `step_s`.
    Range { range_s: i64, step_s: i64 },
    /// `/api/v1/query` at the end of the data.
    Instant,
    /// `/api/v1/label/<name>/values` over the whole data span.
    LabelValues,
}

#[derive(Debug, Clone)]
struct Query {
    name: String,
    kind: Kind,
    /// PromQL expression, or the label name for [`Kind::LabelValues`].
    text: String,
}

/// One server's answer to one query.
#[derive(Debug, Clone)]
struct Timing {
    median_ms: f64,
    min_ms: f64,
    max_ms: f64,
    /// Series (or label values) in the answer.
    result_count: usize,
}

fn main() -> ExitCode {
    let bench_mode = std::env::args().any(|arg| arg == "--bench");
    let settings = Settings::from_env(bench_mode);
    let payloads = prepare(settings);
    let span_s = settings.scrape_count as i64 * settings.interval_ms / 1_000;
    let queries = queries(span_s);
    if !bench_mode {
        println!(
            "query: {} queries built, payloads verified; run `cargo bench --bench query` to measure",
            queries.len()
        );
        return ExitCode::SUCCESS;
    }
    let client = client::http_client();
    let estuary = load(Peer::Estuary, &client, &payloads, settings.threads);
    let vm = load(Peer::VictoriaMetrics, &client, &payloads, settings.threads);
    let end_s = payloads.timestamp_max_ms / 1_000;
    let start_s = payloads.timestamp_min_ms / 1_000;
    let mut rows = Vec::new();
    let mut failures = Vec::new();
    for query in &queries {
        let [e, v] = time_query(
            &client,
            [&estuary, &vm],
            query,
            start_s,
            end_s,
            settings.runs,
        );
        if let Err(error) = &e {
            failures.push(format!("estuary: {}: {error}", query.name));
        }
        if let Err(error) = &v {
            println!("warning: victoria-metrics: {}: {error}", query.name);
        }
        print_row(query, &e, &v);
        rows.push(row_json(query, &e, &v));
    }
    let report = json!({
        "settings": {
            "series": payloads.series_count,
            "scrapes": settings.scrape_count,
            "scrape_interval_ms": settings.interval_ms,
            "samples": payloads.sample_count,
            "runs": settings.runs,
            "target_ratio": TARGET_RATIO,
            "seed": SEED,
            "cpus": std::thread::available_parallelism().map_or(0, |n| n.get()),
            "load_average_at_end": proc_stats::load_average(),
        },
        "queries": rows,
    });
    let path = report_path("query-report.json");
    write_report(&path, &report);
    println!("report written to {}", path.display());
    drop((estuary, vm));
    if failures.is_empty() {
        return ExitCode::SUCCESS;
    }
    for failure in &failures {
        eprintln!("FAILED: {failure}");
    }
    ExitCode::FAILURE
}

/// The dashboard query set; long ranges are cut to what the data covers.
fn queries(span_s: i64) -> Vec<Query> {
    let short = Kind::Range {
        range_s: SHORT_RANGE_S.min(span_s),
        step_s: SHORT_STEP_S,
    };
    let long_range_s = LONG_RANGE_S.min(span_s);
    let long = Kind::Range {
        range_s: long_range_s,
        step_s: LONG_STEP_S,
    };
    let long_label = format!("{}h", long_range_s / 3_600);
    let mut list = Vec::new();
    let mut add = |name: String, kind: &Kind, text: &str| {
        list.push(Query {
            name,
            kind: kind.clone(),
            text: text.to_string(),
        })
    };
    let cpu_by_mode = "sum by (mode) (rate(node_cpu_seconds_total[5m]))";
    let busy_by_instance = "sum by (instance) (rate(node_cpu_seconds_total{mode!=\"idle\"}[5m]))";
    let net_by_instance = "sum by (instance) (rate(node_network_receive_bytes_total[5m]))";
    let topk_disk = "topk(5, rate(node_disk_read_bytes_total[5m]))";
    let fs_used =
        "max by (instance) (1 - node_filesystem_avail_bytes / node_filesystem_size_bytes)";
    let gc_quantile = "max by (instance) (go_gc_duration_seconds{quantile=\"0.75\"})";
    let http_p90 = format!(
        "histogram_quantile(0.9, sum by (le) (rate({}_bucket[5m])))",
        load::histogram::NAME
    );
    add("cpu_by_mode 1h".into(), &short, cpu_by_mode);
    add(format!("cpu_by_mode {long_label}"), &long, cpu_by_mode);
    add("busy_by_instance 1h".into(), &short, busy_by_instance);
    add(
        format!("busy_by_instance {long_label}"),
        &long,
        busy_by_instance,
    );
    add("net_rx_by_instance 1h".into(), &short, net_by_instance);
    add(
        format!("net_rx_by_instance {long_label}"),
        &long,
        net_by_instance,
    );
    add("topk5_disk_read 1h".into(), &short, topk_disk);
    add(format!("topk5_disk_read {long_label}"), &long, topk_disk);
    add("fs_used_ratio 1h".into(), &short, fs_used);
    add("gc_p75_by_instance 1h".into(), &short, gc_quantile);
    add("http_p90 1h".into(), &short, &http_p90);
    add(format!("http_p90 {long_label}"), &long, &http_p90);
    add("cpu_by_mode instant".into(), &Kind::Instant, cpu_by_mode);
    add(
        "topk5_net_tx instant".into(),
        &Kind::Instant,
        "topk(5, sum by (instance, device) (rate(node_network_transmit_bytes_total[5m])))",
    );
    add(
        "count_disk_by_instance instant".into(),
        &Kind::Instant,
        "count by (instance) ({__name__=~\"node_disk_.*\"})",
    );
    add(
        "label_values instance".into(),
        &Kind::LabelValues,
        "instance",
    );
    add(
        "label_values __name__".into(),
        &Kind::LabelValues,
        "__name__",
    );
    list
}

/// Generates and encodes the data set, then checks the bodies decode back.
fn prepare(settings: Settings) -> Payloads {
    let started = Instant::now();
    let span_ms = settings.scrape_count as i64 * settings.interval_ms;
    assert!(
        span_ms <= SPAN_MS_MAX,
        "{} scrapes every {} ms span {span_ms} ms; at most {SPAN_MS_MAX} ms fit in the last day",
        settings.scrape_count,
        settings.interval_ms
    );
    let schedule = Schedule {
        scrape_count: settings.scrape_count,
        interval_ms: settings.interval_ms,
        end_ms: end_ms(settings.interval_ms),
        series_per_request: SERIES_PER_REQUEST,
    };
    let mut dataset =
        Dataset::generate_with(settings.series_count, settings.interval_ms, SEED, true);
    let payloads = remote_write::encode_payloads(&mut dataset, schedule);
    remote_write::verify_payloads(&payloads).expect("generated payloads decode back");
    println!(
        "query: {} series on {} hosts, {} scrapes every {} s: {} samples in {} requests, \
         {:.1} MB snappy; prepared in {:.1} s",
        payloads.series_count,
        dataset.host_count(),
        settings.scrape_count,
        settings.interval_ms / 1_000,
        payloads.sample_count,
        payloads.bodies.len(),
        payloads.body_bytes as f64 / 1e6,
        started.elapsed().as_secs_f64(),
    );
    payloads
}

/// Starts `peer`, sends every body, and forces a flush and a merge.
fn load(peer: Peer, client: &Client, payloads: &Payloads, threads: usize) -> Server {
    let mut server = Server::start(peer, client);
    let sent = client::send_all(
        client,
        std::slice::from_ref(&server.base_url),
        &payloads.bodies,
        threads,
    );
    server.assert_running();
    assert_eq!(
        sent.failed_count,
        0,
        "{}: {} requests failed, first: {:?}",
        peer.name(),
        sent.failed_count,
        sent.first_error
    );
    let started = Instant::now();
    for path in ["/internal/force_flush", "/internal/force_merge"] {
        if let Err(error) = client::admin(client, &server.base_url, path) {
            panic!("{}: {error}\n{}", peer.name(), server.log_tail());
        }
        server.wait_until_settled(SETTLE_TIMEOUT);
    }
    println!(
        "{}: loaded {} samples in {:.1} s, flushed and merged in {:.1} s",
        peer.name(),
        payloads.sample_count,
        sent.wall.as_secs_f64(),
        started.elapsed().as_secs_f64()
    );
    server
}

/// Warms `query` once on each server, then times `runs` rounds that call
/// both servers back to back, alternating which goes first. Outside load
/// during a round (the machine may be shared) then lands on both servers
/// instead of on one server's whole series of calls.
fn time_query(
    client: &Client,
    servers: [&Server; 2],
    query: &Query,
    start_s: i64,
    end_s: i64,
    runs: usize,
) -> [Result<Timing, String>; 2] {
    let requests = servers.map(|server| request(server, query, start_s, end_s));
    let mut counts = requests
        .each_ref()
        .map(|(url, params)| call(client, url, params));
    let mut latencies_ms = [Vec::with_capacity(runs), Vec::with_capacity(runs)];
    for round in 0..runs {
        let order = if round % 2 == 0 { [0, 1] } else { [1, 0] };
        for side in order {
            if counts[side].is_err() {
                continue;
            }
            let (url, params) = &requests[side];
            let started = Instant::now();
            match call(client, url, params) {
                Ok(_) => latencies_ms[side].push(started.elapsed().as_secs_f64() * 1e3),
                Err(error) => counts[side] = Err(error),
            }
        }
    }
    [0, 1].map(|side| {
        let result_count = counts[side].clone()?;
        let latencies = &mut latencies_ms[side];
        latencies.sort_by(f64::total_cmp);
        Ok(Timing {
            median_ms: latencies[latencies.len() / 2],
            min_ms: latencies[0],
            max_ms: latencies[latencies.len() - 1],
            result_count,
        })
    })
}

/// The URL and query parameters of `query` against `server`.
fn request(
    server: &Server,
    query: &Query,
    start_s: i64,
    end_s: i64,
) -> (String, Vec<(&'static str, String)>) {
    let base = &server.base_url;
    let (url, mut params) = match &query.kind {
        Kind::Range { range_s, step_s } => {
            let end = end_s / step_s * step_s;
            (
                format!("{base}/api/v1/query_range"),
                vec![
                    ("query", query.text.clone()),
                    ("start", (end - range_s).to_string()),
                    ("end", end.to_string()),
                    ("step", step_s.to_string()),
                ],
            )
        }
        Kind::Instant => (
            format!("{base}/api/v1/query"),
            vec![("query", query.text.clone()), ("time", end_s.to_string())],
        ),
        Kind::LabelValues => (
            format!("{base}/api/v1/label/{}/values", query.text),
            vec![("start", start_s.to_string()), ("end", end_s.to_string())],
        ),
    };
    if server.name == Peer::VictoriaMetrics.name() {
        params.push(("nocache", "1".to_string()));
    }
    (url, params)
}

/// One call; returns the number of series (or values) in a successful answer.
fn call(client: &Client, url: &str, params: &[(&str, String)]) -> Result<usize, String> {
    let response = client
        .get(url)
        .query(params)
        .send()
        .map_err(|e| format!("GET {url}: {e}"))?;
    let status = response.status();
    let body = response
        .bytes()
        .map_err(|e| format!("GET {url}: read: {e}"))?;
    if !status.is_success() {
        return Err(format!(
            "{status}: {}",
            String::from_utf8_lossy(&body).trim()
        ));
    }
    let value: Value = serde_json::from_slice(&body).map_err(|e| format!("bad JSON: {e}"))?;
    if value.get("status").and_then(Value::as_str) != Some("success") {
        return Err(format!("not a success: {value}"));
    }
    let data = value.get("data").ok_or("no data")?;
    let items = data.get("result").unwrap_or(data);
    Ok(items.as_array().map_or(1, Vec::len))
}

fn ratio(e: &Result<Timing, String>, v: &Result<Timing, String>) -> Option<f64> {
    match (e, v) {
        (Ok(e), Ok(v)) if v.median_ms > 0.0 => Some(e.median_ms / v.median_ms),
        _ => None,
    }
}

fn print_row(query: &Query, e: &Result<Timing, String>, v: &Result<Timing, String>) {
    let ms = |t: &Result<Timing, String>| match t {
        Ok(t) => format!("{:>10.2}", t.median_ms),
        Err(_) => format!("{:>10}", "error"),
    };
    let ratio = ratio(e, v);
    let verdict = match ratio {
        Some(r) if r <= TARGET_RATIO => "PASS",
        _ => "FAIL",
    };
    let ratio_text = ratio.map_or_else(|| "-".to_string(), |r| format!("{r:.2}"));
    println!(
        "{:<34} estuary {} ms  vm {} ms  ratio {:>6}  {verdict}",
        query.name,
        ms(e),
        ms(v),
        ratio_text
    );
    if let (Ok(e), Ok(v)) = (e, v)
        && e.result_count != v.result_count
    {
        println!(
            "    warning: estuary returned {} series, victoria-metrics {}",
            e.result_count, v.result_count
        );
    }
}

fn row_json(query: &Query, e: &Result<Timing, String>, v: &Result<Timing, String>) -> Value {
    let timing = |t: &Result<Timing, String>| match t {
        Ok(t) => json!({
            "median_ms": t.median_ms,
            "min_ms": t.min_ms,
            "max_ms": t.max_ms,
            "result_count": t.result_count,
        }),
        Err(error) => json!({ "error": error }),
    };
    let ratio = ratio(e, v);
    json!({
        "name": query.name,
        "kind": format!("{:?}", query.kind),
        "query": query.text,
        "estuary": timing(e),
        "victoria_metrics": timing(v),
        "ratio": ratio,
        "pass": ratio.is_some_and(|r| r <= TARGET_RATIO),
    })
}
