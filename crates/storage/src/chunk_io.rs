//! The engine's use of the chunk codec: cutting a series' samples into chunks
//! by UTC day and aligned time window, and reading chunks back within a time
//! range.
//!
//! A query decodes whole chunks, so a chunk per series per day made a
//! five-minute query decode the day. Chunks are therefore cut at window
//! boundaries ([`WINDOW_MS`], aligned to the day), but only where both sides
//! keep at least [`SAMPLES_PER_CHUNK_MIN`] samples: a sparse series, or a
//! short run of samples (a flush every few minutes), still gets one chunk,
//! so each chunk's fixed cost (key, header, checksum, zstd frame) stays small
//! per sample.

use crate::error::EngineError;
use estuary_types::{MS_PER_DAY, Sample, TimeRange, day_of};

/// Samples per chunk the engine writes at most: the codec's maximum. Only
/// sub-second resolution fills a window with more.
const SAMPLES_PER_CHUNK_MAX: usize = estuary_chunk::SAMPLES_PER_CHUNK_MAX as usize;

/// Width of the aligned windows chunks are cut at; divides a day.
pub const WINDOW_MS: i64 = 2 * 3_600_000;

/// Fewest samples on either side of a window boundary for a chunk to be cut
/// there: two hours of a 60 s scrape.
pub const SAMPLES_PER_CHUNK_MIN: usize = 120;

/// Encodes sorted, deduplicated samples into chunks: at least one per UTC day,
/// cut at window boundaries as the module describes (and at the codec's
/// sample limit); calls `emit(day, timestamp_min, bytes)` for each, in time
/// order.
pub fn encode_chunks(samples: &[Sample], mut emit: impl FnMut(u32, i64, Vec<u8>)) {
    let mut start = 0;
    while start < samples.len() {
        let day = day_of(samples[start].timestamp);
        let day_len = samples[start..]
            .iter()
            .take_while(|s| day_of(s.timestamp) == day)
            .count();
        let day_samples = &samples[start..start + day_len];
        for (from, to) in window_cuts(day_samples, i64::from(day) * MS_PER_DAY) {
            for part in day_samples[from..to].chunks(SAMPLES_PER_CHUNK_MAX) {
                let mut bytes = Vec::with_capacity(part.len() * 2 + 32);
                estuary_chunk::encode_uncompressed(part, &mut bytes);
                emit(day, part[0].timestamp, bytes);
            }
        }
        start += day_len;
    }
}

/// The `(from, to)` index ranges of one day's samples (starting at
/// `day_start_ms`) that become chunks.
fn window_cuts(day_samples: &[Sample], day_start_ms: i64) -> Vec<(usize, usize)> {
    let mut cuts = Vec::new();
    let mut from = 0;
    let mut boundary = day_start_ms + WINDOW_MS;
    while boundary < day_start_ms + MS_PER_DAY {
        let at = day_samples.partition_point(|s| s.timestamp < boundary);
        if at - from >= SAMPLES_PER_CHUNK_MIN && day_samples.len() - at >= SAMPLES_PER_CHUNK_MIN {
            cuts.push((from, at));
            from = at;
        }
        boundary += WINDOW_MS;
    }
    if from < day_samples.len() {
        cuts.push((from, day_samples.len()));
    }
    cuts
}

/// Appends the samples of `chunk` that lie in `range` to `out`. Skips decoding
/// when the chunk's header shows it lies outside the range.
pub fn decode_in_range(
    chunk: &[u8],
    range: TimeRange,
    out: &mut Vec<Sample>,
) -> Result<(), EngineError> {
    estuary_chunk::decode_range_into(chunk, range, out).map_err(corrupt)?;
    Ok(())
}

/// Appends every sample of `chunk` to `out`.
pub fn decode_all(chunk: &[u8], out: &mut Vec<Sample>) -> Result<(), EngineError> {
    estuary_chunk::decode_into(chunk, out).map_err(corrupt)?;
    Ok(())
}

fn corrupt(error: estuary_chunk::ChunkError) -> EngineError {
    EngineError::Corrupt {
        what: "chunk",
        detail: error.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: i64 = 20_000 * MS_PER_DAY;

    fn series(start: i64, count: usize, step: i64) -> Vec<Sample> {
        (0..count as i64)
            .map(|i| Sample::new(start + i * step, i as f64))
            .collect()
    }

    fn chunk_starts(samples: &[Sample]) -> Vec<(u32, i64, usize)> {
        let mut out = Vec::new();
        encode_chunks(samples, |day, timestamp_min, bytes| {
            let (header, _) = estuary_chunk::decode_header(&bytes).expect("valid chunk");
            out.push((day, timestamp_min, header.sample_count as usize));
        });
        out
    }

    #[test]
    fn a_full_day_is_cut_at_every_window() {
        let samples = series(DAY, 1_440, 60_000);
        let chunks = chunk_starts(&samples);
        assert_eq!(chunks.len(), 12);
        for (index, (_, timestamp_min, count)) in chunks.iter().enumerate() {
            assert_eq!(*timestamp_min, DAY + index as i64 * WINDOW_MS);
            assert_eq!(*count, 120);
        }
    }

    #[test]
    fn sparse_or_short_runs_stay_one_chunk() {
        // Two hours of 60 s samples straddling a boundary: 60 on each side.
        let straddling = series(DAY + WINDOW_MS - 3_600_000, 120, 60_000);
        assert_eq!(chunk_starts(&straddling).len(), 1);
        // A day of 10-minute samples: 144, never 120 in one window.
        let sparse = series(DAY, 144, 600_000);
        assert_eq!(chunk_starts(&sparse).len(), 1);
    }

    #[test]
    fn a_window_too_short_joins_its_neighbour() {
        // Starts an hour into the day: the first window holds 60 samples, so
        // the first chunk runs to the second boundary.
        let samples = series(DAY + 3_600_000, 600, 60_000);
        let chunks = chunk_starts(&samples);
        let counts: Vec<usize> = chunks.iter().map(|c| c.2).collect();
        assert_eq!(counts, [180, 120, 120, 180]);
    }

    #[test]
    fn days_are_never_shared() {
        let samples = series(DAY + MS_PER_DAY - 60_000, 3, 60_000);
        let days: Vec<u32> = chunk_starts(&samples).iter().map(|c| c.0).collect();
        assert_eq!(days, [20_000, 20_001]);
    }

    #[test]
    fn decode_in_range_keeps_only_the_range() {
        let samples = series(DAY, 100, 1_000);
        let mut bytes = Vec::new();
        estuary_chunk::encode(&samples, &mut bytes);
        let mut out = vec![Sample::new(1, 1.0)];
        decode_in_range(&bytes, TimeRange::new(DAY + 10_000, DAY + 12_500), &mut out)
            .expect("decode");
        let times: Vec<i64> = out.iter().map(|s| s.timestamp).collect();
        assert_eq!(times, [1, DAY + 10_000, DAY + 11_000, DAY + 12_000]);
        decode_in_range(&bytes, TimeRange::new(0, DAY - 1), &mut out).expect("decode");
        assert_eq!(out.len(), 4, "a chunk outside the range adds nothing");
    }
}
