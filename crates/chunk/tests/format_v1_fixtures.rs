//! Chunks written by format version 1 stay readable. The files under
//! `tests/fixtures/v1/` were written once by this crate and are checked in;
//! never regenerate them to make this test pass. A new format version adds new
//! fixtures beside them and keeps these.
//!
//! To add fixtures for a new version, copy `write_v1_fixtures`, point it at the
//! new directory and run it once with `--ignored`.

use std::path::PathBuf;

use estuary_chunk::{FORMAT_VERSION, ValueEncoding, decode, encode};
use estuary_types::{Sample, stale_nan};

/// The samples of each fixture, built from fixed formulas (not from the shared
/// test series, which may change).
fn fixtures() -> Vec<(&'static str, Vec<Sample>, ValueEncoding)> {
    let start = 1_700_000_000_000i64;
    let specials = vec![
        Sample::new(i64::MIN, 1.5),
        Sample::new(-1, stale_nan()),
        Sample::new(start, f64::from_bits(0x7ff8_dead_beef_0001)),
        Sample::new(i64::MAX, -0.0),
    ];
    let counter = (0..120i64)
        .map(|i| {
            let jitter = if i % 17 == 0 { 3 } else { 0 };
            let ticks = 12_345_678 + i * 1480 + (i * i) % 23;
            Sample::new(start + i * 15_000 + jitter, ticks as f64 / 100.0)
        })
        .collect();
    let gauge = (0..120i64)
        .map(|i| Sample::new(start + i * 15_000, ((i * 7) % 31 + 100) as f64 / 100.0))
        .collect();
    vec![
        ("specials_xor_raw", specials, ValueEncoding::Xor),
        (
            "counter_dod_zstd",
            counter,
            ValueEncoding::DecimalDeltaOfDelta,
        ),
        ("gauge_delta_zstd", gauge, ValueEncoding::DecimalDelta),
    ]
}

fn path(name: &str) -> PathBuf {
    manifest_dir().join(format!("tests/fixtures/v1/{name}.chunk"))
}

#[test]
fn version_1_fixtures_decode_to_their_samples() {
    for (name, samples, value_encoding) in fixtures() {
        let bytes = std::fs::read(path(name)).expect("read fixture");
        assert_eq!(bytes[0], 1, "{name} is a version 1 chunk");
        let (header, decoded, tail) = decode(&bytes).expect(name);
        assert!(tail.is_empty());
        assert_eq!(decoded, samples, "{name}");
        assert_eq!(header.value_encoding, value_encoding, "{name}");
    }
}

#[test]
fn version_1_uncompressed_encoding_is_unchanged() {
    // Compressed fixtures depend on zstd's output, which may change between zstd
    // releases without changing the format; the uncompressed one may not.
    let (name, samples, _) = fixtures().swap_remove(0);
    let fixture = std::fs::read(path(name)).expect("read fixture");
    assert_eq!(
        fixture[1], 0,
        "{name} has no flags set: its body is not compressed"
    );
    let mut chunk = Vec::new();
    encode(&samples, &mut chunk);
    assert_eq!(chunk, fixture);
}

#[test]
#[ignore = "writes the checked-in fixtures; run once per new format version"]
fn write_v1_fixtures() {
    assert_eq!(FORMAT_VERSION, 1);
    std::fs::create_dir_all(path("x").parent().expect("dir")).expect("mkdir");
    for (name, samples, _) in fixtures() {
        let mut chunk = Vec::new();
        encode(&samples, &mut chunk);
        std::fs::write(path(name), chunk).expect("write fixture");
    }
}

/// The crate's directory, as cargo reports it when running the test. The
/// compile-time value is only a fallback: a build cache shared between
/// checkouts at different paths may hold a binary compiled elsewhere.
fn manifest_dir() -> PathBuf {
    std::env::var_os("CARGO_MANIFEST_DIR")
        .map_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")), PathBuf::from)
}
