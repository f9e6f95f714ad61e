//! End-to-end load benchmark: Estuary against VictoriaMetrics single-node.
//!
//! Generates node_exporter-like data (hosts × ~420 series, half counters, half
//! gauges, scraped every 15 s and ending a minute ago), encodes it as
//! Prometheus remote-write bodies before any timer starts, then starts each
//! server in turn on its own port and temporary data directory and, for each:
//! sends every body with a few concurrent connections, measures wall time and
//! the server's CPU, forces a flush and a merge and waits until the server is
//! quiet, then measures the data directory and resident memory, and finally
//! counts what `/api/v1/export` returns. The comparison is printed and written
//! to `$CARGO_TARGET_DIR/load-report.json` (default `target/`).
//!
//! ```text
//! CARGO_TARGET_DIR=$HOME/.cache/estuary/target cargo bench --bench load
//! ESTUARY_LOAD_SERIES=5000 ESTUARY_LOAD_SCRAPES=20 cargo bench --bench load
//! ```
//!
//! Settings: `ESTUARY_LOAD_SERIES` (default 50 000), `ESTUARY_LOAD_SCRAPES`
//! (120), `ESTUARY_LOAD_THREADS` (4 client connections), `ESTUARY_LOAD_VM_BIN`
//! (`/usr/bin/victoria-metrics`), `ESTUARY_LOAD_KEEP` (if set, each server's
//! data directory and log are kept in the temporary directory for inspection).
//!
//! It fails if any request fails or if Estuary exports a different number of
//! samples or series than it was sent. Missed targets are reported, not
//! failed: this is a measurement, not a test.
//!
//! Without `--bench` (as `cargo test --benches` runs it) it only builds and
//! checks a small data set, without starting servers.

#[path = "load/bench_env.rs"]
mod bench_env;
#[path = "load/client.rs"]
mod client;
#[path = "load/dataset.rs"]
mod dataset;
#[path = "load/families.rs"]
mod families;
/// Only the query benchmark asks for histograms; the load data set has none.
#[allow(dead_code)]
#[path = "load/histogram.rs"]
mod histogram;
#[path = "load/proc_stats.rs"]
mod proc_stats;
#[path = "load/remote_write.rs"]
mod remote_write;
#[path = "load/report.rs"]
mod report;
#[path = "load/rng.rs"]
mod rng;
#[path = "load/server.rs"]
mod server;
#[path = "load/values.rs"]
mod values;

use bench_env::{end_ms, env_usize, report_path, write_report};
use client::ExportCount;
use dataset::Dataset;
use proc_stats::DiskUsage;
use remote_write::{Payloads, Schedule};
use report::Measurement;
use reqwest::blocking::Client;
use serde_json::json;
use server::{Peer, Server};
use std::process::ExitCode;
use std::time::{Duration, Instant};

/// Seed of the data set: every run sends the same labels and values.
const SEED: u64 = 0x5EED_0FE5_7AA7;
/// Prometheus's and vmagent's usual scrape interval.
const SCRAPE_INTERVAL_MS: i64 = 15_000;
/// Series per remote-write request (vmagent sends blocks of about 10k samples).
const SERIES_PER_REQUEST: usize = 5_000;
/// The oldest sample must stay inside a day, so any retention accepts it.
const SPAN_MS_MAX: i64 = 23 * 3_600_000;
/// Kinds of file listed per server (all are in the JSON report).
const DISK_KINDS_SHOWN: usize = 8;
/// How long flush plus merge may take to go quiet before measuring anyway.
const SETTLE_TIMEOUT: Duration = Duration::from_secs(300);

/// The run's sizes.
#[derive(Debug, Clone, Copy)]
struct Settings {
    series_count: usize,
    scrape_count: usize,
    threads: usize,
}

impl Settings {
    /// Sizes from the environment; small fixed ones outside `cargo bench`.
    fn from_env(bench_mode: bool) -> Settings {
        if !bench_mode {
            return Settings {
                series_count: 2_000,
                scrape_count: 3,
                threads: 1,
            };
        }
        Settings {
            series_count: env_usize("ESTUARY_LOAD_SERIES", 50_000),
            scrape_count: env_usize("ESTUARY_LOAD_SCRAPES", 120),
            threads: env_usize("ESTUARY_LOAD_THREADS", 4),
        }
    }
}

