//! Maps `(tenant, labels)` to series ids for series written since start-up, and
//! tracks what each write must still do for a series: put its definition in the
//! WAL, or add it to a day's postings.
//!
//! Keys are hashed once (xxh3); the hash picks the shard and is the map key,
//! with the full key bytes compared only among entries of equal hash.

use crate::prehashed::PrehashedMap;
use estuary_types::Tenant;
use parking_lot::Mutex;
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};

const SHARD_COUNT: usize = 64;

/// `def_position` value meaning the definition is not yet in the WAL.
pub const DEFINITION_PENDING: u64 = u64::MAX;
/// `def_position` value meaning the definition is already durable.
pub const DEFINITION_DURABLE: u64 = 0;
const NO_DAY: u32 = u32::MAX;

/// What the registry knows about one series.
#[derive(Debug)]
pub struct SeriesEntry {
    /// The series id.
    pub series_id: u32,
    /// WAL position after which the series definition is durable once synced;
    /// [`DEFINITION_PENDING`] while its creator has not appended it yet, in
    /// which case other writers put the definition in their own records.
    pub def_position: AtomicU64,
    /// The latest day whose postings hold this series (u32::MAX: none yet).
    last_indexed_day: AtomicU32,
}

impl SeriesEntry {
    /// A new entry.
    pub fn new(series_id: u32, def_position: u64) -> Self {
        SeriesEntry {
            series_id,
            def_position: AtomicU64::new(def_position),
            last_indexed_day: AtomicU32::new(NO_DAY),
        }
    }

    /// Whether the day's postings are known to hold this series.
    pub fn is_indexed_for(&self, day: u32) -> bool {
        self.last_indexed_day.load(Ordering::Acquire) == day
    }

    /// Records that the day's postings now hold the series. Only later days
    /// replace the remembered one, so late samples do not make the current day
    /// look unindexed.
    pub fn mark_indexed(&self, day: u32) {
        let current = self.last_indexed_day.load(Ordering::Acquire);
        if current == NO_DAY || day > current {
            self.last_indexed_day.store(day, Ordering::Release);
        }
    }
}

/// The outcome of [`SeriesRegistry::get_or_insert_with`].
pub struct Lookup {
    /// The entry.
    pub entry: Arc<SeriesEntry>,
    /// Whether this call created it.
    pub created: bool,
}

/// One shard: series by the xxh3 hash of their key. A second series whose
/// key hashes to a taken value (about 1 in 10^10 for 50k series) goes to the
/// overflow map, keyed by its full key, so lookups stay exact while the common
/// path follows one pointer fewer than a bucket list would.
#[derive(Default)]
struct ShardMaps {
    by_hash: PrehashedMap<(Box<[u8]>, Arc<SeriesEntry>)>,
    overflow: HashMap<Box<[u8]>, Arc<SeriesEntry>>,
}

type Shard = Mutex<ShardMaps>;

/// Series known to this process, keyed by tenant bytes followed by encoded labels.
pub struct SeriesRegistry {
    shards: Vec<Shard>,
}

impl Default for SeriesRegistry {
    fn default() -> Self {
        SeriesRegistry {
            shards: (0..SHARD_COUNT)
                .map(|_| Mutex::new(ShardMaps::default()))
                .collect(),
        }
    }
}

/// The registry key of a series.
pub fn registry_key(tenant: Tenant, labels_encoded: &[u8]) -> Box<[u8]> {
    let mut key = Vec::with_capacity(8 + labels_encoded.len());
    key.extend_from_slice(&tenant.to_key_bytes());
    key.extend_from_slice(labels_encoded);
    key.into_boxed_slice()
}

impl SeriesRegistry {
    /// The hash of a series key given in two parts (equal to the hash of the
    /// concatenated [`registry_key`]) and its shard. The shard comes from bits
    /// the map itself does not use (it takes low bits for the slot, top bits
    /// for tags).
    fn locate(&self, tenant: &[u8], labels_encoded: &[u8]) -> (u64, &Shard) {
        let mut hasher = xxhash_rust::xxh3::Xxh3::new();
        hasher.update(tenant);
        hasher.update(labels_encoded);
        let hash = hasher.digest();
        (hash, &self.shards[(hash >> 32) as usize % SHARD_COUNT])
    }

    /// The entry for `key`, created by `create` under the shard lock if missing,
    /// so two writers of a new series agree on one id. An error from `create`
    /// leaves the registry unchanged.
    pub fn get_or_insert_with<E>(
        &self,
        tenant: Tenant,
        labels_encoded: &[u8],
        create: impl FnOnce() -> Result<SeriesEntry, E>,
    ) -> Result<Lookup, E> {
        let tenant_bytes = tenant.to_key_bytes();
        let (hash, shard) = self.locate(&tenant_bytes, labels_encoded);
        let mut maps = shard.lock();
        let is_key = |k: &[u8]| {
            k.len() == 8 + labels_encoded.len()
                && k[..8] == tenant_bytes
                && &k[8..] == labels_encoded
        };
        let hash_taken = match maps.by_hash.get(&hash) {
            Some((key, entry)) if is_key(key) => {
                return Ok(Lookup {
                    entry: entry.clone(),
                    created: false,
                });
            }
            Some(_) => true,
            None => false,
        };
        let key = registry_key(tenant, labels_encoded);
        if hash_taken && let Some(entry) = maps.overflow.get(&key) {
            return Ok(Lookup {
                entry: entry.clone(),
                created: false,
            });
        }
        let entry = Arc::new(create()?);
        if hash_taken {
            maps.overflow.insert(key, entry.clone());
        } else {
            maps.by_hash.insert(hash, (key, entry.clone()));
        }
        Ok(Lookup {
            entry,
            created: true,
        })
    }

    /// Forgets series (after deletion), so new samples create new series.
    pub fn remove(&self, keys: &[Box<[u8]>]) {
        for key in keys {
            let (tenant, labels) = key.split_at(8.min(key.len()));
            let (hash, shard) = self.locate(tenant, labels);
            let mut maps = shard.lock();
            if maps.by_hash.get(&hash).is_some_and(|(k, _)| k == key) {
                maps.by_hash.remove(&hash);
            } else {
                maps.overflow.remove(key);
            }
        }
    }
}
