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
    /// The series id.
    pub series_id: u32,
    /// The entry, when the write still has something to do for the series:
    /// it was just created, its definition is pending, or the write's day is
    /// not known to be indexed. `None` (the common case) spares the write
    /// two atomic operations on the entry's cache line.
    pub entry: Option<Arc<SeriesEntry>>,
    /// Whether this call created it.
    pub created: bool,
}

/// Whether a write whose samples all fall on `day` (`None`: several days)
/// needs `entry` after the lookup.
fn write_needs_entry(entry: &SeriesEntry, day: Option<u32>) -> bool {
    entry.def_position.load(Ordering::Acquire) == DEFINITION_PENDING
        || !day.is_some_and(|day| entry.is_indexed_for(day))
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

/// One series of [`SeriesRegistry::get_or_insert_batch`].
#[derive(Debug, Clone, Copy)]
pub struct SeriesKeyRef<'a> {
    /// The series' tenant.
    pub tenant: Tenant,
    /// Its canonical labels, encoded.
    pub labels_encoded: &'a [u8],
    /// The day of the write's samples, when they all fall on one.
    pub day: Option<u32>,
}

/// Looks a series up in its locked shard.
fn find_locked(maps: &ShardMaps, hash: u64, key: &SeriesKeyRef<'_>) -> Option<Lookup> {
    let tenant_bytes = key.tenant.to_key_bytes();
    let labels_encoded = key.labels_encoded;
    let is_key = |k: &[u8]| {
        k.len() == 8 + labels_encoded.len() && k[..8] == tenant_bytes && &k[8..] == labels_encoded
    };
    match maps.by_hash.get(&hash) {
        Some((stored, entry)) if is_key(stored) => Some(found(entry, key.day)),
        Some(_) => maps
            .overflow
            .get(&registry_key(key.tenant, labels_encoded))
            .map(|entry| found(entry, key.day)),
        None => None,
    }
}

/// Looks a series up in its locked shard, creating it if missing.
fn lookup_locked<E>(
    maps: &mut ShardMaps,
    hash: u64,
    key: &SeriesKeyRef<'_>,
    create: impl FnOnce() -> Result<SeriesEntry, E>,
) -> Result<Lookup, E> {
    if let Some(lookup) = find_locked(maps, hash, key) {
        return Ok(lookup);
    }
    let hash_taken = maps.by_hash.contains_key(&hash);
    let stored_key = registry_key(key.tenant, key.labels_encoded);
    let entry = Arc::new(create()?);
    if hash_taken {
        maps.overflow.insert(stored_key, entry.clone());
    } else {
        maps.by_hash.insert(hash, (stored_key, entry.clone()));
    }
    Ok(Lookup {
        series_id: entry.series_id,
        entry: Some(entry),
        created: true,
    })
}

