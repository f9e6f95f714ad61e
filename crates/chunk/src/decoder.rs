//! [`decode`], [`decode_into`] and [`decode_header`]: one chunk's bytes in,
//! its header and samples out, with the unread tail.
//!
//! Every decoder verifies the chunk's CRC32C before trusting any field behind
//! the length fields, and checks every count against `limits.rs` before it
//! allocates.

use std::cell::Cell;

use estuary_types::{Sample, TimeRange};

use crate::error::ChunkError;
use crate::frame::{self, Body};
use crate::header::{ChunkHeader, ValueEncoding};
use crate::{compression, mantissas, timestamps, xor};

/// Decodes the chunk at the start of `src`; returns its header, its samples and
/// the bytes after it.
pub fn decode(src: &[u8]) -> Result<(ChunkHeader, Vec<Sample>, &[u8]), ChunkError> {
    let mut samples = Vec::new();
    let (header, tail) = decode_into(src, &mut samples)?;
    Ok((header, samples, tail))
}

/// Decodes the chunk at the start of `src` and appends its samples to `dst`;
/// returns its header and the bytes after it. On error `dst` is left as it was.
pub fn decode_into<'a>(
    src: &'a [u8],
    dst: &mut Vec<Sample>,
) -> Result<(ChunkHeader, &'a [u8]), ChunkError> {
    let (header, body, tail) = frame::read(src)?;
    let start = dst.len();
    match decode_body(&header, body, dst) {
        Ok(()) => {
            assert_eq!(
                dst.len() - start,
                header.sample_count as usize,
                "BUG: decoded sample count differs from the header"
            );
            Ok((header, tail))
        }
        Err(error) => {
            dst.truncate(start);
            Err(error)
        }
    }
}

/// Decodes the chunk at the start of `src` and appends its samples that lie
/// within `range` (inclusive) to `dst`; returns its header and the bytes after
/// it. On error `dst` is left as it was.
///
/// A chunk whose header shows it lies outside `range` is skipped on its
/// header fields alone: they are checked against the limits, but the
/// checksum over the whole chunk is verified only for chunks that get
/// decoded. Skipping is for stores that check their own blocks (RocksDB
/// does); [`decode_header`] verifies every chunk it reads.
pub fn decode_range_into<'a>(
    src: &'a [u8],
    range: TimeRange,
    dst: &mut Vec<Sample>,
) -> Result<(ChunkHeader, &'a [u8]), ChunkError> {
    let chunk = frame::read_unverified(src)?;
    let (header, body, tail) = (chunk.header, chunk.body, chunk.tail);
    if !header.overlaps(&range) {
        return Ok((header, tail));
    }
    chunk.verify()?;
    if header.timestamp_min < range.start {
        // Only a tail of the chunk is wanted: decode it aside, so that `dst`
        // grows by what it keeps (a caller may have sized it for exactly that).
        SCRATCH.with(|cell| {
            let mut scratch = cell.take();
            scratch.clear();
            let decoded = decode_body(&header, body, &mut scratch);
            if decoded.is_ok() {
                let first = scratch.partition_point(|s| s.timestamp < range.start);
                let end = scratch.partition_point(|s| s.timestamp <= range.end);
                dst.extend_from_slice(scratch.get(first..end).unwrap_or_default());
            }
            cell.set(scratch);
            decoded
        })?;
        return Ok((header, tail));
    }
    let start = dst.len();
    if let Err(error) = decode_body(&header, body, dst) {
        dst.truncate(start);
        return Err(error);
    }
    if header.timestamp_max > range.end {
        let decoded = dst.split_at(start).1;
        let end = decoded.partition_point(|s| s.timestamp <= range.end);
        dst.truncate(start + end);
    }
    Ok((header, tail))
}

thread_local! {
    /// Where [`decode_range_into`] decodes chunks it keeps only part of.
    static SCRATCH: Cell<Vec<Sample>> = const { Cell::new(Vec::new()) };
}

/// Reads only the header of the chunk at the start of `src`, for deciding
/// whether a query needs it; returns it and the bytes after the chunk. Verifies
/// the checksum (one CRC32C pass over the chunk) but neither decompresses nor
/// decodes the body, so a chunk it accepts may still fail in [`decode`].
pub fn decode_header(src: &[u8]) -> Result<(ChunkHeader, &[u8]), ChunkError> {
    let (header, _, tail) = frame::read(src)?;
    Ok((header, tail))
}

/// Appends the samples of `body` to `dst`.
fn decode_body(
    header: &ChunkHeader,
    body: Body<'_>,
    dst: &mut Vec<Sample>,
) -> Result<(), ChunkError> {
    let decompressed;
    let raw = match body {
        Body::Raw(raw) => raw,
        Body::Zstd { stored, raw_bytes } => {
            decompressed = compression::decompress(stored, raw_bytes)?;
            decompressed.as_slice()
        }
    };
    dst.reserve(header.sample_count as usize);
    let start = dst.len();
    let values = timestamps::decode(raw, header, dst)?;
    let samples = dst.split_at_mut(start).1;
    match header.value_encoding {
        ValueEncoding::Xor => xor::decode(values, samples),
        decimal => match mantissas::decode(values, decimal, samples)? {
            [] => Ok(()),
            rest => Err(ChunkError::TrailingBody {
                bits: rest.len() * 8,
            }),
        },
    }
}
