//! The `rows` layout: the series and samples of a write, as one byte string
//! (docs/format/rpc.md). Samples keep their arrival order and duplicates; the
//! storage node sorts and resolves them, as it does for local writes.

use crate::error::WireError;
use estuary_storage_api::SeriesSamples;
use estuary_types::encoding::{get_uvarint, get_varint, put_uvarint, put_varint};
use estuary_types::{EncodedLabels, Sample, Tenant};
use std::ops::Range;

/// Bytes a sample takes at least: a one-byte timestamp delta and a value.
const SAMPLE_BYTES_MIN: usize = 1 + 8;

/// Appends `series` to `dst`; returns where its encoded labels lie in `dst`
/// (so a caller can hash them without encoding them again).
pub fn encode_row(series: &SeriesSamples, dst: &mut Vec<u8>) -> Range<usize> {
    put_uvarint(dst, u64::from(series.tenant.account_id));
    put_uvarint(dst, u64::from(series.tenant.project_id));
    let labels_start = dst.len();
    dst.extend_from_slice(series.labels.as_bytes());
    let labels = labels_start..dst.len();
    put_uvarint(dst, series.samples.len() as u64);
    let mut previous = 0i64;
    for sample in &series.samples {
        put_varint(dst, sample.timestamp.wrapping_sub(previous));
        previous = sample.timestamp;
        dst.extend_from_slice(&sample.value.to_bits().to_le_bytes());
    }
    labels
}

/// The rows of `batch` as one byte string.
pub fn encode_rows<'a>(batch: impl IntoIterator<Item = &'a SeriesSamples>) -> Vec<u8> {
    let mut out = Vec::new();
    for series in batch {
        encode_row(series, &mut out);
    }
    out
}

/// Decodes every row of `src`; fails on the first malformed one.
pub fn decode_rows(mut src: &[u8]) -> Result<Vec<SeriesSamples>, WireError> {
    let mut rows = Vec::new();
    while !src.is_empty() {
        let (row, tail) = decode_row(src)?;
        rows.push(row);
        src = tail;
    }
    Ok(rows)
}

fn decode_row(src: &[u8]) -> Result<(SeriesSamples, &[u8]), WireError> {
    let (account_id, tail) = get_uvarint(src, "account id")?;
    let (project_id, tail) = get_uvarint(tail, "project id")?;
    let tenant = Tenant::new(
        u32::try_from(account_id).map_err(|_| WireError::OutOfRange("account id"))?,
        u32::try_from(project_id).map_err(|_| WireError::OutOfRange("project id"))?,
    );
    let (labels, tail) = EncodedLabels::decode(tail)?;
    let (count, mut tail) = get_uvarint(tail, "sample count")?;
    let count = usize::try_from(count)
        .ok()
        .filter(|&count| count <= tail.len() / SAMPLE_BYTES_MIN)
        .ok_or(WireError::OutOfRange("sample count"))?;
    let mut samples = Vec::with_capacity(count);
    let mut timestamp = 0i64;
    for _ in 0..count {
        let (delta, rest) = get_varint(tail, "timestamp delta")?;
        let (value, rest) = rest
            .split_first_chunk::<8>()
            .ok_or(WireError::Truncated("sample value"))?;
        timestamp = timestamp.wrapping_add(delta);
        samples.push(Sample::new(
            timestamp,
            f64::from_bits(u64::from_le_bytes(*value)),
        ));
        tail = rest;
    }
    Ok((
        SeriesSamples {
            tenant,
            labels,
            samples,
        },
        tail,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use estuary_types::{Labels, stale_nan};
    use proptest::prelude::*;

    fn row(tenant: Tenant, job: &str, samples: Vec<Sample>) -> SeriesSamples {
        SeriesSamples {
            tenant,
            labels: Labels::from_pairs(&[("__name__", "up"), ("job", job)]).into(),
            samples,
        }
    }

    #[test]
    fn rows_round_trip_bit_exact_in_arrival_order() {
        let rows = vec![
            row(
                Tenant::new(7, 9),
                "a",
                vec![
                    Sample::new(2_000, 1.5),
                    Sample::new(1_000, stale_nan()),
                    Sample::new(2_000, -0.0),
                    Sample::new(i64::MIN, f64::INFINITY),
                ],
            ),
            row(Tenant::DEFAULT, "b", vec![]),
        ];
        let decoded = decode_rows(&encode_rows(&rows)).expect("decodes");
        assert_eq!(decoded.len(), 2);
        for (a, b) in rows.iter().zip(&decoded) {
            assert_eq!(a.tenant, b.tenant);
            assert_eq!(a.labels, b.labels);
            let bits = |s: &[Sample]| -> Vec<(i64, u64)> {
                s.iter().map(|s| (s.timestamp, s.value.to_bits())).collect()
            };
            assert_eq!(bits(&a.samples), bits(&b.samples));
        }
    }

    #[test]
    fn truncated_and_lying_rows_are_errors() {
        let bytes = encode_rows(&[row(
            Tenant::DEFAULT,
            "a",
            vec![Sample::new(1, 1.0), Sample::new(2, 2.0)],
        )]);
        for cut in 1..bytes.len() {
            assert!(decode_rows(&bytes[..cut]).is_err(), "cut at {cut}");
        }
        let mut lying = Vec::new();
        put_uvarint(&mut lying, 0);
        put_uvarint(&mut lying, 0);
        Labels::from_pairs(&[("__name__", "up")]).encode(&mut lying);
        put_uvarint(&mut lying, u64::MAX);
        assert!(matches!(
            decode_rows(&lying),
            Err(WireError::OutOfRange("sample count"))
        ));
    }

    proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
            let _ = decode_rows(&bytes);
        }
    }
}
