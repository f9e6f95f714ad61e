//! Encoding appends: bytes already in the buffer stay as they were, and chunks
//! written back to back decode one after another through the returned tail.

use estuary_chunk::{decode, decode_header, encode};
use estuary_types::Sample;
use proptest::prelude::*;

proptest! {
    #[test]
    fn encoding_onto_a_non_empty_buffer_leaves_its_bytes_intact(
        prefix in proptest::collection::vec(any::<u8>(), 0..64),
        values in proptest::collection::vec(any::<u64>(), 1..100),
    ) {
        let samples: Vec<_> = values
            .iter()
            .enumerate()
            .map(|(i, &bits)| Sample::new(i as i64 * 15_000, f64::from_bits(bits)))
            .collect();
        let mut alone = Vec::new();
        encode(&samples, &mut alone);
        let mut buf = prefix.clone();
        encode(&samples, &mut buf);
        prop_assert_eq!(&buf[..prefix.len()], &prefix[..]);
        prop_assert_eq!(&buf[prefix.len()..], &alone[..]);
    }
}

#[test]
fn back_to_back_chunks_decode_through_the_tail() {
    let first: Vec<_> = (0..10).map(|i| Sample::new(i, i as f64)).collect();
    let second: Vec<_> = (10..300)
        .map(|i| Sample::new(i * 1000, 0.5 * i as f64))
        .collect();
    let mut buf = Vec::new();
    encode(&first, &mut buf);
    encode(&second, &mut buf);
    buf.extend_from_slice(b"rest");

    let (header, tail) = decode_header(&buf).expect("first header");
    assert_eq!(header.timestamp_max, 9);
    let (_, decoded, tail_after_decode) = decode(&buf).expect("first chunk");
    assert_eq!(decoded, first);
    assert_eq!(tail, tail_after_decode);
    let (_, decoded, tail) = decode(tail).expect("second chunk");
    assert_eq!(decoded, second);
    assert_eq!(tail, b"rest");
}
