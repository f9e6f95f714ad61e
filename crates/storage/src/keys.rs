//! RocksDB key layouts, one function per key kind. Every key starts with the
//! tenant (after a one-byte kind tag in the index family), so a tenant's data is
//! one contiguous key range. All integers are big-endian so keys sort
//! numerically. The layouts are drawn in `docs/format/keys.md`.

use estuary_types::Tenant;

/// Column family of the series index (series ids, labels, postings).
pub const CF_INDEX: &str = "index";
/// Column family of encoded chunks.
pub const CF_CHUNKS: &str = "chunks";
/// Column family of engine metadata (id counters, pending day merges).
pub const CF_META: &str = "meta";

const KIND_SERIES_BY_LABELS: u8 = 1;
const KIND_LABELS_BY_SERIES: u8 = 2;
const KIND_POSTINGS: u8 = 3;
const KIND_TENANT_DAY: u8 = 4;
const KIND_DELETED_SERIES: u8 = 5;

/// Meta key of the next series id to hand out.
pub const META_NEXT_SERIES_ID: &[u8] = b"next_series_id";
/// Meta key of the next chunk-key sequence number.
pub const META_SEQUENCE: &[u8] = b"chunk_sequence";
const META_PENDING_MERGE: &[u8] = b"pending_merge/";

/// Separates a label name from its value in posting keys. Label names are
/// validated to `[a-zA-Z_][a-zA-Z0-9_]*` before they reach storage, so they
/// never contain it.
pub const NAME_VALUE_SEPARATOR: u8 = 0;

/// `1 | tenant | encoded labels` -> series id.
pub fn series_by_labels(tenant: Tenant, labels_encoded: &[u8]) -> Vec<u8> {
    let mut key = Vec::with_capacity(9 + labels_encoded.len());
    key.push(KIND_SERIES_BY_LABELS);
    key.extend_from_slice(&tenant.to_key_bytes());
    key.extend_from_slice(labels_encoded);
    key
}

/// `2 | tenant | series id` -> encoded labels.
pub fn labels_by_series(tenant: Tenant, series_id: u32) -> [u8; 13] {
    let mut key = [0u8; 13];
    key[0] = KIND_LABELS_BY_SERIES;
    key[1..9].copy_from_slice(&tenant.to_key_bytes());
    key[9..].copy_from_slice(&series_id.to_be_bytes());
    key
}

/// `3 | tenant | day | name | 0 | value` -> roaring bitmap of series ids with that
/// pair and a sample in that day. The empty name (key ending `| 0 |`) holds every
/// series of the day.
pub fn postings(tenant: Tenant, day: u32, name: &str, value: &str) -> Vec<u8> {
    let mut key = postings_name_prefix(tenant, day, name);
    key.extend_from_slice(value.as_bytes());
    key
}

/// The posting key of all series of a day.
pub fn postings_all(tenant: Tenant, day: u32) -> Vec<u8> {
    postings_name_prefix(tenant, day, "")
}

/// `3 | tenant | day | name | 0`: the prefix of every value of one label name.
pub fn postings_name_prefix(tenant: Tenant, day: u32, name: &str) -> Vec<u8> {
    let mut key = postings_day_prefix(tenant, day);
    key.extend_from_slice(name.as_bytes());
    key.push(NAME_VALUE_SEPARATOR);
    key
}

/// `3 | tenant | day`: the prefix of every posting of one day.
pub fn postings_day_prefix(tenant: Tenant, day: u32) -> Vec<u8> {
    let mut key = Vec::with_capacity(48);
    key.push(KIND_POSTINGS);
    key.extend_from_slice(&tenant.to_key_bytes());
    key.extend_from_slice(&day.to_be_bytes());
    key
}

/// Splits the part of a posting key after its day prefix into name and value.
pub fn split_posting_suffix(suffix: &[u8]) -> Option<(&str, &str)> {
    let separator = suffix.iter().position(|&b| b == NAME_VALUE_SEPARATOR)?;
    let name = std::str::from_utf8(&suffix[..separator]).ok()?;
    let value = std::str::from_utf8(&suffix[separator + 1..]).ok()?;
    Some((name, value))
}

/// `4 | tenant | day` -> empty: the tenant holds series in that day.
pub fn tenant_day(tenant: Tenant, day: u32) -> [u8; 13] {
    let mut key = [0u8; 13];
    key[0] = KIND_TENANT_DAY;
    key[1..9].copy_from_slice(&tenant.to_key_bytes());
    key[9..].copy_from_slice(&day.to_be_bytes());
    key
}

/// The first byte of every tenant-day key.
pub const TENANT_DAY_PREFIX: [u8; 1] = [KIND_TENANT_DAY];

/// Parses a [`tenant_day`] key.
pub fn parse_tenant_day(key: &[u8]) -> Option<(Tenant, u32)> {
    let bytes: [u8; 13] = key.try_into().ok()?;
    if bytes[0] != KIND_TENANT_DAY {
        return None;
    }
    let tenant = Tenant::from_key_bytes(bytes[1..9].try_into().ok()?);
    let day = u32::from_be_bytes(bytes[9..13].try_into().ok()?);
    Some((tenant, day))
}

/// `5 | tenant` -> roaring bitmap of deleted series ids.
pub fn deleted_series(tenant: Tenant) -> [u8; 9] {
    let mut key = [0u8; 9];
    key[0] = KIND_DELETED_SERIES;
    key[1..].copy_from_slice(&tenant.to_key_bytes());
    key
}

