//! Decoding an encoded chunk gives back every sample bit for bit, whatever the
//! timestamps and values, and the header agrees with the samples.

mod common;

use std::collections::BTreeSet;

use estuary_chunk::{
    SAMPLES_PER_CHUNK_MAX, ValueEncoding, decode, decode_header, decode_into, encode,
    encode_with_level,
};
use estuary_types::{STALE_NAN_BITS, Sample, stale_nan};
use proptest::prelude::*;

/// Sorted unique timestamps, drawn from anywhere in `i64` (extremes included) or
/// from realistic scrape runs.
fn timestamps() -> impl Strategy<Value = Vec<i64>> {
    let anywhere = prop_oneof![
        any::<i64>(),
        Just(i64::MIN),
        Just(i64::MAX),
        Just(i64::MIN + 1),
        Just(i64::MAX - 1),
        Just(0i64),
        -1000i64..1000,
    ];
    let scattered = proptest::collection::btree_set(anywhere, 1..200)
        .prop_map(|set: BTreeSet<i64>| set.into_iter().collect());
    let scraped = (
        any::<i64>(),
        proptest::collection::vec(1i64..100_000, 0..200),
    )
        .prop_map(|(start, steps)| {
            let start = start / 4; // leave room for the steps
            let mut timestamp = start;
            let mut timestamps = vec![start];
            for step in steps {
                timestamp += step;
                timestamps.push(timestamp);
            }
            timestamps
        });
    prop_oneof![scattered, scraped]
}

/// One value of a given flavour.
fn value() -> impl Strategy<Value = f64> {
    prop_oneof![
        any::<u64>().prop_map(f64::from_bits),
        Just(stale_nan()),
        Just(f64::NAN),
        Just(f64::INFINITY),
        Just(f64::NEG_INFINITY),
        Just(-0.0),
        Just(0.0),
        decimal(),
        integer(),
    ]
}

fn decimal() -> impl Strategy<Value = f64> {
    prop_oneof![
        (-100_000i64..100_000).prop_map(|k| k as f64 * 0.1),
        (-100_000i64..100_000).prop_map(|k| k as f64 / 100.0),
        (-1_000_000i64..1_000_000, 0u32..8).prop_map(|(m, e)| m as f64 / 10f64.powi(e as i32)),
    ]
}

fn integer() -> impl Strategy<Value = f64> {
    prop_oneof![
        (-1_000_000i64..1_000_000).prop_map(|k| k as f64),
        any::<i64>().prop_map(|k| k as f64),
        (0i64..1000).prop_map(|k| k as f64 * 1e6),
    ]
}

/// Values for a chunk: all of one flavour (so that the decimal encodings are
/// reached), or mixed.
fn values(count: usize) -> impl Strategy<Value = Vec<f64>> {
    let counter = (
        0i64..1_000_000,
        proptest::collection::vec(0i64..5000, count),
    )
        .prop_map(|(start, steps)| {
            steps
                .iter()
                .scan(start, |total, step| {
                    *total += step;
                    Some(*total as f64 / 100.0)
                })
                .collect()
        });
    prop_oneof![
        proptest::collection::vec(value(), count),
        proptest::collection::vec(decimal(), count),
        proptest::collection::vec(integer(), count),
        proptest::collection::vec(any::<u64>().prop_map(f64::from_bits), count),
        counter,
    ]
}

