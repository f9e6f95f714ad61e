//! The read paths: resolve matchers to series ids over the days of a range,
//! then read labels, samples (chunks plus head), names and values.

use crate::chunk_io::decode_in_range;
use crate::engine::{Engine, now_ms};
use crate::error::{EngineError, RocksContext};
use crate::keys;
use estuary_storage_api::{Deadline, SearchRequest, SeriesData, SeriesRequest};
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
    pub(crate) fn days_with_data(
        &self,
        tenant: Tenant,
        range: TimeRange,
    ) -> Result<Vec<u32>, EngineError> {
        let mut days = Vec::new();
        if range.is_empty() {
            return Ok(days);
        }
        let wanted = range.days();
        let prefix = keys::tenant_day(tenant, 0);
        self.index().scan_prefix(&prefix[..9], |key, _| {
            if let Some((_, day)) = keys::parse_tenant_day(key)
                && wanted.contains(&day)
            {
                days.push(day);
            }
            Ok(())
        })?;
        Ok(days)
    }

    /// Ids of series matching the request in any day of its (retained) range.
    pub(crate) fn matching_series(
        &self,
        request: &SeriesRequest,
    ) -> Result<RoaringBitmap, EngineError> {
        let range = self.retained(request.tenant, request.range);
        let mut ids = RoaringBitmap::new();
        let index = self.index();
        for day in self.days_with_data(request.tenant, range)? {
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

    /// Samples of every matching series within the range.
    pub fn search(&self, request: &SearchRequest) -> Result<Vec<SeriesData>, EngineError> {
        let series = &request.series;
        let ids = self.matching_series(series)?;
        if ids.len() > series.limit as u64 {
            return Err(EngineError::LimitExceeded {
                what: "the number of matching series",
                limit: series.limit as u64,
                hint: "narrow the selector or raise -search.maxSeries",
            });
        }
        let range = self.retained(series.tenant, series.range);
        let days = self.days_with_data(series.tenant, range)?;
        let index = self.index();
        let mut iter = self.db.raw_iterator_cf(self.cf(keys::CF_CHUNKS));
        let mut results = Vec::new();
        let mut samples_read = 0u64;
        for (position, id) in ids.iter().enumerate() {
            if position % DEADLINE_CHECK_EVERY == 0 {
                check_deadline(series.deadline, "reading samples")?;
            }
            let Some(labels) = index.labels_of(series.tenant, id)? else {
                continue;
            };
            let samples = self.series_samples(&mut iter, series.tenant, id, range, &days)?;
            if samples.is_empty() {
                continue;
            }
            samples_read += samples.len() as u64;
            if samples_read > request.samples_limit {
                return Err(EngineError::LimitExceeded {
                    what: "the number of samples read",
                    limit: request.samples_limit,
                    hint: "narrow the selector or time range, or raise -search.maxSamplesPerQuery",
                });
            }
            results.push(SeriesData { labels, samples });
        }
        Ok(results)
    }

    /// One series' samples in `range`: its chunks of each day plus the head,
    /// sorted and deduplicated.
    fn series_samples(
        &self,
        iter: &mut DBRawIteratorWithThreadMode<'_, DB>,
        tenant: Tenant,
        series_id: u32,
        range: TimeRange,
        days: &[u32],
    ) -> Result<Vec<Sample>, EngineError> {
        let mut samples = Vec::new();
        for &day in days {
            let prefix = keys::chunk_series_prefix(tenant, day, series_id);
            iter.seek(prefix);
            while let (Some(key), Some(value)) = (iter.key(), iter.value()) {
                if !key.starts_with(&prefix) {
                    break;
                }
                decode_in_range(value, range, &mut samples)?;
                iter.next();
            }
            iter.status()
                .context(|| format!("read chunks of series {series_id}"))?;
        }
        self.head.samples_in(series_id, range, &mut samples);
        sort_and_dedup(&mut samples);
        Ok(samples)
    }

    /// Label sets of matching series (day granularity).
    pub fn series(&self, request: &SeriesRequest) -> Result<Vec<Labels>, EngineError> {
        let ids = self.matching_series(request)?;
        let index = self.index();
        let mut out = Vec::with_capacity((ids.len() as usize).min(request.limit));
        for (position, id) in ids.iter().enumerate() {
            if out.len() >= request.limit {
                break;
            }
            if position % DEADLINE_CHECK_EVERY == 0 {
                check_deadline(request.deadline, "listing series")?;
            }
            if let Some(labels) = index.labels_of(request.tenant, id)? {
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
            for day in self.days_with_data(request.tenant, range)? {
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
            for day in self.days_with_data(request.tenant, range)? {
                check_deadline(request.deadline, "listing label values")?;
                self.index()
                    .for_each_value(request.tenant, day, name, |value, bytes| {
                        if deleted.is_empty() || has_live_series(bytes, &deleted)? {
                            values.insert(value.to_string());
                        }
                        Ok(())
                    })?;
            }
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

/// Fails with [`EngineError::DeadlineExceeded`] once the deadline has passed.
pub(crate) fn check_deadline(deadline: Deadline, during: &'static str) -> Result<(), EngineError> {
    if deadline.is_expired() {
        Err(EngineError::DeadlineExceeded(during))
    } else {
        Ok(())
    }
}
