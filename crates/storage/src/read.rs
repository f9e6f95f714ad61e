//! The read paths: resolve matchers to series ids over the days of a range,
//! then read labels, samples (chunks plus head), names and values.

use crate::chunk_io::{WINDOW_MS, decode_in_range};
use crate::engine::{Engine, now_ms};
use crate::error::{EngineError, RocksContext};
use crate::index::LabelsCursor;
use crate::keys;
use estuary_storage_api::{Deadline, SearchRequest, SeriesData, SeriesRequest};
use estuary_types::parallel;
use estuary_types::sample::sort_and_dedup;
use estuary_types::{Labels, Sample, Tenant, TimeRange};
use roaring::RoaringBitmap;
use rocksdb::{DB, DBRawIteratorWithThreadMode};
use std::collections::BTreeSet;

/// Series ids checked between deadline checks.
const DEADLINE_CHECK_EVERY: usize = 256;

impl Engine {
    /// The part of `range` the tenant's retention still allows.
    pub(crate) fn retained(&self, tenant: Tenant, range: TimeRange) -> TimeRange {
        let cutoff = self.config.retention.cutoff_ms(tenant, now_ms());
        TimeRange::new(range.start.max(cutoff), range.end)
    }

    /// The days within `range` in which the tenant has series, ascending.
    pub(crate) fn days_with_data(&self, tenant: Tenant, range: TimeRange) -> Vec<u32> {
        if range.is_empty() {
            return Vec::new();
        }
        self.tenant_days.within(tenant, range.days())
    }

    /// Ids of series matching the request in any day of its (retained) range.
    pub(crate) fn matching_series(
        &self,
        request: &SeriesRequest,
    ) -> Result<RoaringBitmap, EngineError> {
        let range = self.retained(request.tenant, request.range);
        let days = self.days_with_data(request.tenant, range);
        self.matching_series_in(request, &days)
    }

    /// Ids of series matching the request in any of `days`.
    fn matching_series_in(
        &self,
        request: &SeriesRequest,
        days: &[u32],
    ) -> Result<RoaringBitmap, EngineError> {
        let mut ids = RoaringBitmap::new();
        if days.is_empty() {
            return Ok(ids);
        }
        let index = self.index();
        for &day in days {
            check_deadline(request.deadline, "selecting series")?;
            if request.filters.is_empty() {
                ids |= index.all_series(request.tenant, day)?;
            }
            for group in &request.filters {
                ids |= index.select(request.tenant, day, group)?;
            }
        }
        ids -= index.deleted(request.tenant)?;
        Ok(ids)
    }

    /// Samples of every matching series within the range. Searches expected
    /// to decode many chunks are spread over up to [`SEARCH_THREADS_MAX`]
    /// threads, which take small batches of consecutive series ids in turn
    /// (`estuary_types::parallel`); the answer keeps id order.
    pub fn search(&self, request: &SearchRequest) -> Result<Vec<SeriesData>, EngineError> {
        let series = &request.series;
        let range = self.retained(series.tenant, series.range);
        let days = self.days_with_data(series.tenant, range);
        let ids = self.matching_series_in(series, &days)?;
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        if ids.len() > series.limit as u64 {
            return Err(EngineError::LimitExceeded {
                what: "the number of matching series",
                limit: series.limit as u64,
                hint: "narrow the selector or raise -search.maxSeries",
            });
        }
        let ids: Vec<u32> = ids.iter().collect();
        let threads = search_threads(ids.len(), range);
        let batch_len = parallel::batch_len(ids.len(), threads, SERIES_PER_BATCH_MAX);
        let results = parallel::map_batches(
            &ids,
            threads,
            batch_len,
            || SeriesReader::new(self, request, range, &days),
            SeriesReader::read,
        )?;
        let samples_read = results.iter().map(|s| s.samples.len() as u64).sum();
        check_samples_read(samples_read, request.samples_limit)?;
        Ok(results)
    }

