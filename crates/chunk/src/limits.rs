//! Upper bounds on what one chunk may hold. The encoder asserts them and the
//! decoder checks them before it allocates, so garbage input can never make it
//! allocate more than a few MiB.

/// Samples one chunk may hold. A day of one series at a 1 s scrape interval
/// (86 400 samples) fits in one chunk, and the storage's day merge writes at most
/// one chunk per series per day. Decoding then appends at most 2 MiB of samples,
/// whatever the bytes claim.
pub const SAMPLES_PER_CHUNK_MAX: u32 = 1 << 17;

/// Uncompressed body bytes one sample may take, worst case: a 10-byte varint for
/// its timestamp and a 10-byte varint for its mantissa. An XOR-encoded value takes
/// at most 2 + 5 + 6 + 64 = 77 bits, under 10 bytes.
const BODY_BYTES_PER_SAMPLE_MAX: usize = 20;

/// Uncompressed body bytes besides the per-sample ones: the decimal exponent
/// (one zigzag varint byte, as the exponent lies in -22..=22).
const BODY_BYTES_FIXED_MAX: usize = 1;

/// The most uncompressed body bytes a chunk of `sample_count` samples can need.
/// The decoder refuses a larger body before decompressing it.
pub(crate) const fn body_bytes_max(sample_count: u32) -> usize {
    sample_count as usize * BODY_BYTES_PER_SAMPLE_MAX + BODY_BYTES_FIXED_MAX
}

/// Uncompressed body bytes of the largest chunk: 2.5 MiB.
pub const BODY_BYTES_MAX: usize = body_bytes_max(SAMPLES_PER_CHUNK_MAX);

/// Header bytes at most: version, flags and value encoding (3), sample count
/// (uvarint, 3), timestamp_min and timestamp span (10 each), stored and raw body
/// lengths (uvarint, 4 each since the body is under 2^28 bytes).
pub(crate) const HEADER_BYTES_MAX: usize = 3 + 3 + 10 + 10 + 4 + 4;

/// Bytes of the trailing CRC32C.
pub(crate) const CHECKSUM_BYTES: usize = 4;

/// Encoded bytes of the largest chunk: what a reader of concatenated chunks (an
/// RPC batch, say) may need to buffer for one. Compression is only kept when it
/// makes the body smaller, so the uncompressed body bounds the stored one.
pub const CHUNK_BYTES_MAX: usize = HEADER_BYTES_MAX + BODY_BYTES_MAX + CHECKSUM_BYTES;

const _: () = assert!(
    SAMPLES_PER_CHUNK_MAX < 1 << 21,
    "sample count uvarint fits 3 bytes"
);
const _: () = assert!(BODY_BYTES_MAX < 1 << 28, "body length uvarints fit 4 bytes");
const _: () = assert!(
    SAMPLES_PER_CHUNK_MAX >= 86_400,
    "a day at 1 s fits one chunk"
);
