//! The head flush: persist every head sample as chunks in RocksDB, then delete
//! the WAL segments that held them.
//!
//! Samples stay visible throughout: the flush copies the head shard by shard,
//! writes each shard's chunks, makes them durable with a last synced RocksDB
//! write, and only then removes the copied samples from the head. A sample is therefore always in the head, in RocksDB, or (for
//! a moment) in both, and readers deduplicate.

use crate::chunk_io::encode_chunks;
use crate::engine::Engine;
use crate::error::{EngineError, IoContext, RocksContext};
use crate::head::FlushedParts;
use crate::keys::{self, ChunkKey};
use rocksdb::{WriteBatch, WriteOptions};
use std::collections::BTreeSet;
use std::sync::atomic::Ordering;
use std::time::Instant;

/// Whether the caller of [`Engine::flush_locked`] already holds the apply
/// gate exclusively.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum WritesPaused {
    /// The caller holds it: writers are already waiting.
    Yes,
    /// The flush takes it for the WAL rotation only.
    No,
}

impl Engine {
    /// Flushes the head into chunks and truncates the WAL.
    pub fn flush(&self) -> Result<(), EngineError> {
        let _maintenance = self.maintenance_lock.lock();
        self.flush_locked(WritesPaused::No)
    }

    /// The flush, with the maintenance lock held by the caller. With
    /// [`WritesPaused::Yes`] the caller also holds the apply gate exclusively
    /// (a snapshot does, so nothing lands between the flush and its
    /// checkpoint); otherwise writes pause only while the WAL rotates.
    pub(crate) fn flush_locked(&self, paused: WritesPaused) -> Result<(), EngineError> {
        let (closed_segment, _sealing_paused) = {
            let _gate = match paused {
                WritesPaused::Yes => None,
                WritesPaused::No => Some(self.apply_gate.write()),
            };
            let closed = self.wal.rotate().io_context(|| "rotate the WAL".into())?;
            // Everything in the closed segments is in the head now; copies
            // taken later may hold newer samples too, which the open segment
            // also keeps (replay deduplicates).
            (closed, self.head.pause_sealing())
        };
        let wal_position = self.wal.position();

        let sequence = self.sequence.fetch_add(1, Ordering::AcqRel);
        let chunks_cf = self.cf(keys::CF_CHUNKS);
        let meta_cf = self.cf(keys::CF_META);
        let mut parts = FlushedParts::default();
        let mut touched_days = BTreeSet::new();
        // One shard at a time, so the flush holds one shard's copy and chunks
        // rather than the whole head twice.
        for shard in 0..self.head.shard_count() {
            let mut batch = WriteBatch::default();
            for copied in self.head.copy_shard(shard, &mut parts) {
                let (series_id, tenant) = (copied.series_id, copied.tenant);
                let samples = copied
                    .into_samples()
                    .map_err(|error| EngineError::corrupt_head(series_id, error))?;
                encode_chunks(&samples, |day, timestamp_min, bytes| {
                    let key = ChunkKey {
                        tenant,
                        day,
                        series_id,
                        timestamp_min,
                        sequence,
                    };
                    batch.put_cf(chunks_cf, key.encode(), bytes);
                    touched_days.insert((tenant, day));
                });
            }
            if !batch.is_empty() {
                // Unsynced: the synced write below covers it.
                self.db
                    .write(batch)
                    .context(|| "write flushed chunks".into())?;
            }
        }
        let mut batch = WriteBatch::default();
        for (tenant, day) in &touched_days {
            batch.put_cf(meta_cf, keys::pending_merge(*tenant, *day), []);
        }
        batch.put_cf(
            meta_cf,
            keys::META_SEQUENCE,
            sequence.wrapping_add(1).to_be_bytes(),
        );
        // Synced: this also makes every earlier unsynced write (chunks, series
        // definitions, postings) durable, which the WAL deletion below relies on.
        let mut options = WriteOptions::default();
        options.set_sync(true);
        self.db
            .write_opt(batch, &options)
            .context(|| "finish the flush".into())?;

        self.head.remove_flushed(&parts);
        self.wal
            .remove_segments_upto(closed_segment)
            .io_context(|| format!("delete WAL segments up to {closed_segment}"))?;
        self.wal_position_at_flush
            .store(wal_position, Ordering::Release);
        *self.last_flush.lock() = Instant::now();
        self.stats.flushes.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }
}
