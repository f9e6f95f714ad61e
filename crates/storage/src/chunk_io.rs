//! The engine's use of the chunk codec: splitting a series' samples into
//! per-day chunks and reading chunks back within a time range.

use crate::error::EngineError;
use estuary_types::{Sample, TimeRange, day_of};

/// Samples per chunk the engine writes: the codec's maximum. A day holds more
/// only with sub-second resolution; it is then split into several chunks.
const SAMPLES_PER_CHUNK: usize = estuary_chunk::SAMPLES_PER_CHUNK_MAX as usize;

/// Encodes sorted, deduplicated samples into one chunk per UTC day (more when
/// a day exceeds the codec's sample limit); calls
/// `emit(day, timestamp_min, bytes)` for each.
pub fn encode_by_day(samples: &[Sample], mut emit: impl FnMut(u32, i64, Vec<u8>)) {
    let mut start = 0;
    while start < samples.len() {
        let day = day_of(samples[start].timestamp);
        let same_day = samples[start..]
            .iter()
            .take_while(|s| day_of(s.timestamp) == day)
            .count();
        let end = start + same_day.min(SAMPLES_PER_CHUNK);
        let part = &samples[start..end];
        let mut bytes = Vec::with_capacity(part.len() * 2 + 32);
        estuary_chunk::encode(part, &mut bytes);
        emit(day, part[0].timestamp, bytes);
        start = end;
    }
}

/// Appends the samples of `chunk` that lie in `range` to `out`. Skips decoding
/// when the chunk's header shows it lies outside the range.
pub fn decode_in_range(
    chunk: &[u8],
    range: TimeRange,
    out: &mut Vec<Sample>,
) -> Result<(), EngineError> {
    let (header, _) = estuary_chunk::decode_header(chunk).map_err(corrupt)?;
    if header.timestamp_max < range.start || header.timestamp_min > range.end {
        return Ok(());
    }
    let before = out.len();
    estuary_chunk::decode_into(chunk, out).map_err(corrupt)?;
    if header.timestamp_min < range.start || header.timestamp_max > range.end {
        let mut kept = before;
        for index in before..out.len() {
            if range.contains(out[index].timestamp) {
                out[kept] = out[index];
                kept += 1;
            }
        }
        out.truncate(kept);
    }
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
