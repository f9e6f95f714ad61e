//! [`ChunkError`]: every way bytes can fail to decode as a chunk.

use estuary_types::encoding::DecodeError;
use thiserror::Error;

use crate::decimal::EXPONENT_MAX;
use crate::frame::FORMAT_VERSION;
use crate::limits::SAMPLES_PER_CHUNK_MAX;

/// Why bytes could not be decoded as a chunk: they are corrupt, truncated, or were
/// written by a format version this build does not read. Encoding never fails.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum ChunkError {
    /// The version byte is not one this build reads (a newer writer, or garbage).
    #[error("unknown chunk format version {found}, this build reads version {FORMAT_VERSION}")]
    UnknownVersion {
        /// The version byte found.
        found: u8,
    },
    /// The flags byte has bits this build does not know.
    #[error("unknown chunk flags {found:#04x}")]
    UnknownFlags {
        /// The flags byte found.
        found: u8,
    },
    /// The value encoding byte is not one this build knows.
    #[error("unknown chunk value encoding {found}")]
    UnknownValueEncoding {
        /// The value encoding byte found.
        found: u8,
    },
    /// The CRC32C stored in the chunk does not match its bytes.
    #[error("chunk checksum mismatch: stored {expected:#010x}, computed {found:#010x}")]
    ChecksumMismatch {
        /// The checksum stored at the end of the chunk.
        expected: u32,
        /// The checksum computed over the chunk's bytes.
        found: u32,
    },
    /// A field ran past the end of its input, or a varint past 10 bytes.
    #[error("cannot read chunk field")]
    Field(#[from] DecodeError),
    /// The sample count is zero or above [`SAMPLES_PER_CHUNK_MAX`].
    #[error("chunk sample count {found} outside 1..={SAMPLES_PER_CHUNK_MAX}")]
    SampleCountOutOfRange {
        /// The sample count found.
        found: u64,
    },
    /// The header's timestamp range is impossible for its sample count.
    #[error(
        "chunk of {sample_count} samples cannot span {span} ms from timestamp_min {timestamp_min}"
    )]
    TimestampSpanInvalid {
        /// The header's first timestamp.
        timestamp_min: i64,
        /// The header's `timestamp_max - timestamp_min`.
        span: u64,
        /// The header's sample count.
        sample_count: u32,
    },
    /// The body is larger than its sample count can need.
    #[error("chunk body of {found} bytes exceeds the {max} bytes its sample count can need")]
    BodyTooLarge {
        /// The body length found.
        found: u64,
        /// The largest body length the header allows.
        max: u64,
    },
    /// zstd rejected the compressed body.
    #[error("cannot decompress chunk body")]
    Decompress(#[source] std::io::Error),
    /// The body decompressed to a length other than the header's.
    #[error("chunk body decompressed to {found} bytes, its header says {expected}")]
    DecompressedLengthMismatch {
        /// The length the header records.
        expected: usize,
        /// The length decompression produced.
        found: usize,
    },
    /// A timestamp is not greater than the one before it.
    #[error("chunk timestamp at index {index} does not increase past {previous}")]
    TimestampNotIncreasing {
        /// Index of the offending sample in the chunk.
        index: u32,
        /// The timestamp before it.
        previous: i64,
    },
    /// The last decoded timestamp is not the header's `timestamp_max`.
    #[error("chunk last timestamp {found} differs from its header's timestamp_max {expected}")]
    TimestampMaxMismatch {
        /// The header's `timestamp_max`.
        expected: i64,
        /// The last timestamp decoded.
        found: i64,
    },
    /// The decimal exponent lies outside `-22..=22`.
    #[error("chunk decimal exponent {found} outside -{EXPONENT_MAX}..={EXPONENT_MAX}")]
    DecimalExponentOutOfRange {
        /// The exponent found.
        found: i64,
    },
    /// An XOR-encoded value has a bit window that does not fit 64 bits, or reuses a
    /// window before any was set.
    #[error("chunk XOR value at index {index} has an invalid bit window")]
    XorWindowInvalid {
        /// Index of the offending sample in the chunk.
        index: u32,
    },
    /// The body has bytes (or non-zero padding bits) left after its last sample.
    #[error("chunk body has {bits} bits left after its last sample")]
    TrailingBody {
        /// How many bits were left over.
        bits: usize,
    },
}
