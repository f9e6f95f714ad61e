//! Day merges: rewrite a day's chunks of each series into the chunks one
//! sorted run of its samples gives (`chunk_io::encode_chunks`: cut at aligned
//! windows, never below a minimum sample count), dropping duplicates and
//! deleted series. This is what brings bytes per sample down: long chunks
//! compress far better than the short ones of frequent flushes.

use crate::chunk_io::decode_all;
use crate::engine::Engine;
use crate::error::{EngineError, RocksContext};
use crate::keys::{self, ChunkKey};
use estuary_types::sample::sort_and_dedup;
use estuary_types::{Sample, Tenant, day_of};
use rocksdb::{ReadOptions, WriteBatch};
use std::sync::atomic::Ordering;

/// Series merged per RocksDB write batch; bounds the batch's memory.
const SERIES_PER_BATCH_MAX: usize = 512;

impl Engine {
    /// Merges every day marked as having new chunks. Days still in progress
    /// (today) are merged only when `include_current_day` is set.
    pub fn merge_pending_days(&self, include_current_day: bool) -> Result<(), EngineError> {
        let today = day_of(crate::engine::now_ms());
        let mut pending = Vec::new();
        self.scan_meta(keys::pending_merge_prefix(), |key| {
            if let Some(day) = keys::parse_pending_merge(key) {
                pending.push(day);
            }
        })?;
        for (tenant, day) in pending {
            if day >= today && !include_current_day {
                continue;
            }
            let _maintenance = self.maintenance_lock.lock();
            self.merge_day(tenant, day)?;
        }
        Ok(())
    }

    fn scan_meta(&self, prefix: &[u8], mut visit: impl FnMut(&[u8])) -> Result<(), EngineError> {
        let mut options = ReadOptions::default();
        if let Some(bound) = keys::prefix_upper_bound(prefix) {
            options.set_iterate_upper_bound(bound);
        }
        let mut iter = self.db.raw_iterator_cf_opt(self.cf(keys::CF_META), options);
        iter.seek(prefix);
        while let Some(key) = iter.key() {
            visit(key);
            iter.next();
        }
        iter.status().context(|| "scan meta".into())
    }

