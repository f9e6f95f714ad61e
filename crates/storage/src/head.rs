//! The in-memory head: samples acknowledged since the last flush, per series.
//!
//! A series keeps its newest samples raw, as they arrive (any order,
//! duplicates allowed), and once [`RECENT_SAMPLES_MAX`] have gathered it
//! *seals* them: sorts and deduplicates them and appends them as one chunk of
//! the chunk codec to the series' sealed bytes. Readers and the flush decode
//! the sealed chunks, add the raw samples, then sort and deduplicate; chunks
//! may overlap each other in time, which the tie rule of
//! [`estuary_types::sample::sort_and_dedup`] resolves regardless of order.
//!
//! Sealing keeps the head at a few bytes per sample instead of sixteen, so
//! the memory a head holds (and an allocator keeps after the flush frees it)
//! stays a fraction of the raw samples. Sharded by series id so writers of
//! different series rarely contend.

use crate::prehashed::SeriesIdMap;
use estuary_chunk::ChunkError;
use estuary_types::sample::sort_and_dedup;
use estuary_types::{Sample, Tenant, TimeRange};
use parking_lot::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

const SHARD_COUNT: usize = 64;

/// Raw samples a series gathers before it seals them into a chunk: enough
/// that the chunk's framing (about 20 bytes) is small beside its samples,
/// few enough that the raw buffer (16 bytes a sample) stays small.
pub const RECENT_SAMPLES_MAX: usize = 32;

/// Samples of one series waiting for the next flush.
#[derive(Debug, Clone)]
struct HeadSeries {
    /// The series' tenant (needed to build chunk keys at flush).
    tenant: Tenant,
    /// Sealed samples: chunks of the chunk codec (bodies not compressed),
    /// each sorted and deduplicated, in the order they were sealed.
    sealed: Vec<u8>,
    /// Samples in `sealed`.
    sealed_samples: usize,
    /// Samples since the last seal, in arrival order.
    recent: Vec<Sample>,
}

impl HeadSeries {
    fn new(tenant: Tenant) -> Self {
        HeadSeries {
            tenant,
            sealed: Vec::new(),
            sealed_samples: 0,
            recent: Vec::new(),
        }
    }

    /// Moves the raw samples into a sealed chunk (several when there are more
    /// than a chunk may hold).
    fn seal(&mut self) {
        sort_and_dedup(&mut self.recent);
        for part in self
            .recent
            .chunks(estuary_chunk::SAMPLES_PER_CHUNK_MAX as usize)
        {
            estuary_chunk::encode_uncompressed(part, &mut self.sealed);
        }
        self.sealed_samples += self.recent.len();
        self.recent.clear();
    }

    /// Appends every sample (sealed and raw) inside `range` to `out`, unsorted.
    fn samples_in(&self, range: TimeRange, out: &mut Vec<Sample>) -> Result<(), ChunkError> {
        let mut rest = self.sealed.as_slice();
        while !rest.is_empty() {
            rest = estuary_chunk::decode_range_into(rest, range, out)?.1;
        }
        out.extend(self.recent.iter().filter(|s| range.contains(s.timestamp)));
        Ok(())
    }

    fn sample_count(&self) -> usize {
        self.sealed_samples + self.recent.len()
    }

    fn is_empty(&self) -> bool {
        self.sealed.is_empty() && self.recent.is_empty()
    }
}

/// One series' head samples as a flush copied them.
#[derive(Debug)]
pub struct CopiedSeries {
    /// The series id.
    pub series_id: u32,
    /// The series' tenant.
    pub tenant: Tenant,
    series: HeadSeries,
}

impl CopiedSeries {
    /// The copied samples, sorted and deduplicated.
    pub fn into_samples(self) -> Result<Vec<Sample>, ChunkError> {
        let mut samples = Vec::with_capacity(self.series.sample_count());
        self.series.samples_in(TimeRange::ALL, &mut samples)?;
        sort_and_dedup(&mut samples);
        Ok(samples)
    }
}

/// How much of each series a flush copied, so it can remove exactly that once
/// it is safely in RocksDB.
#[derive(Debug, Default)]
pub struct FlushedParts {
    /// Per series: id, sealed bytes, sealed samples and raw samples copied.
    parts: Vec<(u32, usize, usize, usize)>,
}

/// While alive, series do not seal, so what a flush copied stays a prefix of
/// each series' sealed bytes and raw samples until it is removed. Sealing
/// resumes when it is dropped, also when the flush failed.
#[must_use = "sealing resumes when the pause is dropped"]
pub struct SealingPaused<'a> {
    head: &'a Head,
}

impl Drop for SealingPaused<'_> {
    fn drop(&mut self) {
        self.head.sealing_paused.store(false, Ordering::SeqCst);
    }
}

/// All head series.
pub struct Head {
    shards: Vec<Mutex<SeriesIdMap<HeadSeries>>>,
    /// Set from a flush's copy until its removal (see [`SealingPaused`]).
    sealing_paused: AtomicBool,
}

