//! Remote-write ingest CPU per sample (samples/s), on a node_exporter-like
//! request as Prometheus or vmagent sends it: 1000 series of one sample each,
//! 5 to 8 labels per series (metric name, per-metric labels such as `cpu` and
//! `mode`, and the `job`, `instance`, `cluster`, `region` a collector adds).
//!
//! `cargo bench -p estuary-insert --bench remote_write` reports:
//! - `decode`: protobuf walk only (borrowed labels, no validation);
//! - `to_batch`: decode, validate and canonicalise into storage rows;
//! - `snappy+to_batch` and `zstd+to_batch`: the same, decompression included.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use estuary_insert::batch::BatchContext;
use estuary_insert::encoding::ContentEncoding;
use estuary_insert::extra_labels::ExtraLabels;
use estuary_insert::remote_write::{self, WriteRequestRef, prompb};
use estuary_insert::validate::Limits;
use estuary_types::Tenant;
use prost::Message;
use std::hint::black_box;

const SERIES: usize = 1000;

/// Metric names and the labels each adds on top of the common ones.
const METRICS: [(&str, &[&str]); 6] = [
    ("node_cpu_seconds_total", &["cpu", "mode"]),
    (
        "node_filesystem_avail_bytes",
        &["device", "fstype", "mountpoint"],
    ),
    ("node_network_receive_bytes_total", &["device"]),
    ("node_disk_io_time_seconds_total", &["device"]),
    ("node_memory_MemAvailable_bytes", &[]),
    ("node_load1", &[]),
];

fn request() -> Vec<u8> {
    let timeseries = (0..SERIES)
        .map(|index| {
            let (name, extra) = METRICS[index % METRICS.len()];
            let host = index / 50;
            let mut labels = vec![
                ("__name__".to_string(), name.to_string()),
                ("cluster".to_string(), "infra".to_string()),
                (
                    "instance".to_string(),
                    format!("node-{host}.infra.svc:9100"),
                ),
                ("job".to_string(), "node-exporter".to_string()),
                ("region".to_string(), "eu-west-1".to_string()),
            ];
            for (n, label) in extra.iter().enumerate() {
                labels.push((label.to_string(), format!("{label}-{}", (index + n) % 16)));
            }
            labels.sort();
            prompb::TimeSeries {
                labels: labels
                    .into_iter()
                    .map(|(name, value)| prompb::Label { name, value })
                    .collect(),
                samples: vec![prompb::Sample {
                    value: index as f64 * 1.5,
                    timestamp: 1_700_000_000_000 + index as i64,
                }],
                ..Default::default()
            }
        })
        .collect();
    prompb::WriteRequest {
        timeseries,
        metadata: vec![],
    }
    .encode_to_vec()
}

fn bench(c: &mut Criterion) {
    let raw = request();
    let snappy = snap::raw::Encoder::new()
        .compress_vec(&raw)
        .expect("snappy");
    let zstd = zstd::encode_all(&raw[..], 1).expect("zstd");
    let context = BatchContext {
        tenant: Tenant::new(1, 0),
        extra_labels: ExtraLabels::none(),
        limits: Limits::default(),
    };
    let bytes_max = 32 << 20;
    let mut group = c.benchmark_group("remote_write");
    group.throughput(Throughput::Elements(SERIES as u64));
    group.bench_function("decode", |b| {
        b.iter(|| WriteRequestRef::decode(black_box(&raw)).map(|r| r.samples_count()))
    });
    group.bench_function("to_batch", |b| {
        b.iter(|| remote_write::to_batch(black_box(&raw), &context).map(|r| r.samples_count))
    });
    group.bench_function("snappy+to_batch", |b| {
        b.iter(|| {
            let raw =
                remote_write::decompress(ContentEncoding::Snappy, black_box(&snappy), bytes_max)?;
            remote_write::to_batch(&raw, &context).map(|r| r.samples_count)
        })
    });
    group.bench_function("zstd+to_batch", |b| {
        b.iter(|| {
            let raw = remote_write::decompress(ContentEncoding::Zstd, black_box(&zstd), bytes_max)?;
            remote_write::to_batch(&raw, &context).map(|r| r.samples_count)
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