fn samples() -> impl Strategy<Value = Vec<Sample>> {
    timestamps().prop_flat_map(|timestamps| {
        values(timestamps.len()).prop_map(move |values| {
            timestamps
                .iter()
                .zip(values)
                .map(|(&t, v)| Sample::new(t, v))
                .collect()
        })
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn decode_gives_back_what_encode_took(samples in samples()) {
        let mut chunk = Vec::new();
        encode(&samples, &mut chunk);
        let (header, decoded, tail) = decode(&chunk).expect("decode");
        prop_assert!(tail.is_empty());
        prop_assert_eq!(&decoded, &samples);
        prop_assert_eq!(header.sample_count as usize, samples.len());
        prop_assert_eq!(header.timestamp_min, samples[0].timestamp);
        prop_assert_eq!(header.timestamp_max, samples[samples.len() - 1].timestamp);
    }

    #[test]
    fn decode_header_agrees_with_decode(samples in samples()) {
        let mut chunk = Vec::new();
        encode(&samples, &mut chunk);
        let (header_only, tail_only) = decode_header(&chunk).expect("decode_header");
        let (header, _, tail) = decode(&chunk).expect("decode");
        prop_assert_eq!(header_only, header);
        prop_assert_eq!(tail_only, tail);
    }

    #[test]
    fn every_zstd_level_decodes_the_same(samples in samples(), level in 1i32..=19) {
        let mut chunk = Vec::new();
        encode_with_level(&samples, level, &mut chunk);
        prop_assert_eq!(decode(&chunk).expect("decode").1, samples);
    }

    #[test]
    fn decode_into_appends_after_existing_samples(
        samples in samples(),
        existing in proptest::collection::vec((any::<i64>(), any::<u64>()), 0..5),
    ) {
        let mut chunk = Vec::new();
        encode(&samples, &mut chunk);
        let existing: Vec<_> =
            existing.into_iter().map(|(t, v)| Sample::new(t, f64::from_bits(v))).collect();
        let mut dst = existing.clone();
        decode_into(&chunk, &mut dst).expect("decode_into");
        prop_assert_eq!(&dst[..existing.len()], &existing[..]);
        prop_assert_eq!(&dst[existing.len()..], &samples[..]);
    }
}

#[test]
fn one_sample_chunks_round_trip() {
    for value in [
        0.0,
        -0.0,
        1.5,
        stale_nan(),
        f64::NAN,
        f64::MAX,
        f64::MIN_POSITIVE,
    ] {
        for timestamp in [i64::MIN, -1, 0, 1_700_000_000_000, i64::MAX] {
            let samples = [Sample::new(timestamp, value)];
            let mut chunk = Vec::new();
            encode(&samples, &mut chunk);
            let (header, decoded, _) = decode(&chunk).expect("decode");
            assert_eq!(decoded, samples);
            assert_eq!(
                (header.timestamp_min, header.timestamp_max),
                (timestamp, timestamp)
            );
        }
    }
}

#[test]
fn staleness_marker_keeps_its_bits_amid_decimals() {
    let samples: Vec<_> = (0..100)
        .map(|i| {
            let value = if i % 10 == 9 {
                stale_nan()
            } else {
                i as f64 * 0.5
            };
            Sample::new(i * 15_000, value)
        })
        .collect();
    let mut chunk = Vec::new();
    encode(&samples, &mut chunk);
    let (header, decoded, _) = decode(&chunk).expect("decode");
    assert_eq!(header.value_encoding, ValueEncoding::Xor);
    assert_eq!(decoded[9].value.to_bits(), STALE_NAN_BITS);
    assert_eq!(decoded, samples);
}

#[test]
fn value_encoding_follows_the_data() {
    let encoding_of = |values: &[f64]| {
        let samples: Vec<_> = values
            .iter()
            .enumerate()
            .map(|(i, &v)| Sample::new(i as i64, v))
            .collect();
        let mut chunk = Vec::new();
        encode(&samples, &mut chunk);
        decode_header(&chunk)
            .expect("decode_header")
            .0
            .value_encoding
    };
    let counter: Vec<f64> = (0..50).map(|i| f64::from(i * 1500 + i % 3)).collect();
    assert_eq!(encoding_of(&counter), ValueEncoding::DecimalDeltaOfDelta);
    assert_eq!(
        encoding_of(&[0.25, 0.5, 0.25, 0.75]),
        ValueEncoding::DecimalDelta
    );
    assert_eq!(encoding_of(&[1.0, -0.0]), ValueEncoding::Xor);
    assert_eq!(encoding_of(&[1.0, f64::INFINITY]), ValueEncoding::Xor);
}

#[test]
fn the_largest_chunk_round_trips() {
    let samples: Vec<_> = (0..i64::from(SAMPLES_PER_CHUNK_MAX))
        .map(|i| Sample::new(i * 1000, (i % 977) as f64))
        .collect();
    let mut chunk = Vec::new();
    encode(&samples, &mut chunk);
    assert!(chunk.len() <= estuary_chunk::CHUNK_BYTES_MAX);
    assert_eq!(decode(&chunk).expect("decode").1, samples);
}

#[test]
#[should_panic(expected = "BUG: cannot encode a chunk of no samples")]
fn encoding_no_samples_is_a_bug() {
    encode(&[], &mut Vec::new());
}

#[test]
#[should_panic(expected = "BUG: chunk timestamps must strictly increase")]
fn encoding_a_repeated_timestamp_is_a_bug() {
    encode(&[Sample::new(5, 1.0), Sample::new(5, 2.0)], &mut Vec::new());
}

#[test]
#[should_panic(expected = "exceed a chunk's maximum")]
fn encoding_too_many_samples_is_a_bug() {
    let samples: Vec<_> = (0..i64::from(SAMPLES_PER_CHUNK_MAX) + 1)
        .map(|i| Sample::new(i, 0.0))
        .collect();
    encode(&samples, &mut Vec::new());
}