    /// Rewrites one tenant's day. The caller holds the maintenance lock, so no
    /// flush adds chunks to the day meanwhile.
    fn merge_day(&self, tenant: Tenant, day: u32) -> Result<(), EngineError> {
        let deleted = self.index().deleted(tenant)?;
        let chunks_cf = self.cf(keys::CF_CHUNKS);
        let sequence = self.sequence.fetch_add(1, Ordering::AcqRel);
        let prefix = keys::chunk_day_prefix(tenant, day);
        let mut options = ReadOptions::default();
        // A merge reads each chunk once; keep the cache for what queries read.
        options.fill_cache(false);
        if let Some(bound) = keys::prefix_upper_bound(&prefix) {
            options.set_iterate_upper_bound(bound);
        }
        let mut iter = self.db.raw_iterator_cf_opt(chunks_cf, options);
        iter.seek(prefix);

        let mut batch = WriteBatch::default();
        let mut series_in_batch = 0usize;
        let mut group: Vec<(Vec<u8>, Vec<u8>)> = Vec::new();
        let mut group_series: Option<u32> = None;
        loop {
            let next = match (iter.key(), iter.value()) {
                (Some(key), Some(value)) => {
                    let parsed = ChunkKey::decode(key).ok_or_else(|| EngineError::Corrupt {
                        what: "chunk key",
                        detail: format!("{key:?}"),
                    })?;
                    Some((parsed.series_id, key.to_vec(), value.to_vec()))
                }
                _ => None,
            };
            let boundary = match &next {
                Some((series_id, _, _)) => group_series != Some(*series_id),
                None => true,
            };
            if boundary && let Some(series_id) = group_series.take() {
                self.merge_series_group(
                    &mut batch,
                    tenant,
                    day,
                    series_id,
                    sequence,
                    &deleted,
                    std::mem::take(&mut group),
                )?;
                series_in_batch += 1;
                if series_in_batch >= SERIES_PER_BATCH_MAX {
                    self.db
                        .write(std::mem::take(&mut batch))
                        .context(|| format!("merge day {day} of {tenant}"))?;
                    series_in_batch = 0;
                }
            }
            let Some((series_id, key, value)) = next else {
                break;
            };
            group_series = Some(series_id);
            group.push((key, value));
            iter.next();
        }
        iter.status()
            .context(|| format!("scan chunks of day {day} of {tenant}"))?;
        batch.delete_cf(self.cf(keys::CF_META), keys::pending_merge(tenant, day));
        batch.put_cf(
            self.cf(keys::CF_META),
            keys::META_SEQUENCE,
            sequence.wrapping_add(1).to_be_bytes(),
        );
        self.db
            .write(batch)
            .context(|| format!("merge day {day} of {tenant}"))?;
        self.stats.day_merges.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    fn merge_series_group(
        &self,
        batch: &mut WriteBatch,
        tenant: Tenant,
        day: u32,
        series_id: u32,
        sequence: u32,
        deleted: &roaring::RoaringBitmap,
        group: Vec<(Vec<u8>, Vec<u8>)>,
    ) -> Result<(), EngineError> {
        let chunks_cf = self.cf(keys::CF_CHUNKS);
        if deleted.contains(series_id) {
            for (key, _) in &group {
                batch.delete_cf(chunks_cf, key);
            }
            return Ok(());
        }
        // Chunks written by one flush or merge are already what a merge would
        // write: that writer had all of them as one sorted run.
        let mut sequences = group
            .iter()
            .map(|(key, _)| ChunkKey::decode(key).map(|k| k.sequence));
        let first = sequences.next().flatten();
        let one_writer = first.is_some() && sequences.all(|sequence| sequence == first);
        if one_writer {
            return Ok(());
        }
        let mut samples: Vec<Sample> = Vec::new();
        for (_, value) in &group {
            decode_all(value, &mut samples)?;
        }
        let before = samples.len();
        sort_and_dedup(&mut samples);
        self.stats
            .samples_merged
            .fetch_add(samples.len() as u64, Ordering::Relaxed);
        self.stats
            .samples_deduplicated
            .fetch_add((before - samples.len()) as u64, Ordering::Relaxed);
        for (key, _) in &group {
            batch.delete_cf(chunks_cf, key);
        }
        crate::chunk_io::encode_chunks(&samples, |chunk_day, timestamp_min, bytes| {
            debug_assert_eq!(chunk_day, day);
            let key = ChunkKey {
                tenant,
                day: chunk_day,
                series_id,
                timestamp_min,
                sequence,
            };
            batch.put_cf(chunks_cf, key.encode(), bytes);
        });
        Ok(())
    }

    /// Merges everything now, including the current day, and compacts RocksDB so
    /// replaced chunks stop taking space and postings are stored whole.
    ///
    /// The memtables are written out first, so the compaction sees every
    /// posting addition; it rewrites the bottommost files too, which is where
    /// RocksDB folds a key's merge operands into one value. Left as operands,
    /// every read of a posting (label values list them all) merged them again.
    pub fn force_merge(&self) -> Result<(), EngineError> {
        self.flush()?;
        self.merge_pending_days(true)?;
        self.flush_memtables()?;
        let mut options = rocksdb::CompactOptions::default();
        options.set_bottommost_level_compaction(rocksdb::BottommostLevelCompaction::Force);
        for name in [keys::CF_CHUNKS, keys::CF_INDEX] {
            self.db
                .compact_range_cf_opt(self.cf(name), None::<&[u8]>, None::<&[u8]>, &options);
        }
        Ok(())
    }

    /// Writes every column family's memtable to table files, which lets
    /// RocksDB delete its own log files.
    pub fn flush_memtables(&self) -> Result<(), EngineError> {
        for name in [keys::CF_INDEX, keys::CF_CHUNKS, keys::CF_META] {
            self.db
                .flush_cf(self.cf(name))
                .context(|| format!("flush the {name} memtable"))?;
        }
        Ok(())
    }
}