impl Default for Head {
    fn default() -> Self {
        Head {
            shards: (0..SHARD_COUNT)
                .map(|_| Mutex::new(SeriesIdMap::default()))
                .collect(),
            sealing_paused: AtomicBool::new(false),
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
        self.append_locked(&mut shard, series_id, tenant, samples);
    }

    /// Adds the samples of every series of a write. Each shard is locked once
    /// for all of its series, so their cache misses overlap instead of
    /// waiting for a lock each.
    pub fn append_batch(&self, batch: &[(u32, Tenant, &[Sample])]) {
        let mut order: Vec<(usize, usize)> = batch
            .iter()
            .enumerate()
            .map(|(index, &(series_id, _, _))| (series_id as usize % SHARD_COUNT, index))
            .collect();
        order.sort_unstable();
        for group in order.chunk_by(|a, b| a.0 == b.0) {
            let mut shard = self.shards[group[0].0].lock();
            for &(_, index) in group {
                let (series_id, tenant, samples) = batch[index];
                self.append_locked(&mut shard, series_id, tenant, samples);
            }
        }
    }

    fn append_locked(
        &self,
        shard: &mut SeriesIdMap<HeadSeries>,
        series_id: u32,
        tenant: Tenant,
        samples: &[Sample],
    ) {
        let series = shard
            .entry(series_id)
            .or_insert_with(|| HeadSeries::new(tenant));
        if series.recent.capacity() == 0 {
            series
                .recent
                .reserve_exact(RECENT_SAMPLES_MAX.max(samples.len()));
        }
        series.recent.extend_from_slice(samples);
        // Read under the shard lock: a flush sets the flag before it copies
        // any shard, so a seal either precedes its copy or waits for the flush.
        if series.recent.len() >= RECENT_SAMPLES_MAX && !self.sealing_paused.load(Ordering::SeqCst)
        {
            series.seal();
        }
    }

    /// Appends the series' head samples inside `range` to `out` (unsorted).
    pub fn samples_in(
        &self,
        series_id: u32,
        range: TimeRange,
        out: &mut Vec<Sample>,
    ) -> Result<(), ChunkError> {
        let shard = self.shard(series_id).lock();
        match shard.get(&series_id) {
            Some(series) => series.samples_in(range, out),
            None => Ok(()),
        }
    }

    /// Drops the head samples of the given series (they were deleted).
    pub fn remove(&self, series_ids: impl IntoIterator<Item = u32>) {
        for id in series_ids {
            self.shard(id).lock().remove(&id);
        }
    }

    /// Series and samples currently buffered (sealed samples counted after
    /// their deduplication).
    pub fn stats(&self) -> (u64, u64) {
        let mut series = 0u64;
        let mut samples = 0u64;
        for shard in &self.shards {
            let shard = shard.lock();
            series += shard.len() as u64;
            samples += shard.values().map(|s| s.sample_count() as u64).sum::<u64>();
        }
        (series, samples)
    }

    /// Pauses sealing until the returned guard is dropped: from a flush's
    /// first copy until it removed what it wrote.
    pub fn pause_sealing(&self) -> SealingPaused<'_> {
        self.sealing_paused.store(true, Ordering::SeqCst);
        SealingPaused { head: self }
    }

    /// Shards [`Head::copy_shard`] takes.
    pub fn shard_count(&self) -> usize {
        self.shards.len()
    }

    /// Copies the buffered samples of one shard out of the head, leaving the
    /// head as it was, and notes in `parts` what was copied. Readers keep
    /// finding the samples in the head until [`Head::remove_flushed`]. Call
    /// it with sealing paused ([`Head::pause_sealing`]).
    pub fn copy_shard(&self, shard: usize, parts: &mut FlushedParts) -> Vec<CopiedSeries> {
        let Some(shard) = self.shards.get(shard) else {
            return Vec::new();
        };
        let shard = shard.lock();
        let mut copied = Vec::with_capacity(shard.len());
        for (&series_id, series) in shard.iter() {
            if series.is_empty() {
                continue;
            }
            parts.parts.push((
                series_id,
                series.sealed.len(),
                series.sealed_samples,
                series.recent.len(),
            ));
            copied.push(CopiedSeries {
                series_id,
                tenant: series.tenant,
                series: series.clone(),
            });
        }
        copied
    }

