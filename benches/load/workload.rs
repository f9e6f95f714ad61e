//! The load benchmarks' workload: sizes from the environment, and the
//! node_exporter-like data set encoded as remote-write bodies before any
//! timer starts, so every server under test gets the same bytes.

use super::bench_env::{end_ms, env_usize};
use super::dataset::{self, Dataset};
use super::proc_stats;
use super::remote_write::{self, Payloads, Schedule};
use serde_json::json;
use std::time::Instant;

/// Seed of the data set: every run sends the same labels and values.
const SEED: u64 = 0x5EED_0FE5_7AA7;
/// Prometheus's and vmagent's usual scrape interval.
const SCRAPE_INTERVAL_MS: i64 = 15_000;
/// Series per remote-write request (vmagent sends blocks of about 10k samples).
const SERIES_PER_REQUEST: usize = 5_000;
/// The oldest sample must stay inside a day, so any retention accepts it.
const SPAN_MS_MAX: i64 = 23 * 3_600_000;

/// The run's sizes.
#[derive(Debug, Clone, Copy)]
pub struct Settings {
    /// Distinct series (`ESTUARY_LOAD_SERIES`).
    pub series_count: usize,
    /// Scrape rounds, one sample per series each (`ESTUARY_LOAD_SCRAPES`).
    pub scrape_count: usize,
    /// Concurrent client connections (`ESTUARY_LOAD_THREADS`).
    pub threads: usize,
}

impl Settings {
    /// Sizes from the environment; small fixed ones outside `cargo bench`.
    pub fn from_env(bench_mode: bool) -> Settings {
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

/// Whether the binary runs as `cargo bench` runs it (with `--bench`) rather
/// than as `cargo test --benches` does.
pub fn bench_mode() -> bool {
    std::env::args().any(|arg| arg == "--bench")
}

/// Generates and encodes the data set, checks the bodies decode back, and
/// prints what it holds after `bench`, the benchmark's name.
pub fn prepare(bench: &str, settings: Settings) -> (Dataset, Payloads) {
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
        "{bench}: {} series on {} hosts ({} per host, {} counters), {} scrapes: {} samples in {} \
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

/// The settings and the data set's shape, for the JSON report.
pub fn settings_json(
    settings: Settings,
    dataset: &Dataset,
    payloads: &Payloads,
) -> serde_json::Value {
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