/// The lookup of an existing entry.
fn found(entry: &Arc<SeriesEntry>, day: Option<u32>) -> Lookup {
    Lookup {
        series_id: entry.series_id,
        entry: write_needs_entry(entry, day).then(|| entry.clone()),
        created: false,
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
    /// The hash of a series key given in two parts (the tenant seeds a
    /// one-shot xxh3 of the labels: the streaming hasher copied every key
    /// into its buffer first) and its shard's index. The shard comes from
    /// bits the map itself does not use (it takes low bits for the slot, top
    /// bits for tags). In memory only, so free to change between versions.
    fn locate(tenant: &[u8], labels_encoded: &[u8]) -> (u64, usize) {
        let mut seed = [0u8; 8];
        let len = tenant.len().min(8);
        seed[..len].copy_from_slice(&tenant[..len]);
        let hash = xxhash_rust::xxh3::xxh3_64_with_seed(labels_encoded, u64::from_be_bytes(seed));
        (hash, (hash >> 32) as usize % SHARD_COUNT)
    }

    /// The entry for a series, created by `create` under the shard lock if
    /// missing, so two writers of a new series agree on one id. An error from
    /// `create` leaves the registry unchanged. `day` is the day of the write's
    /// samples when they all fall on one (see [`Lookup::entry`]).
    pub fn get_or_insert_with<E>(
        &self,
        tenant: Tenant,
        labels_encoded: &[u8],
        day: Option<u32>,
        create: impl FnOnce() -> Result<SeriesEntry, E>,
    ) -> Result<Lookup, E> {
        let key = SeriesKeyRef {
            tenant,
            labels_encoded,
            day,
        };
        let (hash, shard) = Self::locate(&tenant.to_key_bytes(), labels_encoded);
        let mut maps = self.shards[shard].lock();
        lookup_locked(&mut maps, hash, &key, create)
    }

    /// [`SeriesRegistry::get_or_insert_with`] for every series of a write,
    /// answered in the order of `keys`; `create` gets the index of the series
    /// to create. Known series are looked up shard by shard, one lock per
    /// shard, so the lookups' cache misses overlap instead of waiting for a
    /// lock each. Missing series are then created in the order of `keys`, so
    /// series written together get neighbouring ids (their chunks and
    /// postings sit together). On an error from `create` the series this call
    /// created are removed again.
    pub fn get_or_insert_batch<E>(
        &self,
        keys: &[SeriesKeyRef<'_>],
        mut create: impl FnMut(usize) -> Result<SeriesEntry, E>,
    ) -> Result<Vec<Lookup>, E> {
        let mut located: Vec<(usize, u64, usize)> = keys
            .iter()
            .enumerate()
            .map(|(index, key)| {
                let (hash, shard) = Self::locate(&key.tenant.to_key_bytes(), key.labels_encoded);
                (shard, hash, index)
            })
            .collect();
        located.sort_unstable_by_key(|&(shard, _, index)| (shard, index));
        let mut lookups: Vec<Option<Lookup>> = keys.iter().map(|_| None).collect();
        for group in located.chunk_by(|a, b| a.0 == b.0) {
            let maps = self.shards[group[0].0].lock();
            for &(_, hash, index) in group {
                lookups[index] = find_locked(&maps, hash, &keys[index]);
            }
        }
        let mut hashes = vec![0u64; keys.len()];
        for &(_, hash, index) in &located {
            hashes[index] = hash;
        }
        let mut created = Vec::new();
        let mut out = Vec::with_capacity(keys.len());
        for (index, lookup) in lookups.into_iter().enumerate() {
            if let Some(lookup) = lookup {
                out.push(lookup);
                continue;
            }
            let key = &keys[index];
            let shard = (hashes[index] >> 32) as usize % SHARD_COUNT;
            let mut maps = self.shards[shard].lock();
            match lookup_locked(&mut maps, hashes[index], key, || create(index)) {
                Ok(lookup) => {
                    if lookup.created {
                        created.push(registry_key(key.tenant, key.labels_encoded));
                    }
                    out.push(lookup);
                }
                Err(error) => {
                    drop(maps);
                    self.remove(&created);
                    return Err(error);
                }
            }
        }
        Ok(out)
    }

    /// Forgets series (after deletion), so new samples create new series.
    pub fn remove(&self, keys: &[Box<[u8]>]) {
        for key in keys {
            let (tenant, labels) = key.split_at(8.min(key.len()));
            let (hash, shard) = Self::locate(tenant, labels);
            let mut maps = self.shards[shard].lock();
            if maps.by_hash.get(&hash).is_some_and(|(k, _)| k == key) {
                maps.by_hash.remove(&hash);
            } else {
                maps.overflow.remove(key);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(labels: &[u8]) -> SeriesKeyRef<'_> {
        SeriesKeyRef {
            tenant: Tenant::new(1, 0),
            labels_encoded: labels,
            day: Some(7),
        }
    }

    #[test]
    fn a_batch_answers_in_order_and_creates_each_series_once() {
        let registry = SeriesRegistry::default();
        let names: Vec<Vec<u8>> = (0..300u32).map(|i| i.to_be_bytes().to_vec()).collect();
        let mut keys: Vec<SeriesKeyRef<'_>> = names.iter().map(|n| key(n)).collect();
        keys.push(key(&names[5]));
        // Ids come from a counter, as the engine allocates them: series of
        // one write get them in the write's order.
        let mut next_id = 0u32;
        let lookups = registry
            .get_or_insert_batch(&keys, |_| {
                next_id += 1;
                Ok::<_, ()>(SeriesEntry::new(next_id - 1, DEFINITION_DURABLE))
            })
            .expect("no errors");
        for (index, lookup) in lookups.iter().enumerate().take(300) {
            assert_eq!(lookup.series_id, index as u32);
            assert!(lookup.created);
        }
        assert_eq!(
            lookups[300].series_id, 5,
            "a repeated series resolves to one id"
        );
        assert!(!lookups[300].created);

        let again = registry
            .get_or_insert_batch(&keys[..10], |_| Err::<SeriesEntry, _>("must not create"))
            .expect("all known");
        assert!(again.iter().all(|l| !l.created));
    }

    #[test]
    fn an_error_removes_what_the_batch_created() {
        let registry = SeriesRegistry::default();
        let names: Vec<Vec<u8>> = (0..100u32).map(|i| i.to_be_bytes().to_vec()).collect();
        let keys: Vec<SeriesKeyRef<'_>> = names.iter().map(|n| key(n)).collect();
        let result = registry.get_or_insert_batch(&keys, |index| {
            if index == 50 {
                Err("refused")
            } else {
                Ok(SeriesEntry::new(index as u32, DEFINITION_DURABLE))
            }
        });
        assert_eq!(result.err(), Some("refused"));
        let lookups = registry
            .get_or_insert_batch(&keys, |index| {
                Ok::<_, ()>(SeriesEntry::new(1000 + index as u32, DEFINITION_DURABLE))
            })
            .expect("no errors");
        assert!(lookups.iter().all(|l| l.created && l.series_id >= 1000));
    }
}
