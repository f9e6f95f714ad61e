//! Truncated, bit-flipped and mutated chunks give an error and never a panic,
//! and whatever does decode still satisfies every chunk invariant. Mutations
//! are resealed with a correct checksum so that they reach the decoders behind
//! the CRC, and compression is stripped first so that they reach the body
//! decoders rather than zstd.

mod common;

use common::frame;
use common::series;
use estuary_chunk::{ChunkError, FORMAT_VERSION, decode, decode_header, decode_into, encode};
use estuary_types::{Sample, stale_nan};
use proptest::prelude::*;

/// Chunks of every value encoding, compressed and not.
fn chunks() -> Vec<Vec<u8>> {
    let series: Vec<Vec<Sample>> = vec![
        series::cpu_seconds_counter(300, 1),
        series::load_gauge(300, 2),
        series::random_floats(50, 3),
        vec![Sample::new(7, stale_nan())],
        vec![Sample::new(i64::MIN, 1.0), Sample::new(i64::MAX, -0.0)],
    ];
    let mut chunks = Vec::new();
    for samples in &series {
        let mut chunk = Vec::new();
        encode(samples, &mut chunk);
        chunks.push(frame::write_uncompressed(&frame::parse(&chunk)));
        chunks.push(chunk);
    }
    chunks
}

/// Decodes through every entry point; none may panic, all must agree.
fn decode_everywhere(bytes: &[u8]) -> Result<(), ChunkError> {
    let header_only = decode_header(bytes);
    let mut dst = vec![Sample::new(1, 2.0)];
    let into = decode_into(bytes, &mut dst);
    let full = decode(bytes);
    match (&full, &into) {
        (Ok((header, samples, tail)), Ok((header_into, tail_into))) => {
            assert_eq!(header, header_into);
            assert_eq!(tail, tail_into);
            assert_eq!(&dst[1..], &samples[..]);
            assert_eq!(header_only.as_ref().ok(), Some(&(*header, *tail)));
            common::assert_invariants(header, samples);
        }
        (Err(_), Err(_)) => assert_eq!(dst, [Sample::new(1, 2.0)], "dst restored on error"),
        _ => panic!("decode and decode_into disagree"),
    }
    full.map(|_| ())
}

#[test]
fn every_truncation_is_an_error() {
    for chunk in chunks() {
        for len in 0..chunk.len() {
            assert!(decode_everywhere(&chunk[..len]).is_err(), "len {len}");
        }
    }
}

#[test]
fn every_single_bit_flip_is_an_error() {
    for chunk in chunks() {
        for bit in 0..chunk.len() * 8 {
            let mut flipped = chunk.clone();
            flipped[bit / 8] ^= 1 << (bit % 8);
            assert!(decode_everywhere(&flipped).is_err(), "bit {bit}");
        }
    }
}

#[test]
fn errors_name_what_they_found() {
    let mut chunk = Vec::new();
    encode(&[Sample::new(1, 1.0)], &mut chunk);

    let mut newer = chunk.clone();
    newer[0] = FORMAT_VERSION + 1;
    assert!(matches!(decode(&newer), Err(ChunkError::UnknownVersion { found }) if found == 2));

    let mut flipped = chunk.clone();
    let last = flipped.len() - 1;
    flipped[last] ^= 0x80;
    let Err(ChunkError::ChecksumMismatch { expected, found }) = decode(&flipped) else {
        panic!("expected a checksum mismatch");
    };
    assert_eq!(expected ^ found, 0x8000_0000);

    let mut flags = chunk.clone();
    flags[1] = 0x80;
    frame::reseal(&mut flags);
    assert!(matches!(
        decode(&flags),
        Err(ChunkError::UnknownFlags { found: 0x80 })
    ));

    assert!(matches!(decode(&[]), Err(ChunkError::Field(_))));
}

/// One edit to a chunk.
#[derive(Debug, Clone)]
enum Mutation {
    Set { index: usize, byte: u8 },
    Insert { index: usize, byte: u8 },
    Remove { index: usize },
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(index, byte)| Mutation::Set { index, byte }),
        (any::<usize>(), any::<u8>()).prop_map(|(index, byte)| Mutation::Insert { index, byte }),
        any::<usize>().prop_map(|index| Mutation::Remove { index }),
    ]
}

fn apply(chunk: &mut Vec<u8>, mutation: &Mutation) {
    if chunk.is_empty() {
        return;
    }
    match *mutation {
        Mutation::Set { index, byte } => {
            let len = chunk.len();
            chunk[index % len] = byte;
        }
        Mutation::Insert { index, byte } => chunk.insert(index % (chunk.len() + 1), byte),
        Mutation::Remove { index } => {
            let len = chunk.len();
            chunk.remove(index % len);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2048))]

    #[test]
    fn resealed_mutations_never_panic(
        which in any::<usize>(),
        mutations in proptest::collection::vec(mutation(), 1..6),
    ) {
        let chunks = chunks();
        let mut chunk = chunks[which % chunks.len()].clone();
        for mutation in &mutations {
            apply(&mut chunk, mutation);
        }
        frame::reseal(&mut chunk);
        let _ = decode_everywhere(&chunk);
    }

    #[test]
    fn unsealed_mutations_are_errors_or_leave_the_chunk_whole(
        which in any::<usize>(),
        mutations in proptest::collection::vec(mutation(), 1..6),
    ) {
        let chunks = chunks();
        let original = &chunks[which % chunks.len()];
        let mut chunk = original.clone();
        for mutation in &mutations {
            apply(&mut chunk, mutation);
        }
        // A byte appended after the checksum is a tail, not part of the chunk:
        // whatever decodes must be exactly the original chunk.
        if let Ok((_, _, tail)) = decode(&chunk) {
            prop_assert_eq!(&chunk[..chunk.len() - tail.len()], &original[..]);
        }
        let _ = decode_everywhere(&chunk);
    }

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = decode_everywhere(&bytes);
        let mut sealed = bytes;
        frame::reseal(&mut sealed);
        let _ = decode_everywhere(&sealed);
    }

    #[test]
    fn random_bodies_behind_a_valid_frame_never_panic(
        value_encoding in 0u8..5,
        sample_count in 0u64..300,
        timestamp_min in any::<i64>(),
        timestamp_span in any::<u64>(),
        body in proptest::collection::vec(any::<u8>(), 0..2048),
    ) {
        let forged = frame::Frame {
            version: FORMAT_VERSION,
            flags: 0,
            value_encoding,
            sample_count,
            timestamp_min,
            timestamp_span: timestamp_span % (sample_count * 100_000 + 1),
            body,
        };
        let _ = decode_everywhere(&frame::write_uncompressed(&forged));
    }
}
