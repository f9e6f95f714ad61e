//! [`encode`]: samples of one series in, one chunk appended to a buffer.

use estuary_types::Sample;

use crate::compression::{self, ZSTD_LEVEL_DEFAULT};
use crate::frame::{self, Body};
use crate::header::{ChunkHeader, ValueEncoding};
use crate::limits::{SAMPLES_PER_CHUNK_MAX, body_bytes_max};
use crate::{decimal, mantissas, timestamps, xor};

/// Appends one chunk holding `samples` to `dst`, leaving the bytes already in
/// `dst` untouched. Compresses with zstd at [`ZSTD_LEVEL_DEFAULT`].
///
/// # Panics
///
/// When `samples` is empty, holds more than [`SAMPLES_PER_CHUNK_MAX`] samples, or
/// its timestamps do not strictly increase: the caller sorts and deduplicates
/// (`estuary_types::sort_and_dedup`) and splits long runs first.
pub fn encode(samples: &[Sample], dst: &mut Vec<u8>) {
    encode_with_level(samples, ZSTD_LEVEL_DEFAULT, dst);
}

/// [`encode`] with a chosen zstd level. Decoding does not depend on the level, so
/// a writer may trade encoding time for size, e.g. a higher level for chunks
/// written once and read for a year.
///
/// # Panics
///
/// As [`encode`], and when `zstd_level` is not a level zstd knows.
pub fn encode_with_level(samples: &[Sample], zstd_level: i32, dst: &mut Vec<u8>) {
    assert!(
        zstd::compression_level_range().contains(&zstd_level),
        "BUG: zstd level {zstd_level} is unknown"
    );
    encode_body(samples, Some(zstd_level), dst);
}

/// [`encode`] without zstd: the body is stored as encoded (flags bit 0 clear).
/// For a writer whose store compresses many chunks together (RocksDB's block
/// compression), where a zstd frame per chunk would cost its frame and table
/// overhead on every chunk and a decompression on every read.
///
/// # Panics
///
/// As [`encode`].
pub fn encode_uncompressed(samples: &[Sample], dst: &mut Vec<u8>) {
    encode_body(samples, None, dst);
}

/// Appends one chunk, its body compressed at `zstd_level` when given and
/// smaller.
fn encode_body(samples: &[Sample], zstd_level: Option<i32>, dst: &mut Vec<u8>) {
    let (Some(first), Some(last)) = (samples.first(), samples.last()) else {
        panic!("BUG: cannot encode a chunk of no samples");
    };
    let sample_count = u32::try_from(samples.len())
        .ok()
        .filter(|&count| count <= SAMPLES_PER_CHUNK_MAX)
        .unwrap_or_else(|| panic!("BUG: {} samples exceed a chunk's maximum", samples.len()));
    assert!(
        samples
            .iter()
            .zip(samples.iter().skip(1))
            .all(|(a, b)| a.timestamp < b.timestamp),
        "BUG: chunk timestamps must strictly increase"
    );

    let mut body = Vec::with_capacity(samples.len() * 4);
    timestamps::encode(samples, &mut body);
    let value_encoding = encode_values(samples, &mut body);
    assert!(
        body.len() <= body_bytes_max(sample_count),
        "BUG: chunk body of {} bytes exceeds its maximum",
        body.len()
    );

    let header = ChunkHeader {
        sample_count,
        timestamp_min: first.timestamp,
        timestamp_max: last.timestamp,
        value_encoding,
    };
    match zstd_level.and_then(|level| compression::compress(&body, level)) {
        Some(stored) => {
            let raw_bytes = body.len();
            frame::write(
                &header,
                Body::Zstd {
                    stored: &stored,
                    raw_bytes,
                },
                dst,
            );
        }
        None => frame::write(&header, Body::Raw(&body), dst),
    }
}

/// Appends the values as decimal mantissas when every one converts losslessly,
/// else as XOR; returns which.
fn encode_values(samples: &[Sample], body: &mut Vec<u8>) -> ValueEncoding {
    let values = || samples.iter().map(|sample| sample.value);
    let decimal = decimal::shared_exponent(values()).and_then(|exponent| {
        let mantissas: Option<Vec<i64>> = values()
            .map(|value| decimal::to_mantissa(value, exponent))
            .collect();
        Some((exponent, mantissas?))
    });
    match decimal {
        Some((exponent, mantissas)) => {
            let encoding = mantissas::choose(&mantissas);
            mantissas::encode(&mantissas, exponent, encoding, body);
            encoding
        }
        None => {
            xor::encode(samples, body);
            ValueEncoding::Xor
        }
    }
}
