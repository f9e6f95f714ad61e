//! The storage ingest path through `Engine::write`, and the head flush.
//!
//! - `engine_write/known_series`: batches of 1000 series × 1 sample for series
//!   the engine already knows, timestamps advancing each batch (the steady
//!   state of remote write). Every batch is one WAL record and one `fdatasync`.
//! - `engine_write/new_series`: the same, every batch 1000 series never seen
//!   before (index lookup, definitions and postings on top).
//! - `engine_flush/10k_series_x_40`: `Engine::flush` of a head of 10 000 series
//!   × 40 samples (ten minutes of 15 s scrapes, the default flush interval).
//!
//! Throughput is in samples. Background maintenance is off, so nothing but the
//! measured call touches the engine.
//!
//! ```text
//! CARGO_TARGET_DIR=$HOME/.cache/estuary/target cargo bench -p estuary-storage --bench engine_write
//! ```

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use estuary_storage::{Engine, EngineConfig, now_ms};
use estuary_storage_api::SeriesSamples;
use estuary_types::{EncodedLabels, Labels, Sample, Tenant};
use std::sync::Arc;
use std::time::Duration;
use tempfile::TempDir;

/// Series per write batch (what one remote-write request carries, about).
const BATCH_SERIES: usize = 1000;
/// Series in the head for the flush benchmark.
const FLUSH_SERIES: usize = 10_000;
/// Samples per series in the head for the flush benchmark.
const FLUSH_SAMPLES: usize = 40;
/// Scrape interval of the flushed head.
const SCRAPE_INTERVAL_MS: i64 = 15_000;
/// Step between write batches: a second, so that a long run stays near now.
const WRITE_STEP_MS: i64 = 1_000;
/// Measurement time of the write benchmarks: a batch takes a few milliseconds
/// (one `fdatasync`), so criterion's default 5 s is short of 100 samples.
const WRITE_MEASUREMENT_TIME: Duration = Duration::from_secs(10);
/// Series per host in the label generator.
const SERIES_PER_HOST: usize = 100;

const CPU_MODES: [&str; 8] = [
    "idle", "iowait", "irq", "nice", "softirq", "steal", "system", "user",
];
const DISK_METRICS: [&str; 4] = [
    "node_disk_read_bytes_total",
    "node_disk_written_bytes_total",
    "node_disk_reads_completed_total",
    "node_disk_writes_completed_total",
];
const DISKS: [&str; 4] = ["nvme0n1", "nvme1n1", "sda", "dm-0"];
const MEMORY_METRICS: [&str; 20] = [
    "MemTotal",
    "MemFree",
    "MemAvailable",
    "Buffers",
    "Cached",
    "Active",
    "Inactive",
    "Active_anon",
    "Inactive_anon",
    "Active_file",
    "Inactive_file",
    "Dirty",
    "Writeback",
    "AnonPages",
    "Mapped",
    "Shmem",
    "Slab",
    "SReclaimable",
    "SUnreclaim",
    "PageTables",
];

/// node_exporter-like labels of series `index`: 100 series per host, 64 CPU
/// series, 16 disk series and 20 memory gauges, 5 to 7 labels each.
fn node_labels(index: usize) -> Labels {
    let host = index / SERIES_PER_HOST;
    let slot = index % SERIES_PER_HOST;
    let instance = format!("node-{host:05}:9100");
    let cluster = ["infra", "apps"][host % 2];
    let base = [
        ("instance", instance.as_str()),
        ("job", "node"),
        ("cluster", cluster),
    ];
    match slot {
        0..64 => {
            let cpu = (slot / 8).to_string();
            let mode = CPU_MODES[slot % 8];
            let name = ("__name__", "node_cpu_seconds_total");
            Labels::from_pairs(&[
                name,
                base[0],
                base[1],
                base[2],
                ("cpu", &cpu),
                ("mode", mode),
            ])
        }
        64..80 => {
            let name = ("__name__", DISK_METRICS[(slot - 64) / 4]);
            let device = ("device", DISKS[(slot - 64) % 4]);
            Labels::from_pairs(&[name, base[0], base[1], base[2], device])
        }
        _ => {
            let name = format!("node_memory_{}_bytes", MEMORY_METRICS[slot - 80]);
            Labels::from_pairs(&[("__name__", &name), base[0], base[1], base[2]])
        }
    }
}

/// A counter-like value of series `index` at scrape `round`.
fn value(index: usize, round: i64) -> f64 {
    (index as f64 * 1000.0 + round as f64 * (1.0 + (index % 7) as f64)).round() / 100.0
}

