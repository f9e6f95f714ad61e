//! The outer layout of a chunk: version byte, flags, header fields, the body as
//! stored, and the CRC32C over all of them (see `docs/format/chunk.md`).

use estuary_types::encoding::{
    DecodeError, get_bytes, get_uvarint, get_varint, put_uvarint, put_varint,
};

use crate::error::ChunkError;
use crate::header::{ChunkHeader, ValueEncoding};
use crate::limits::{CHECKSUM_BYTES, SAMPLES_PER_CHUNK_MAX, body_bytes_max};

/// The chunk format version this build writes and reads, the first byte of every
/// chunk.
pub const FORMAT_VERSION: u8 = 1;

/// Flags bit: the body is one zstd frame.
const FLAG_ZSTD: u8 = 1;
/// Every flags bit this build knows; a chunk with any other bit set is refused.
const FLAGS_KNOWN: u8 = FLAG_ZSTD;

/// A chunk's body as stored.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Body<'a> {
    /// Stored as encoded.
    Raw(&'a [u8]),
    /// zstd-compressed from `raw_bytes` bytes.
    Zstd { stored: &'a [u8], raw_bytes: usize },
}

/// Appends one chunk: header fields, `body`, then the CRC32C of all of it.
pub(crate) fn write(header: &ChunkHeader, body: Body<'_>, dst: &mut Vec<u8>) {
    assert!(
        header.timestamp_min <= header.timestamp_max,
        "BUG: chunk timestamp_min is after timestamp_max"
    );
    let start = dst.len();
    let (flags, stored) = match body {
        Body::Raw(stored) => (0, stored),
        Body::Zstd { stored, .. } => (FLAG_ZSTD, stored),
    };
    dst.push(FORMAT_VERSION);
    dst.push(flags);
    dst.push(header.value_encoding.to_byte());
    put_uvarint(dst, u64::from(header.sample_count));
    put_varint(dst, header.timestamp_min);
    put_uvarint(
        dst,
        timestamp_span(header.timestamp_min, header.timestamp_max),
    );
    put_uvarint(dst, stored.len() as u64);
    if let Body::Zstd { raw_bytes, .. } = body {
        put_uvarint(dst, raw_bytes as u64);
    }
    dst.extend_from_slice(stored);
    let checksum = crc32c::crc32c(dst.split_at(start).1);
    dst.extend_from_slice(&checksum.to_le_bytes());
}

/// Reads one chunk's header and body and verifies its checksum; returns them and
/// the bytes after the chunk. The body is not decoded.
pub(crate) fn read(src: &[u8]) -> Result<(ChunkHeader, Body<'_>, &[u8]), ChunkError> {
    let unverified = read_unverified(src)?;
    unverified.verify()?;
    Ok((unverified.header, unverified.body, unverified.tail))
}

/// A chunk whose fields were read and checked against the limits, but whose
/// checksum was not verified yet.
pub(crate) struct Unverified<'a> {
    /// The header fields.
    pub header: ChunkHeader,
    /// The body as stored.
    pub body: Body<'a>,
    /// The bytes after the chunk.
    pub tail: &'a [u8],
    /// The bytes the checksum covers.
    covered: &'a [u8],
    /// The checksum stored.
    expected: u32,
}

impl Unverified<'_> {
    /// Fails unless the stored checksum matches the chunk's bytes.
    pub(crate) fn verify(&self) -> Result<(), ChunkError> {
        let found = crc32c::crc32c(self.covered);
        if self.expected != found {
            return Err(ChunkError::ChecksumMismatch {
                expected: self.expected,
                found,
            });
        }
        Ok(())
    }
}

