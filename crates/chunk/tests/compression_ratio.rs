//! Realistic series compress well: a day of a node_exporter-like counter and of
//! a two-decimal gauge, scraped every 15 s with occasional jitter, take under
//! one byte per sample. Run with `--nocapture` to see the figures.

mod common;

use common::series::{self, SAMPLES_PER_DAY};
use estuary_chunk::{ValueEncoding, decode, decode_header, encode};
use estuary_types::Sample;

/// Bytes per sample of `samples` encoded as one chunk, checked to round-trip.
fn bytes_per_sample(name: &str, samples: &[Sample]) -> (f64, ValueEncoding) {
    let mut chunk = Vec::new();
    encode(samples, &mut chunk);
    assert_eq!(decode(&chunk).expect("decode").1, samples);
    let encoding = decode_header(&chunk).expect("header").0.value_encoding;
    let figure = chunk.len() as f64 / samples.len() as f64;
    println!(
        "{name}: {} samples, {} bytes, {figure:.3} bytes/sample, {encoding:?}",
        samples.len(),
        chunk.len()
    );
    (figure, encoding)
}

#[test]
fn a_day_of_a_cpu_seconds_counter_takes_under_one_byte_per_sample() {
    let samples = series::cpu_seconds_counter(SAMPLES_PER_DAY, 42);
    let (figure, encoding) = bytes_per_sample("cpu_seconds_counter/day", &samples);
    assert_eq!(encoding, ValueEncoding::DecimalDeltaOfDelta);
    assert!(figure < 1.0, "{figure}");
}

#[test]
fn a_day_of_a_request_counter_takes_under_one_byte_per_sample() {
    let samples = series::requests_counter(SAMPLES_PER_DAY, 42);
    let (figure, _) = bytes_per_sample("requests_counter/day", &samples);
    assert!(figure < 1.0, "{figure}");
}

#[test]
fn a_day_of_a_two_decimal_gauge_takes_under_one_byte_per_sample() {
    let samples = series::load_gauge(SAMPLES_PER_DAY, 42);
    let (figure, encoding) = bytes_per_sample("load_gauge/day", &samples);
    assert_eq!(encoding, ValueEncoding::DecimalDelta);
    assert!(figure < 1.0, "{figure}");
}

#[test]
fn a_day_of_a_constant_takes_almost_nothing() {
    let timestamps = series::scrape_timestamps(SAMPLES_PER_DAY, &mut series::Rng::new(42));
    let samples: Vec<_> = timestamps
        .into_iter()
        .map(|t| Sample::new(t, 1.0))
        .collect();
    let (figure, _) = bytes_per_sample("up/day", &samples);
    assert!(figure < 0.2, "{figure}");
}

#[test]
fn hard_series_stay_within_their_worst_case() {
    let (figure, _) = bytes_per_sample(
        "network_bytes_counter/day",
        &series::network_bytes_counter(SAMPLES_PER_DAY, 42),
    );
    assert!(figure < 4.0, "{figure}");
    let (figure, _) = bytes_per_sample(
        "random_floats/day",
        &series::random_floats(SAMPLES_PER_DAY, 42),
    );
    assert!(figure < 10.0, "{figure}");
}