fn main() -> ExitCode {
    let bench_mode = std::env::args().any(|arg| arg == "--bench");
    let settings = Settings::from_env(bench_mode);
    let (dataset, payloads) = prepare(settings);
    if !bench_mode {
        println!("load: payloads verified; run `cargo bench --bench load` to measure");
        return ExitCode::SUCCESS;
    }
    let client = client::http_client();
    let estuary = measure(Peer::Estuary, &client, &payloads, settings.threads);
    let vm = measure(Peer::VictoriaMetrics, &client, &payloads, settings.threads);
    println!("\n{}", report::table(&estuary, &vm));
    let report = report::to_json(settings_json(settings, &dataset, &payloads), &estuary, &vm);
    let path = report_path("load-report.json");
    write_report(&path, &report);
    println!("report written to {}", path.display());
    verdict(&estuary, &vm, &payloads)
}

/// Generates and encodes the data set, then checks the bodies decode back.
fn prepare(settings: Settings) -> (Dataset, Payloads) {
    let started = Instant::now();
    let schedule = Schedule {
        scrape_count: settings.scrape_count,
        interval_ms: SCRAPE_INTERVAL_MS,
        end_ms: end_ms(SCRAPE_INTERVAL_MS),
        series_per_request: SERIES_PER_REQUEST,
    };
    let span_ms = settings.scrape_count as i64 * SCRAPE_INTERVAL_MS;
    assert!(
        span_ms <= SPAN_MS_MAX,
        "ESTUARY_LOAD_SCRAPES={} spans {span_ms} ms; at most {SPAN_MS_MAX} ms fit in the last day",
        settings.scrape_count
    );
    let mut dataset = Dataset::generate(settings.series_count, SCRAPE_INTERVAL_MS, SEED);
    let payloads = remote_write::encode_payloads(&mut dataset, schedule);
    remote_write::verify_payloads(&payloads).expect("generated payloads decode back");
    println!(
        "load: {} series on {} hosts ({} per host, {} counters), {} scrapes: {} samples in {} \
         requests, {:.1} MB protobuf, {:.1} MB snappy; prepared in {:.1} s (load average {})",
        payloads.series_count,
        dataset.host_count(),
        dataset::series_per_host(),
        dataset.counter_count(),
        settings.scrape_count,
        payloads.sample_count,
        payloads.bodies.len(),
        payloads.protobuf_bytes as f64 / 1e6,
        payloads.body_bytes as f64 / 1e6,
        started.elapsed().as_secs_f64(),
        proc_stats::load_average(),
    );
    (dataset, payloads)
}

/// Runs the whole measurement on one server and stops it.
fn measure(peer: Peer, client: &Client, payloads: &Payloads, threads: usize) -> Measurement {
    let mut server = Server::start(peer, client);
    println!("{}: started at {}", peer.name(), server.base_url);
    let cpu_start = proc_stats::cpu_seconds(server.pid());
    let sent = client::send_all(client, &server.base_url, &payloads.bodies, threads);
    let ingest_cpu_seconds = proc_stats::cpu_seconds(server.pid()) - cpu_start;
    server.assert_running();
    println!(
        "{}: {} requests ok, {} failed in {:.1} s, {:.1} CPU s",
        peer.name(),
        sent.ok_count,
        sent.failed_count,
        sent.wall.as_secs_f64(),
        ingest_cpu_seconds
    );
    let settled = flush_and_merge(&mut server, client);
    let total_cpu_seconds = proc_stats::cpu_seconds(server.pid()) - cpu_start;
    let disk = server.disk_usage();
    let memory = proc_stats::memory(server.pid());
    let disk_by_kind = proc_stats::disk_usage_by_kind(&server.data_dir);
    print_disk_usage(peer, disk, &disk_by_kind);
    let export = client::count_export(
        client,
        &server.base_url,
        payloads.timestamp_min_ms,
        payloads.timestamp_max_ms,
    );
    println!("{}: export {export:?}", peer.name());
    Measurement {
        name: peer.name(),
        sample_count: payloads.sample_count,
        series_count: payloads.series_count as u64,
        requests_ok: sent.ok_count,
        requests_failed: sent.failed_count,
        first_error: sent.first_error,
        ingest_wall_seconds: sent.wall.as_secs_f64(),
        ingest_cpu_seconds,
        total_cpu_seconds,
        disk,
        disk_by_kind,
        memory,
        settled,
        export,
    }
}