/// One write batch: every series in `labels` with one sample at `timestamp`.
fn batch(
    labels: &[EncodedLabels],
    first_index: usize,
    round: i64,
    timestamp: i64,
) -> Vec<SeriesSamples> {
    labels
        .iter()
        .enumerate()
        .map(|(offset, labels)| SeriesSamples {
            tenant: Tenant::DEFAULT,
            labels: labels.clone(),
            samples: vec![Sample::new(timestamp, value(first_index + offset, round))],
        })
        .collect()
}

/// An engine on a fresh temporary directory, without background maintenance.
fn open_engine() -> (TempDir, Arc<Engine>) {
    let dir = tempfile::tempdir().expect("create a temporary directory");
    let mut config = EngineConfig::new(dir.path());
    config.background_maintenance = false;
    let engine = Engine::open(config).expect("open the engine");
    (dir, engine)
}

fn write_known_series(c: &mut Criterion) {
    let (_dir, engine) = open_engine();
    let labels: Vec<EncodedLabels> = (0..BATCH_SERIES).map(|i| node_labels(i).into()).collect();
    let start_ms = now_ms() - 3_600_000;
    engine
        .write(batch(&labels, 0, 0, start_ms))
        .expect("create the series");
    let mut round = 0;
    let mut group = c.benchmark_group("engine_write");
    group.throughput(Throughput::Elements(BATCH_SERIES as u64));
    group.measurement_time(WRITE_MEASUREMENT_TIME);
    group.bench_function("known_series", |b| {
        b.iter_batched(
            || {
                round += 1;
                batch(&labels, 0, round, start_ms + round * WRITE_STEP_MS)
            },
            |batch| engine.write(batch).expect("write a batch"),
            BatchSize::SmallInput,
        )
    });
    group.finish();
    engine.close().expect("close the engine");
}

fn write_new_series(c: &mut Criterion) {
    let (_dir, engine) = open_engine();
    let start_ms = now_ms() - 3_600_000;
    let mut round = 0;
    let mut group = c.benchmark_group("engine_write");
    group.throughput(Throughput::Elements(BATCH_SERIES as u64));
    group.measurement_time(WRITE_MEASUREMENT_TIME);
    group.bench_function("new_series", |b| {
        b.iter_batched(
            || {
                round += 1;
                let first = round as usize * BATCH_SERIES;
                let labels: Vec<EncodedLabels> = (first..first + BATCH_SERIES)
                    .map(|i| node_labels(i).into())
                    .collect();
                batch(&labels, first, round, start_ms + round * WRITE_STEP_MS)
            },
            |batch| engine.write(batch).expect("write a batch"),
            BatchSize::SmallInput,
        )
    });
    group.finish();
    engine.close().expect("close the engine");
}

/// Fills the head with `FLUSH_SAMPLES` samples of every series in one write.
fn fill_head(engine: &Engine, labels: &[EncodedLabels], first_round: i64, start_ms: i64) {
    let series = labels
        .iter()
        .enumerate()
        .map(|(index, labels)| SeriesSamples {
            tenant: Tenant::DEFAULT,
            labels: labels.clone(),
            samples: (0..FLUSH_SAMPLES as i64)
                .map(|i| {
                    let round = first_round + i;
                    Sample::new(start_ms + round * SCRAPE_INTERVAL_MS, value(index, round))
                })
                .collect(),
        })
        .collect();
    engine.write(series).expect("fill the head");
}

fn flush(c: &mut Criterion) {
    let (_dir, engine) = open_engine();
    let labels: Vec<EncodedLabels> = (0..FLUSH_SERIES).map(|i| node_labels(i).into()).collect();
    let start_ms = now_ms() - 6 * 3_600_000;
    let mut first_round = 0;
    let mut group = c.benchmark_group("engine_flush");
    group.sample_size(10);
    group.throughput(Throughput::Elements((FLUSH_SERIES * FLUSH_SAMPLES) as u64));
    group.bench_function(
        format!("{}k_series_x_{FLUSH_SAMPLES}", FLUSH_SERIES / 1000),
        |b| {
            b.iter_batched(
                || {
                    fill_head(&engine, &labels, first_round, start_ms);
                    first_round += FLUSH_SAMPLES as i64;
                },
                |()| engine.flush().expect("flush the head"),
                // The setup fills the engine's head: one setup per flush.
                BatchSize::PerIteration,
            )
        },
    );
    group.finish();
    engine.close().expect("close the engine");
}

criterion_group!(benches, write_known_series, write_new_series, flush);
criterion_main!(benches);