    /// One series' samples in `range`: its chunks of each day plus the head,
    /// sorted and deduplicated.
    fn series_samples(
        &self,
        iters: &mut [DBRawIteratorWithThreadMode<'_, DB>],
        tenant: Tenant,
        series_id: u32,
        range: TimeRange,
        days: &[u32],
        capacity: usize,
    ) -> Result<Vec<Sample>, EngineError> {
        let mut samples = Vec::with_capacity(capacity);
        // Merged days hold chunks that follow each other in time; then the
        // samples arrive sorted and unique, and need no sort.
        let mut sorted = true;
        for (&day, iter) in days.iter().zip(iters.iter_mut()) {
            let prefix = keys::chunk_series_prefix(tenant, day, series_id);
            // Positioned on this series already: the previous series of the
            // day ended right before it. Nothing else leaves it there, since
            // every series is read once.
            if !iter.key().is_some_and(|key| key.starts_with(&prefix)) {
                iter.seek(prefix);
            }
            while let Some(key) = iter.key() {
                if !key.starts_with(&prefix) {
                    break;
                }
                // Chunks sort by their first timestamp: once one starts after
                // the range, so do the rest of the series' day.
                if keys::chunk_key_timestamp_min(key).is_some_and(|t| t > range.end) {
                    break;
                }
                if let Some(value) = iter.value() {
                    let before = samples.len();
                    let last = samples.last().map(|s: &Sample| s.timestamp);
                    decode_in_range(value, range, &mut samples)?;
                    if let (Some(last), Some(first)) = (last, samples.get(before)) {
                        sorted &= last < first.timestamp;
                    }
                }
                iter.next();
            }
            iter.status()
                .context(|| format!("read chunks of series {series_id}"))?;
        }
        let from_chunks = samples.len();
        self.head
            .samples_in(series_id, range, &mut samples)
            .map_err(|error| EngineError::corrupt_head(series_id, error))?;
        if !sorted || samples.len() > from_chunks {
            sort_and_dedup(&mut samples);
        }
        if samples.capacity() > 2 * samples.len() {
            // The capacity asked for was another series' size.
            samples.shrink_to_fit();
        }
        Ok(samples)
    }

    /// Label sets of matching series (day granularity).
    pub fn series(&self, request: &SeriesRequest) -> Result<Vec<Labels>, EngineError> {
        let ids = self.matching_series(request)?;
        let mut labels_cursor = self.index().labels_cursor(request.tenant);
        let mut out = Vec::with_capacity((ids.len() as usize).min(request.limit));
        for (position, id) in ids.iter().enumerate() {
            if out.len() >= request.limit {
                break;
            }
            if position % DEADLINE_CHECK_EVERY == 0 {
                check_deadline(request.deadline, "listing series")?;
            }
            if let Some(labels) = labels_cursor.labels_of(id)? {
                out.push(labels);
            }
        }
        out.sort();
        Ok(out)
    }

    /// Sorted label names of matching series.
    pub fn label_names(&self, request: &SeriesRequest) -> Result<Vec<String>, EngineError> {
        let mut names = BTreeSet::new();
        if request.filters.is_empty() {
            let range = self.retained(request.tenant, request.range);
            for day in self.days_with_data(request.tenant, range) {
                check_deadline(request.deadline, "listing label names")?;
                names.extend(self.index().label_names(request.tenant, day)?);
            }
        } else {
            for labels in self.series(&SeriesRequest {
                limit: usize::MAX,
                ..request.clone()
            })? {
                names.extend(labels.iter().map(|l| l.name.clone()));
            }
        }
        Ok(names.into_iter().take(request.limit).collect())
    }

    /// Sorted values of `name` over matching series.
    pub fn label_values(
        &self,
        request: &SeriesRequest,
        name: &str,
    ) -> Result<Vec<String>, EngineError> {
        let mut values = BTreeSet::new();
        if request.filters.is_empty() {
            let range = self.retained(request.tenant, request.range);
            let deleted = self.index().deleted(request.tenant)?;
            // Each day lists its values in order: collect, then sort and
            // deduplicate once (a tree insert per value cost more).
            let mut listed = Vec::new();
            let days = self.days_with_data(request.tenant, range);
            let mut day_listed = None;
            self.index().for_each_value_in_days(
                request.tenant,
                &days,
                name,
                |day, value, bytes| {
                    if day_listed != Some(day) {
                        check_deadline(request.deadline, "listing label values")?;
                        day_listed = Some(day);
                    }
                    if deleted.is_empty() || has_live_series(bytes, &deleted)? {
                        listed.push(value.to_string());
                    }
                    Ok(())
                },
            )?;
            listed.sort_unstable();
            listed.dedup();
            listed.truncate(request.limit);
            return Ok(listed);
        } else {
            for labels in self.series(&SeriesRequest {
                limit: usize::MAX,
                ..request.clone()
            })? {
                if let Some(value) = labels.get(name) {
                    values.insert(value.to_string());
                }
            }
        }
        Ok(values.into_iter().take(request.limit).collect())
    }

    /// Tenants with series in any day of `range`.
    pub fn tenants(&self, range: TimeRange) -> Result<Vec<Tenant>, EngineError> {
        let mut tenants = BTreeSet::new();
        let days = range.days();
        self.index()
            .scan_prefix(&keys::TENANT_DAY_PREFIX, |key, _| {
                if let Some((tenant, day)) = keys::parse_tenant_day(key)
                    && days.contains(&day)
                {
                    tenants.insert(tenant);
                }
                Ok(())
            })?;
        Ok(tenants.into_iter().collect())
    }
}

/// Whether a posting holds a series that is not deleted.
fn has_live_series(posting: &[u8], deleted: &RoaringBitmap) -> Result<bool, EngineError> {
    let bitmap = crate::postings::decode(posting).map_err(|e| EngineError::Corrupt {
        what: "postings",
        detail: e.to_string(),
    })?;
    Ok(!bitmap.is_subset(deleted))
}

/// Reads the labels and samples of batches of series ids on one thread,
/// with one labels cursor and one chunk iterator per day for all of them.
struct SeriesReader<'e> {
    engine: &'e Engine,
    request: &'e SearchRequest,
    range: TimeRange,
    days: &'e [u32],
    labels_cursor: LabelsCursor<'e>,
    /// One iterator per day: a series' chunks of a day usually start right
    /// where the previous series' end, a step instead of a seek.
    iters: Vec<DBRawIteratorWithThreadMode<'e, DB>>,
    /// Series of one search tend to have about as many samples as each
    /// other: sizing each by the one before saves regrowing while decoding.
    capacity: usize,
    /// Samples this thread has read so far, for an early limit check.
    samples_read: u64,
    /// Series ids this thread has looked at, for the deadline checks.
    looked_at: usize,
}

