//! The `series` and `labels` layouts: what a search and a series listing send
//! back (docs/format/rpc.md). Samples travel as chunks of the chunk codec, so a
//! search costs the storage node one encode and the network a fraction of the
//! raw size; select decodes them.

use crate::error::WireError;
use estuary_chunk::SAMPLES_PER_CHUNK_MAX;
use estuary_storage_api::SeriesData;
use estuary_types::encoding::{get_uvarint, put_uvarint};
use estuary_types::{Labels, sort_and_dedup};

/// zstd level of chunks in transit: the fastest, as they are read once.
const TRANSIT_ZSTD_LEVEL: i32 = 1;

/// Appends one series: its labels, a chunk count and the chunks. Samples must
/// be sorted with one per timestamp (as a search returns them); others are
/// sorted and deduplicated first.
pub fn encode_series(series: &SeriesData, dst: &mut Vec<u8>) {
    series.labels.encode(dst);
    let strictly_increasing = series
        .samples
        .windows(2)
        .all(|pair| pair[0].timestamp < pair[1].timestamp);
    let repaired;
    let samples = if strictly_increasing {
        &series.samples
    } else {
        let mut copy = series.samples.clone();
        sort_and_dedup(&mut copy);
        repaired = copy;
        &repaired
    };
    let chunks = samples.chunks(SAMPLES_PER_CHUNK_MAX as usize);
    put_uvarint(dst, chunks.len() as u64);
    for chunk in chunks {
        estuary_chunk::encode_with_level(chunk, TRANSIT_ZSTD_LEVEL, dst);
    }
}

/// Decodes every series of `src`.
pub fn decode_series(mut src: &[u8]) -> Result<Vec<SeriesData>, WireError> {
    let mut out = Vec::new();
    while !src.is_empty() {
        let (labels, tail) = Labels::decode(src)?;
        let (chunk_count, mut tail) = get_uvarint(tail, "chunk count")?;
        let mut samples = Vec::new();
        for _ in 0..chunk_count {
            if tail.is_empty() {
                return Err(WireError::Truncated("chunk"));
            }
            let (_, rest) = estuary_chunk::decode_into(tail, &mut samples)?;
            tail = rest;
        }
        out.push(SeriesData { labels, samples });
        src = tail;
    }
    Ok(out)
}

/// Label sets one after another.
pub fn encode_label_sets(sets: &[Labels]) -> Vec<u8> {
    let mut out = Vec::with_capacity(sets.len() * 64);
    for labels in sets {
        labels.encode(&mut out);
    }
    out
}

/// Decodes label sets written by [`encode_label_sets`].
pub fn decode_label_sets(mut src: &[u8]) -> Result<Vec<Labels>, WireError> {
    let mut out = Vec::new();
    while !src.is_empty() {
        let (labels, tail) = Labels::decode(src)?;
        out.push(labels);
        src = tail;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use estuary_types::{Sample, stale_nan};

    fn series(job: &str, samples: Vec<Sample>) -> SeriesData {
        SeriesData {
            labels: Labels::from_pairs(&[("__name__", "up"), ("job", job)]),
            samples,
        }
    }

    #[test]
    fn series_round_trip_bit_exact() {
        let long: Vec<Sample> = (0..(SAMPLES_PER_CHUNK_MAX as i64 + 5))
            .map(|t| Sample::new(t * 15_000, t as f64))
            .collect();
        let all = vec![
            series("a", vec![Sample::new(1, stale_nan()), Sample::new(2, 0.25)]),
            series("b", vec![]),
            series("c", long),
        ];
        let mut bytes = Vec::new();
        for s in &all {
            encode_series(s, &mut bytes);
        }
        let decoded = decode_series(&bytes).expect("decodes");
        assert_eq!(decoded.len(), all.len());
        for (a, b) in all.iter().zip(&decoded) {
            assert_eq!(a.labels, b.labels);
            let bits = |s: &[Sample]| -> Vec<(i64, u64)> {
                s.iter().map(|s| (s.timestamp, s.value.to_bits())).collect()
            };
            assert_eq!(bits(&a.samples), bits(&b.samples));
        }
    }

    #[test]
    fn unsorted_samples_are_repaired_not_panicked_on() {
        let mut bytes = Vec::new();
        encode_series(
            &series(
                "a",
                vec![
                    Sample::new(5, 1.0),
                    Sample::new(1, 2.0),
                    Sample::new(5, 3.0),
                ],
            ),
            &mut bytes,
        );
        let decoded = decode_series(&bytes).expect("decodes");
        let times: Vec<i64> = decoded[0].samples.iter().map(|s| s.timestamp).collect();
        assert_eq!(times, [1, 5]);
    }

    #[test]
    fn truncated_series_are_errors() {
        let mut bytes = Vec::new();
        encode_series(&series("a", vec![Sample::new(1, 1.0)]), &mut bytes);
        for cut in 1..bytes.len() {
            assert!(decode_series(&bytes[..cut]).is_err(), "cut at {cut}");
        }
    }

    #[test]
    fn label_sets_round_trip() {
        let sets = vec![
            Labels::from_pairs(&[("__name__", "a")]),
            Labels::from_pairs(&[("__name__", "b"), ("x", "y")]),
        ];
        assert_eq!(
            decode_label_sets(&encode_label_sets(&sets)).expect("decodes"),
            sets
        );
    }
}
