//! Roaring-bitmap postings: (de)serialisation and the RocksDB merge operator that
//! unions them, so that adding a series to a posting is a blind merge write.

use roaring::RoaringBitmap;

/// Name of the merge operator (recorded by RocksDB in its OPTIONS file).
pub const MERGE_OPERATOR_NAME: &str = "estuary_postings_union";

/// Serialises a bitmap.
pub fn encode(bitmap: &RoaringBitmap) -> Vec<u8> {
    let mut out = Vec::with_capacity(bitmap.serialized_size());
    // Writing into a Vec cannot fail.
    if bitmap.serialize_into(&mut out).is_err() {
        panic!("BUG: serialising a roaring bitmap into a Vec failed");
    }
    out
}

/// Deserialises a bitmap; corrupt bytes are an error.
pub fn decode(bytes: &[u8]) -> std::io::Result<RoaringBitmap> {
    RoaringBitmap::deserialize_from(bytes)
}

/// The associative merge: the union of the existing value and every operand.
/// A corrupt operand is skipped rather than failing the whole key (RocksDB would
/// otherwise refuse reads of it); a corrupt value is logged by the reader.
pub fn union_merge(
    _key: &[u8],
    existing: Option<&[u8]>,
    operands: &rocksdb::MergeOperands,
) -> Option<Vec<u8>> {
    let mut union = existing
        .and_then(|bytes| decode(bytes).ok())
        .unwrap_or_default();
    for operand in operands {
        if let Ok(bitmap) = decode(operand) {
            union |= bitmap;
        }
    }
    Some(encode(&union))
}