impl<'e> SeriesReader<'e> {
    fn new(
        engine: &'e Engine,
        request: &'e SearchRequest,
        range: TimeRange,
        days: &'e [u32],
    ) -> Self {
        SeriesReader {
            engine,
            request,
            range,
            days,
            labels_cursor: engine.index().labels_cursor(request.series.tenant),
            iters: days
                .iter()
                .map(|_| engine.db.raw_iterator_cf(engine.cf(keys::CF_CHUNKS)))
                .collect(),
            capacity: 0,
            samples_read: 0,
            looked_at: 0,
        }
    }

    /// Labels and samples of the series `ids` (ascending), skipping series
    /// without samples in the range.
    fn read(&mut self, ids: &[u32]) -> Result<Vec<SeriesData>, EngineError> {
        let series = &self.request.series;
        let mut results = Vec::with_capacity(ids.len());
        for &id in ids {
            if self.looked_at.is_multiple_of(DEADLINE_CHECK_EVERY) {
                check_deadline(series.deadline, "reading samples")?;
            }
            self.looked_at += 1;
            let Some(labels) = self.labels_cursor.labels_of(id)? else {
                continue;
            };
            let samples = self.engine.series_samples(
                &mut self.iters,
                series.tenant,
                id,
                self.range,
                self.days,
                self.capacity,
            )?;
            if samples.is_empty() {
                continue;
            }
            // With room to spare: a series a few samples longer than the one
            // before would otherwise double its vector and copy it.
            self.capacity = samples.len() + samples.len() / 8 + 16;
            self.samples_read += samples.len() as u64;
            check_samples_read(self.samples_read, self.request.samples_limit)?;
            results.push(SeriesData { labels, samples });
        }
        Ok(results)
    }
}

/// Most series ids in one batch of a parallel search: small enough that a
/// thread starting late costs little, large enough that most series still
/// follow the one before in the chunk iterators.
const SERIES_PER_BATCH_MAX: usize = 64;

/// Most threads one search reads with.
pub const SEARCH_THREADS_MAX: usize = parallel::THREADS_MAX;

/// Fewest chunks a search thread should expect to decode: below it, waking
/// a helper thread and merging its answer costs more than it saves. A chunk
/// takes a microsecond or two, so this is a few hundred microseconds.
const CHUNKS_PER_SEARCH_THREAD_MIN: i64 = 250;

/// Threads to read `series` series over `range` with: one per
/// [`CHUNKS_PER_SEARCH_THREAD_MIN`] chunks expected (a chunk per series and
/// window the range touches, `chunk_io::WINDOW_MS`), at most the machine's
/// cores and [`SEARCH_THREADS_MAX`]. An instant query's few minutes read one
/// chunk per series and stay on one thread; a day's range reads a dozen.
fn search_threads(series: usize, range: TimeRange) -> usize {
    let cores = estuary_types::parallel::cores();
    let windows = range
        .end
        .saturating_sub(range.start)
        .div_euclid(WINDOW_MS)
        .saturating_add(1);
    let chunks = i64::try_from(series)
        .unwrap_or(i64::MAX)
        .saturating_mul(windows.max(1));
    let threads = usize::try_from(chunks / CHUNKS_PER_SEARCH_THREAD_MIN).unwrap_or(usize::MAX);
    threads.clamp(1, cores.clamp(1, SEARCH_THREADS_MAX))
}

/// Fails with [`EngineError::LimitExceeded`] when a search read more samples
/// than it may.
fn check_samples_read(samples_read: u64, limit: u64) -> Result<(), EngineError> {
    if samples_read > limit {
        return Err(EngineError::LimitExceeded {
            what: "the number of samples read",
            limit,
            hint: "narrow the selector or time range, or raise -search.maxSamplesPerQuery",
        });
    }
    Ok(())
}

/// Fails with [`EngineError::DeadlineExceeded`] once the deadline has passed.
pub(crate) fn check_deadline(deadline: Deadline, during: &'static str) -> Result<(), EngineError> {
    if deadline.is_expired() {
        Err(EngineError::DeadlineExceeded(during))
    } else {
        Ok(())
    }
}
