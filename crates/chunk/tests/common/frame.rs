//! A reader and writer of the chunk frame written from `docs/format/chunk.md`
//! alone, not from the crate's code. Tests use it to strip compression (so that
//! mutations reach the body decoders) and to reseal a chunk's checksum after
//! changing its bytes.

use estuary_types::encoding::{get_bytes, get_uvarint, get_varint, put_uvarint, put_varint};

/// The fields of a frame, as laid out in the format doc.
pub struct Frame {
    pub version: u8,
    pub flags: u8,
    pub value_encoding: u8,
    pub sample_count: u64,
    pub timestamp_min: i64,
    pub timestamp_span: u64,
    /// The body, decompressed.
    pub body: Vec<u8>,
}

/// Parses a chunk that fills all of `chunk`; panics on anything malformed.
pub fn parse(chunk: &[u8]) -> Frame {
    let [version, flags, value_encoding, rest @ ..] = chunk else {
        panic!("chunk shorter than 3 bytes");
    };
    let (sample_count, rest) = get_uvarint(rest, "count").expect("count");
    let (timestamp_min, rest) = get_varint(rest, "min").expect("min");
    let (timestamp_span, rest) = get_uvarint(rest, "span").expect("span");
    let (stored_bytes, rest) = get_uvarint(rest, "stored").expect("stored");
    let compressed = flags & 1 == 1;
    let (raw_bytes, rest) = if compressed {
        get_uvarint(rest, "raw").expect("raw")
    } else {
        (stored_bytes, rest)
    };
    let (stored, rest) = get_bytes(rest, stored_bytes as usize, "body").expect("body");
    let (checksum, rest) = get_bytes(rest, 4, "crc").expect("crc");
    assert!(rest.is_empty());
    let covered = &chunk[..chunk.len() - 4];
    assert_eq!(checksum, crc32c::crc32c(covered).to_le_bytes());
    let body = if compressed {
        zstd::bulk::decompress(stored, raw_bytes as usize).expect("zstd")
    } else {
        stored.to_vec()
    };
    assert_eq!(body.len() as u64, raw_bytes);
    Frame {
        version: *version,
        flags: *flags,
        value_encoding: *value_encoding,
        sample_count,
        timestamp_min,
        timestamp_span,
        body,
    }
}

/// Writes `frame` with its body uncompressed (flags 0) and a correct checksum.
pub fn write_uncompressed(frame: &Frame) -> Vec<u8> {
    let mut chunk = vec![frame.version, 0, frame.value_encoding];
    put_uvarint(&mut chunk, frame.sample_count);
    put_varint(&mut chunk, frame.timestamp_min);
    put_uvarint(&mut chunk, frame.timestamp_span);
    put_uvarint(&mut chunk, frame.body.len() as u64);
    chunk.extend_from_slice(&frame.body);
    let checksum = crc32c::crc32c(&chunk);
    chunk.extend_from_slice(&checksum.to_le_bytes());
    chunk
}

/// Rewrites the last 4 bytes of `chunk` as the CRC32C of the others, so that a
/// mutated chunk gets past the checksum and reaches the decoders behind it.
pub fn reseal(chunk: &mut [u8]) {
    if chunk.len() < 4 {
        return;
    }
    let split = chunk.len() - 4;
    let checksum = crc32c::crc32c(&chunk[..split]);
    chunk[split..].copy_from_slice(&checksum.to_le_bytes());
}
