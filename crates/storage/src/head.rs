//! The in-memory head: samples acknowledged since the last flush, per series.
//!
//! Samples are kept as they arrive (any order, duplicates allowed); readers and
//! the flush sort and deduplicate them. Sharded by series id so writers of
//! different series rarely contend.

use crate::prehashed::SeriesIdMap;
use estuary_types::{Sample, Tenant, TimeRange};
use parking_lot::Mutex;

const SHARD_COUNT: usize = 64;

/// Samples a new head series reserves room for: a 10-minute flush interval of
/// 15 s scrapes holds 40, so a typical series never regrows its buffer
/// (regrowth and page zeroing were a sixth of ingest CPU).
const SAMPLES_RESERVED_MIN: usize = 48;

/// Samples of one series waiting for the next flush.
#[derive(Debug)]
pub struct HeadSeries {
    /// The series' tenant (needed to build chunk keys at flush).
    pub tenant: Tenant,
    /// Unsorted samples since the last flush.
    pub samples: Vec<Sample>,
}

/// One flushed series' samples, taken out of the head.
pub type TakenSeries = (u32, Tenant, Vec<Sample>);

/// All head series.
pub struct Head {
    shards: Vec<Mutex<SeriesIdMap<HeadSeries>>>,
}

impl Default for Head {
    fn default() -> Self {
        Head {
            shards: (0..SHARD_COUNT)
                .map(|_| Mutex::new(SeriesIdMap::default()))
                .collect(),
        }
    }
}

impl Head {
    fn shard(&self, series_id: u32) -> &Mutex<SeriesIdMap<HeadSeries>> {
        &self.shards[series_id as usize % SHARD_COUNT]
    }

    /// Adds samples to a series.
    pub fn append(&self, series_id: u32, tenant: Tenant, samples: &[Sample]) {
        let mut shard = self.shard(series_id).lock();
        let series = shard.entry(series_id).or_insert_with(|| HeadSeries {
            tenant,
            samples: Vec::with_capacity(samples.len().max(SAMPLES_RESERVED_MIN)),
        });
        series.samples.extend_from_slice(samples);
    }

    /// Appends the series' head samples inside `range` to `out` (unsorted).
    pub fn samples_in(&self, series_id: u32, range: TimeRange, out: &mut Vec<Sample>) {
        let shard = self.shard(series_id).lock();
        if let Some(series) = shard.get(&series_id) {
            out.extend(
                series
                    .samples
                    .iter()
                    .filter(|s| range.contains(s.timestamp)),
            );
        }
    }

    /// Drops the head samples of the given series (they were deleted).
    pub fn remove(&self, series_ids: impl IntoIterator<Item = u32>) {
        for id in series_ids {
            self.shard(id).lock().remove(&id);
        }
    }

    /// Series and samples currently buffered.
    pub fn stats(&self) -> (u64, u64) {
        let mut series = 0u64;
        let mut samples = 0u64;
        for shard in &self.shards {
            let shard = shard.lock();
            series += shard.len() as u64;
            samples += shard.values().map(|s| s.samples.len() as u64).sum::<u64>();
        }
        (series, samples)
    }
}

/// How many samples of each series a flush copied, so it can remove exactly
/// those after they are safely in RocksDB.
pub type FlushedCounts = Vec<(u32, usize)>;

impl Head {
    /// Copies every buffered sample out of the head, leaving the head as it was.
    /// Readers keep finding the samples in the head until [`Head::remove_flushed`].
    pub fn snapshot(&self) -> (Vec<TakenSeries>, FlushedCounts) {
        let mut copied = Vec::new();
        let mut counts = Vec::new();
        for shard in &self.shards {
            let shard = shard.lock();
            for (&id, series) in shard.iter() {
                if series.samples.is_empty() {
                    continue;
                }
                copied.push((id, series.tenant, series.samples.clone()));
                counts.push((id, series.samples.len()));
            }
        }
        (copied, counts)
    }

    /// Removes the samples a flush persisted: the first `count` of each series
    /// (appends only ever add at the end). Series left empty are dropped.
    pub fn remove_flushed(&self, counts: &FlushedCounts) {
        for &(id, count) in counts {
            let mut shard = self.shard(id).lock();
            if let Some(series) = shard.get_mut(&id) {
                let count = count.min(series.samples.len());
                series.samples.drain(..count);
                if series.samples.is_empty() {
                    shard.remove(&id);
                }
            }
        }
    }
}