/// Prints the data directory's size and its largest kinds of file.
fn print_disk_usage(peer: Peer, total: DiskUsage, by_kind: &[(String, DiskUsage)]) {
    println!(
        "{}: data directory {} bytes apparent, {} allocated, {} files; largest:",
        peer.name(),
        total.apparent_bytes,
        total.allocated_bytes,
        total.file_count
    );
    for (kind, usage) in by_kind.iter().take(DISK_KINDS_SHOWN) {
        println!(
            "    {kind:<40} {:>12} apparent {:>12} allocated {:>6} files",
            usage.apparent_bytes, usage.allocated_bytes, usage.file_count
        );
    }
}

/// Forces a flush, then a merge, waiting after each until the server is quiet
/// (VictoriaMetrics merges in the background after answering). Returns whether
/// it went quiet in time.
fn flush_and_merge(server: &mut Server, client: &Client) -> bool {
    let started = Instant::now();
    let mut settled = true;
    for path in ["/internal/force_flush", "/internal/force_merge"] {
        if let Err(error) = client::admin(client, &server.base_url, path) {
            panic!("{}: {error}\n{}", server.peer.name(), server.log_tail());
        }
        settled &= server.wait_until_settled(SETTLE_TIMEOUT);
    }
    println!(
        "{}: flushed and merged in {:.1} s{}",
        server.peer.name(),
        started.elapsed().as_secs_f64(),
        if settled {
            ""
        } else {
            " (still busy at the timeout)"
        }
    );
    settled
}

/// Exit status: failure if any request failed or Estuary lost or invented data.
fn verdict(estuary: &Measurement, vm: &Measurement, payloads: &Payloads) -> ExitCode {
    let mut failures = Vec::new();
    for m in [estuary, vm] {
        if m.requests_failed > 0 {
            failures.push(format!(
                "{}: {} requests failed, first: {}",
                m.name,
                m.requests_failed,
                m.first_error.as_deref().unwrap_or("?")
            ));
        }
    }
    if let Some(problem) = export_problem(&estuary.export, payloads) {
        failures.push(format!("estuary: {problem}"));
    }
    if let Some(problem) = export_problem(&vm.export, payloads) {
        println!("warning: victoria-metrics: {problem} (the comparison may be off)");
    }
    if failures.is_empty() {
        return ExitCode::SUCCESS;
    }
    for failure in &failures {
        eprintln!("FAILED: {failure}");
    }
    ExitCode::FAILURE
}

/// Why an export does not match what was sent, if it does not.
fn export_problem(export: &Result<ExportCount, String>, payloads: &Payloads) -> Option<String> {
    match export {
        Err(error) => Some(format!("export failed: {error}")),
        Ok(count) if count.sample_count != payloads.sample_count => Some(format!(
            "exported {} samples, sent {}",
            count.sample_count, payloads.sample_count
        )),
        Ok(count) if count.series_count != payloads.series_count as u64 => Some(format!(
            "exported {} series, sent {}",
            count.series_count, payloads.series_count
        )),
        Ok(_) => None,
    }
}

fn settings_json(settings: Settings, dataset: &Dataset, payloads: &Payloads) -> serde_json::Value {
    json!({
        "series": payloads.series_count,
        "hosts": dataset.host_count(),
        "counters": dataset.counter_count(),
        "scrapes": settings.scrape_count,
        "scrape_interval_ms": SCRAPE_INTERVAL_MS,
        "samples": payloads.sample_count,
        "requests": payloads.bodies.len(),
        "series_per_request": SERIES_PER_REQUEST,
        "client_threads": settings.threads,
        "protobuf_bytes": payloads.protobuf_bytes,
        "body_bytes": payloads.body_bytes,
        "seed": SEED,
        "cpus": std::thread::available_parallelism().map_or(0, |n| n.get()),
        "load_average_at_end": proc_stats::load_average(),
    })
}