    /// Removes what a flush persisted: the copied prefix of each series'
    /// sealed bytes and raw samples (appends only add at the end, and sealing
    /// is paused). Series left empty are dropped; emptied buffers are freed.
    pub fn remove_flushed(&self, parts: &FlushedParts) {
        for &(id, sealed_bytes, sealed_samples, recent_samples) in &parts.parts {
            let mut shard = self.shard(id).lock();
            let Some(series) = shard.get_mut(&id) else {
                continue;
            };
            if sealed_bytes >= series.sealed.len() {
                series.sealed = Vec::new();
                series.sealed_samples = 0;
            } else {
                series.sealed.drain(..sealed_bytes);
                series.sealed_samples = series.sealed_samples.saturating_sub(sealed_samples);
            }
            let recent_samples = recent_samples.min(series.recent.len());
            series.recent.drain(..recent_samples);
            if series.is_empty() {
                shard.remove(&id);
            } else if series.recent.capacity() > 2 * RECENT_SAMPLES_MAX.max(series.recent.len()) {
                // It grew while sealing was paused.
                series.recent.shrink_to(RECENT_SAMPLES_MAX);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use estuary_types::sample::stale_nan;

    const TENANT: Tenant = Tenant {
        account_id: 1,
        project_id: 2,
    };

    fn sample(timestamp: i64, value: f64) -> Sample {
        Sample { timestamp, value }
    }

    /// Every shard's copy, as a flush takes them.
    fn snapshot(head: &Head) -> (Vec<CopiedSeries>, FlushedParts, SealingPaused<'_>) {
        let paused = head.pause_sealing();
        let mut parts = FlushedParts::default();
        let copied = (0..head.shard_count())
            .flat_map(|shard| head.copy_shard(shard, &mut parts))
            .collect();
        (copied, parts, paused)
    }

    fn read_all(head: &Head, series_id: u32) -> Vec<Sample> {
        let mut out = Vec::new();
        head.samples_in(series_id, TimeRange::ALL, &mut out)
            .expect("head chunks decode");
        sort_and_dedup(&mut out);
        out
    }

    fn bits(samples: &[Sample]) -> Vec<(i64, u64)> {
        samples
            .iter()
            .map(|s| (s.timestamp, s.value.to_bits()))
            .collect()
    }

    #[test]
    fn sealed_and_raw_samples_read_back_exactly_in_any_arrival_order() {
        let head = Head::default();
        // Timestamps arrive shuffled, with duplicates, a staleness marker and
        // values that are not decimals.
        let mut expected = Vec::new();
        for step in 0..100i64 {
            let timestamp = (step * 37) % 100 * 15_000;
            let value = match step % 4 {
                0 => step as f64 * 1.5,
                1 => (step as f64).sqrt(),
                2 => stale_nan(),
                _ => -0.0,
            };
            head.append(7, TENANT, &[sample(timestamp, value)]);
            expected.push(sample(timestamp, value));
        }
        head.append(7, TENANT, &[sample(15_000, 1e300)]);
        expected.push(sample(15_000, 1e300));
        sort_and_dedup(&mut expected);

        {
            let shard = head.shard(7).lock();
            assert!(!shard[&7].sealed.is_empty(), "100 samples were sealed");
            assert!(shard[&7].recent.len() < RECENT_SAMPLES_MAX);
        }
        assert_eq!(bits(&read_all(&head, 7)), bits(&expected));
    }

    #[test]
    fn reads_keep_only_the_range() {
        let head = Head::default();
        for t in 0..80 {
            head.append(3, TENANT, &[sample(t * 1_000, t as f64)]);
        }
        let mut out = Vec::new();
        head.samples_in(3, TimeRange::new(10_000, 45_000), &mut out)
            .expect("decode");
        sort_and_dedup(&mut out);
        let timestamps: Vec<i64> = out.iter().map(|s| s.timestamp).collect();
        assert_eq!(timestamps, (10..=45).map(|t| t * 1_000).collect::<Vec<_>>());
    }

    #[test]
    fn a_flush_removes_exactly_what_it_copied_while_writes_go_on() {
        let head = Head::default();
        for t in 0..50 {
            head.append(1, TENANT, &[sample(t, 1.0)]);
        }
        let (copied, parts, paused) = snapshot(&head);
        // Written during the flush: kept raw while sealing is paused.
        for t in 50..120 {
            head.append(1, TENANT, &[sample(t, 2.0)]);
        }
        let copied_samples = copied
            .into_iter()
            .next()
            .expect("one series")
            .into_samples()
            .expect("decode");
        assert_eq!(copied_samples.len(), 50);
        head.remove_flushed(&parts);
        drop(paused);

        let left = read_all(&head, 1);
        assert_eq!(
            left.iter().map(|s| s.timestamp).collect::<Vec<_>>(),
            (50..120).collect::<Vec<_>>()
        );
        // Sealing resumed: the next write seals the backlog.
        head.append(1, TENANT, &[sample(120, 2.0)]);
        let stored = &head.shard(1).lock()[&1];
        assert!(stored.recent.is_empty());
        assert_eq!(stored.sealed_samples, 71);
    }

    #[test]
    fn a_fully_flushed_series_leaves_the_head() {
        let head = Head::default();
        for t in 0..40 {
            head.append(9, TENANT, &[sample(t, 0.5)]);
        }
        let (_copied, parts, paused) = snapshot(&head);
        head.remove_flushed(&parts);
        drop(paused);
        assert_eq!(head.stats(), (0, 0));
    }

    #[test]
    fn a_failed_flush_resumes_sealing() {
        let head = Head::default();
        drop(snapshot(&head));
        for t in 0..RECENT_SAMPLES_MAX as i64 {
            head.append(4, TENANT, &[sample(t, 3.0)]);
        }
        assert!(head.shard(4).lock()[&4].recent.is_empty());
    }
}