/// Reads one chunk's fields and body without verifying its checksum.
pub(crate) fn read_unverified(src: &[u8]) -> Result<Unverified<'_>, ChunkError> {
    let (version, rest) = get_u8(src, "version")?;
    if version != FORMAT_VERSION {
        return Err(ChunkError::UnknownVersion { found: version });
    }
    let (flags, rest) = get_u8(rest, "flags")?;
    if flags & !FLAGS_KNOWN != 0 {
        return Err(ChunkError::UnknownFlags { found: flags });
    }
    let (value_encoding, rest) = get_u8(rest, "value encoding")?;
    let value_encoding = ValueEncoding::from_byte(value_encoding)?;
    let (sample_count, rest) = get_uvarint(rest, "sample count")?;
    let sample_count = check_sample_count(sample_count)?;
    let (timestamp_min, rest) = get_varint(rest, "timestamp_min")?;
    let (span, rest) = get_uvarint(rest, "timestamp span")?;
    let timestamp_max = check_timestamp_span(timestamp_min, span, sample_count)?;
    let (stored_bytes, rest) = get_uvarint(rest, "body length")?;
    let stored_bytes = check_body_bytes(stored_bytes, sample_count)?;
    let (raw_bytes, rest) = if flags & FLAG_ZSTD != 0 {
        let (raw_bytes, rest) = get_uvarint(rest, "raw body length")?;
        (Some(check_body_bytes(raw_bytes, sample_count)?), rest)
    } else {
        (None, rest)
    };
    let (stored, rest) = get_bytes(rest, stored_bytes, "body")?;
    let (covered, _) = src.split_at(src.len() - rest.len());
    let (checksum, tail) = get_bytes(rest, CHECKSUM_BYTES, "checksum")?;
    let expected = u32::from_le_bytes(checksum.try_into().map_err(|_| truncated("checksum"))?);
    let header = ChunkHeader {
        sample_count,
        timestamp_min,
        timestamp_max,
        value_encoding,
    };
    let body = match raw_bytes {
        Some(raw_bytes) => Body::Zstd { stored, raw_bytes },
        None => Body::Raw(stored),
    };
    Ok(Unverified {
        header,
        body,
        tail,
        covered,
        expected,
    })
}

/// `timestamp_max - timestamp_min` as stored: it never overflows, unlike the
/// difference of two `i64`s.
fn timestamp_span(timestamp_min: i64, timestamp_max: i64) -> u64 {
    timestamp_max.wrapping_sub(timestamp_min) as u64
}

fn check_sample_count(found: u64) -> Result<u32, ChunkError> {
    match u32::try_from(found) {
        Ok(count) if (1..=SAMPLES_PER_CHUNK_MAX).contains(&count) => Ok(count),
        _ => Err(ChunkError::SampleCountOutOfRange { found }),
    }
}

/// Returns `timestamp_max` when the span is possible: it fits `i64`, is zero for
/// one sample, and leaves at least 1 ms between strictly increasing timestamps.
fn check_timestamp_span(
    timestamp_min: i64,
    span: u64,
    sample_count: u32,
) -> Result<i64, ChunkError> {
    let invalid = ChunkError::TimestampSpanInvalid {
        timestamp_min,
        span,
        sample_count,
    };
    let gaps = u64::from(sample_count - 1);
    if span < gaps || (gaps == 0 && span != 0) {
        return Err(invalid);
    }
    timestamp_min.checked_add_unsigned(span).ok_or(invalid)
}

/// A body length no larger than `sample_count` samples can need.
fn check_body_bytes(found: u64, sample_count: u32) -> Result<usize, ChunkError> {
    let max = body_bytes_max(sample_count);
    match usize::try_from(found) {
        Ok(bytes) if bytes <= max => Ok(bytes),
        _ => Err(ChunkError::BodyTooLarge {
            found,
            max: max as u64,
        }),
    }
}

fn get_u8<'a>(src: &'a [u8], what: &'static str) -> Result<(u8, &'a [u8]), DecodeError> {
    src.split_first()
        .map(|(&byte, rest)| (byte, rest))
        .ok_or(DecodeError::Truncated { what })
}

fn truncated(what: &'static str) -> DecodeError {
    DecodeError::Truncated { what }
}
