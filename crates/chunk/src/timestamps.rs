//! Timestamps as delta-of-delta. The first timestamp is the header's
//! `timestamp_min`; the body holds the first delta as a uvarint, then each change
//! of delta as a zigzag varint. Regular scrapes make every change zero (one byte
//! before compression, next to nothing after), and a few milliseconds of jitter
//! still take one byte.
//!
//! Deltas are `u64`: timestamps strictly increase, so every delta lies in
//! `1..=u64::MAX` even between `i64::MIN` and `i64::MAX`. Changes of delta are
//! computed with wrapping arithmetic, which the decoder undoes exactly.

use estuary_types::Sample;
use estuary_types::encoding::{put_uvarint, put_varint};

use crate::error::ChunkError;
use crate::header::ChunkHeader;
use crate::varints::VarintReader;

/// Appends the timestamps of `samples` after the first. `samples` strictly
/// increase (the encoder asserts it).
pub(crate) fn encode(samples: &[Sample], dst: &mut Vec<u8>) {
    let mut timestamps = samples.iter().map(|sample| sample.timestamp);
    let Some(mut previous) = timestamps.next() else {
        return;
    };
    let mut delta_previous = None;
    for timestamp in timestamps {
        let delta = timestamp.wrapping_sub(previous) as u64;
        match delta_previous {
            None => put_uvarint(dst, delta),
            Some(delta_previous) => put_varint(dst, delta.wrapping_sub(delta_previous) as i64),
        }
        delta_previous = Some(delta);
        previous = timestamp;
    }
}

/// Appends `header.sample_count` samples with their timestamps and a zero value
/// to `dst` (the values come next); returns the unread rest of `src`. Fails unless
/// the timestamps strictly increase and end at `header.timestamp_max`.
pub(crate) fn decode<'a>(
    src: &'a [u8],
    header: &ChunkHeader,
    dst: &mut Vec<Sample>,
) -> Result<&'a [u8], ChunkError> {
    let start = dst.len();
    dst.resize(
        start + header.sample_count as usize,
        Sample::new(header.timestamp_min, 0.0),
    );
    let (_, samples) = dst.split_at_mut(start);
    match decode_into(src, header, samples) {
        Ok(rest) => Ok(rest),
        Err(error) => {
            dst.truncate(start);
            Err(error)
        }
    }
}

/// Fills the timestamps of `samples` (one per sample of the chunk; the first
/// already holds `timestamp_min`).
///
/// The loop only notes whether some delta was zero or some sum overflowed;
/// on any trouble [`decode_checked`] decodes again and reports the first
/// problem in stream order, exactly as it always did. Valid chunks, nearly
/// all of them, never take a branch to an error.
fn decode_into<'a>(
    src: &'a [u8],
    header: &ChunkHeader,
    samples: &mut [Sample],
) -> Result<&'a [u8], ChunkError> {
    let mut reader = VarintReader::new(src);
    let mut timestamp = header.timestamp_min;
    let mut invalid = false;
    let mut rest = samples.iter_mut().skip(1);
    if let Some(second) = rest.next() {
        let Some(mut delta) = reader.uvarint() else {
            return decode_checked(src, header, samples);
        };
        let overflow;
        (timestamp, overflow) = timestamp.overflowing_add_unsigned(delta);
        invalid |= overflow | (delta == 0);
        second.timestamp = timestamp;
        for sample in rest {
            let Some(delta_change) = reader.varint() else {
                invalid = true;
                break;
            };
            delta = delta.wrapping_add(delta_change as u64);
            let overflow;
            (timestamp, overflow) = timestamp.overflowing_add_unsigned(delta);
            invalid |= overflow | (delta == 0);
            sample.timestamp = timestamp;
        }
    }
    if invalid {
        return decode_checked(src, header, samples);
    }
    if timestamp != header.timestamp_max {
        return Err(ChunkError::TimestampMaxMismatch {
            expected: header.timestamp_max,
            found: timestamp,
        });
    }
    Ok(reader.rest())
}

