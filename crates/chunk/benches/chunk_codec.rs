//! Chunk encode and decode throughput (samples/s) and size (bytes/sample) for a
//! counter, a two-decimal gauge and arbitrary floats, at 120 samples (a head
//! chunk) and 5760 (a day at 15 s, what the day merge writes).
//!
//! `cargo bench -p estuary-chunk --bench chunk_codec` prints bytes/sample for
//! each series at zstd levels 1, 3, 9 and 19 before the timings.

#[path = "../tests/common/series.rs"]
#[allow(dead_code)]
mod series;

use std::hint::black_box;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use estuary_chunk::{decode_header, decode_into, encode, encode_with_level};
use estuary_types::Sample;

const SIZES: [usize; 2] = [120, series::SAMPLES_PER_DAY];
const LEVELS: [i32; 4] = [1, 3, 9, 19];

fn all_series(count: usize) -> Vec<(&'static str, Vec<Sample>)> {
    vec![
        ("counter", series::cpu_seconds_counter(count, 7)),
        ("gauge", series::load_gauge(count, 7)),
        ("random", series::random_floats(count, 7)),
    ]
}

/// The timed series plus a few more whose size is worth knowing.
fn sized_series(count: usize) -> Vec<(&'static str, Vec<Sample>)> {
    let mut all = all_series(count);
    let mut rng = series::Rng::new(7);
    let constant = series::scrape_timestamps(count, &mut rng)
        .into_iter()
        .map(|timestamp| Sample::new(timestamp, 1.0))
        .collect();
    all.push(("requests", series::requests_counter(count, 7)));
    all.push(("netbytes", series::network_bytes_counter(count, 7)));
    all.push(("constant", constant));
    all
}

fn print_sizes() {
    println!(
        "bytes/sample by zstd level (default {}):",
        estuary_chunk::ZSTD_LEVEL_DEFAULT
    );
    for count in SIZES {
        for (name, samples) in sized_series(count) {
            let mut line = format!("  {name:>8}/{count:<5}");
            for level in LEVELS {
                let mut chunk = Vec::new();
                encode_with_level(&samples, level, &mut chunk);
                let encoding = decode_header(&chunk).map(|(h, _)| h.value_encoding);
                let figure = chunk.len() as f64 / count as f64;
                line += &format!("  level {level:>2}: {figure:.3}");
                if level == LEVELS[0] {
                    line += &format!(" ({encoding:?})");
                }
            }
            println!("{line}");
        }
    }
}

fn codec(c: &mut Criterion) {
    print_sizes();
    for count in SIZES {
        let mut group = c.benchmark_group(format!("chunk/{count}"));
        group.throughput(Throughput::Elements(count as u64));
        for (name, samples) in all_series(count) {
            let mut chunk = Vec::new();
            group.bench_function(BenchmarkId::new("encode", name), |b| {
                b.iter(|| {
                    chunk.clear();
                    encode(black_box(&samples), &mut chunk);
                })
            });
            let mut decoded = Vec::with_capacity(count);
            group.bench_function(BenchmarkId::new("decode", name), |b| {
                b.iter(|| {
                    decoded.clear();
                    decode_into(black_box(&chunk), &mut decoded).map(|(h, _)| h)
                })
            });
            group.bench_function(BenchmarkId::new("decode_header", name), |b| {
                b.iter(|| decode_header(black_box(&chunk)).map(|(h, _)| h))
            });
        }
        group.finish();
    }
}

fn levels(c: &mut Criterion) {
    let count = series::SAMPLES_PER_DAY;
    let mut group = c.benchmark_group(format!("encode_level/{count}"));
    group.throughput(Throughput::Elements(count as u64));
    for (name, samples) in all_series(count).into_iter().take(2) {
        for level in LEVELS {
            let mut chunk = Vec::new();
            group.bench_function(BenchmarkId::new(name, level), |b| {
                b.iter(|| {
                    chunk.clear();
                    encode_with_level(black_box(&samples), level, &mut chunk);
                })
            });
        }
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .sample_size(20);
    targets = codec, levels
}
criterion_main!(benches);