/// A chunk key: `tenant | day | series id | timestamp_min | sequence`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChunkKey {
    /// Owner tenant.
    pub tenant: Tenant,
    /// UTC day of every sample in the chunk.
    pub day: u32,
    /// The series.
    pub series_id: u32,
    /// The chunk's first timestamp.
    pub timestamp_min: i64,
    /// Flush or merge sequence number; makes keys unique when two chunks of a
    /// series start at the same timestamp.
    pub sequence: u32,
}

/// The `timestamp_min` of an encoded [`ChunkKey`], without decoding the rest.
pub fn chunk_key_timestamp_min(key: &[u8]) -> Option<i64> {
    let bytes: [u8; 8] = key.get(16..24)?.try_into().ok()?;
    Some((u64::from_be_bytes(bytes) ^ (1 << 63)) as i64)
}

/// Length of an encoded [`ChunkKey`].
pub const CHUNK_KEY_LEN: usize = 28;

impl ChunkKey {
    /// Encodes the key; the timestamp has its sign bit flipped so that negative
    /// timestamps sort first.
    pub fn encode(&self) -> [u8; CHUNK_KEY_LEN] {
        let mut key = [0u8; CHUNK_KEY_LEN];
        key[..16].copy_from_slice(&chunk_series_prefix(self.tenant, self.day, self.series_id));
        key[16..24].copy_from_slice(&((self.timestamp_min as u64) ^ (1 << 63)).to_be_bytes());
        key[24..].copy_from_slice(&self.sequence.to_be_bytes());
        key
    }

    /// Decodes a key written by [`ChunkKey::encode`].
    pub fn decode(key: &[u8]) -> Option<ChunkKey> {
        let key: &[u8; CHUNK_KEY_LEN] = key.try_into().ok()?;
        Some(ChunkKey {
            tenant: Tenant::from_key_bytes(key[..8].try_into().ok()?),
            day: u32::from_be_bytes(key[8..12].try_into().ok()?),
            series_id: u32::from_be_bytes(key[12..16].try_into().ok()?),
            timestamp_min: (u64::from_be_bytes(key[16..24].try_into().ok()?) ^ (1 << 63)) as i64,
            sequence: u32::from_be_bytes(key[24..28].try_into().ok()?),
        })
    }
}

/// `tenant | day | series id`: the prefix of one series' chunks in one day.
pub fn chunk_series_prefix(tenant: Tenant, day: u32, series_id: u32) -> [u8; 16] {
    let mut key = [0u8; 16];
    key[..8].copy_from_slice(&tenant.to_key_bytes());
    key[8..12].copy_from_slice(&day.to_be_bytes());
    key[12..].copy_from_slice(&series_id.to_be_bytes());
    key
}

/// `tenant | day`: the prefix of all chunks of one day.
pub fn chunk_day_prefix(tenant: Tenant, day: u32) -> [u8; 12] {
    let mut key = [0u8; 12];
    key[..8].copy_from_slice(&tenant.to_key_bytes());
    key[8..].copy_from_slice(&day.to_be_bytes());
    key
}

/// Meta key recording that a tenant's day has new chunks to merge.
pub fn pending_merge(tenant: Tenant, day: u32) -> Vec<u8> {
    let mut key = META_PENDING_MERGE.to_vec();
    key.extend_from_slice(&tenant.to_key_bytes());
    key.extend_from_slice(&day.to_be_bytes());
    key
}

/// The prefix of every [`pending_merge`] key.
pub fn pending_merge_prefix() -> &'static [u8] {
    META_PENDING_MERGE
}

/// Parses a [`pending_merge`] key.
pub fn parse_pending_merge(key: &[u8]) -> Option<(Tenant, u32)> {
    let rest = key.strip_prefix(META_PENDING_MERGE)?;
    let rest: &[u8; 12] = rest.try_into().ok()?;
    Some((
        Tenant::from_key_bytes(rest[..8].try_into().ok()?),
        u32::from_be_bytes(rest[8..].try_into().ok()?),
    ))
}

/// The smallest key greater than every key starting with `prefix` (None when the
/// prefix is all 0xff bytes).
pub fn prefix_upper_bound(prefix: &[u8]) -> Option<Vec<u8>> {
    let mut bound = prefix.to_vec();
    while let Some(last) = bound.pop() {
        if last < 0xff {
            bound.push(last + 1);
            return Some(bound);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunk_keys_round_trip_and_sort_by_time() {
        let tenant = Tenant::new(3, 4);
        let early = ChunkKey {
            tenant,
            day: 9,
            series_id: 7,
            timestamp_min: -5,
            sequence: 2,
        };
        let late = ChunkKey {
            timestamp_min: 10,
            ..early
        };
        assert_eq!(ChunkKey::decode(&early.encode()), Some(early));
        assert!(early.encode() < late.encode());
    }

    #[test]
    fn posting_suffix_splits_at_the_separator() {
        let key = postings(Tenant::new(1, 0), 5, "job", "node");
        let prefix = postings_day_prefix(Tenant::new(1, 0), 5);
        assert_eq!(
            split_posting_suffix(&key[prefix.len()..]),
            Some(("job", "node"))
        );
    }

    #[test]
    fn upper_bound_skips_trailing_ff() {
        assert_eq!(prefix_upper_bound(&[1, 0xff]), Some(vec![2]));
        assert_eq!(prefix_upper_bound(&[0xff]), None);
    }

    #[test]
    fn pending_merge_keys_round_trip() {
        let key = pending_merge(Tenant::new(8, 9), 100);
        assert_eq!(parse_pending_merge(&key), Some((Tenant::new(8, 9), 100)));
        assert_eq!(
            parse_tenant_day(&tenant_day(Tenant::new(8, 9), 100)),
            Some((Tenant::new(8, 9), 100))
        );
    }
}