/// [`decode_into`] checking every timestamp as it goes, for the error that
/// names the first sample that does not increase.
#[cold]
fn decode_checked<'a>(
    src: &'a [u8],
    header: &ChunkHeader,
    samples: &mut [Sample],
) -> Result<&'a [u8], ChunkError> {
    let mut reader = VarintReader::new(src);
    let mut timestamp = header.timestamp_min;
    let mut rest = samples.iter_mut().skip(1);
    if let Some(second) = rest.next() {
        let Some(mut delta) = reader.uvarint() else {
            return Err(reader.error("timestamp delta").into());
        };
        timestamp = next_timestamp(timestamp, delta, 1)?;
        second.timestamp = timestamp;
        for (offset, sample) in rest.enumerate() {
            let Some(delta_change) = reader.varint() else {
                return Err(reader.error("timestamp delta change").into());
            };
            delta = delta.wrapping_add(delta_change as u64);
            timestamp = next_timestamp(timestamp, delta, offset as u32 + 2)?;
            sample.timestamp = timestamp;
        }
    }
    if timestamp != header.timestamp_max {
        return Err(ChunkError::TimestampMaxMismatch {
            expected: header.timestamp_max,
            found: timestamp,
        });
    }
    Ok(reader.rest())
}

/// `previous + delta`, provided it is strictly greater and fits `i64`.
fn next_timestamp(previous: i64, delta: u64, index: u32) -> Result<i64, ChunkError> {
    match previous.checked_add_unsigned(delta) {
        Some(timestamp) if delta > 0 => Ok(timestamp),
        _ => Err(ChunkError::TimestampNotIncreasing { index, previous }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::header::ValueEncoding;

    fn round_trip(timestamps: &[i64]) -> (Vec<i64>, usize) {
        let samples: Vec<_> = timestamps.iter().map(|&t| Sample::new(t, 0.0)).collect();
        let mut body = Vec::new();
        encode(&samples, &mut body);
        let header = ChunkHeader {
            sample_count: samples.len() as u32,
            timestamp_min: timestamps[0],
            timestamp_max: timestamps[timestamps.len() - 1],
            value_encoding: ValueEncoding::Xor,
        };
        let mut decoded = Vec::new();
        let rest = decode(&body, &header, &mut decoded).expect("decode");
        assert!(rest.is_empty());
        (decoded.iter().map(|s| s.timestamp).collect(), body.len())
    }

    #[test]
    fn regular_scrapes_take_one_byte_per_timestamp() {
        let timestamps: Vec<i64> = (0..100).map(|i| 1_700_000_000_000 + i * 15_000).collect();
        let (decoded, body_bytes) = round_trip(&timestamps);
        assert_eq!(decoded, timestamps);
        // Two bytes for the 15 000 ms delta, then one zero byte per timestamp.
        assert_eq!(body_bytes, 2 + 98);
    }

    #[test]
    fn extremes_round_trip() {
        let timestamps = [i64::MIN, i64::MIN + 1, 0, i64::MAX - 1, i64::MAX];
        assert_eq!(round_trip(&timestamps).0, timestamps);
        assert_eq!(round_trip(&[i64::MIN, i64::MAX]).0, [i64::MIN, i64::MAX]);
    }

    #[test]
    fn zero_delta_is_refused() {
        // Delta 5, then a change of -5: a repeated timestamp.
        let mut body = Vec::new();
        put_uvarint(&mut body, 5);
        put_varint(&mut body, -5);
        let header = ChunkHeader {
            sample_count: 3,
            timestamp_min: 0,
            timestamp_max: 5,
            value_encoding: ValueEncoding::Xor,
        };
        let result = decode(&body, &header, &mut Vec::new());
        assert!(matches!(
            result,
            Err(ChunkError::TimestampNotIncreasing {
                index: 2,
                previous: 5
            })
        ));
    }
}
