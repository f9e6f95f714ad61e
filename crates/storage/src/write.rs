//! The write path: resolve series ids (creating series as needed), append one
//! WAL record and sync it, then apply the samples to the head and add the
//! series to each day's postings.

use crate::engine::{Engine, now_ms};
use crate::error::{EngineError, IoContext, RocksContext};
use crate::keys;
use crate::postings;
use crate::registry::{
    DEFINITION_DURABLE, DEFINITION_PENDING, SeriesEntry, SeriesKeyRef, registry_key,
};
use crate::wal::record::RecordBuilder;
use estuary_storage_api::{SeriesSamples, WriteOutcome};
use estuary_types::{EncodedLabels, Sample, Tenant, day_of};
use roaring::RoaringBitmap;
use rocksdb::WriteBatch;
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::Ordering;

/// Additions to postings gathered over one write and written as one merge per key.
#[derive(Default)]
pub(crate) struct PostingsBatch {
    additions: HashMap<Vec<u8>, RoaringBitmap>,
    tenant_days: Vec<(Tenant, u32)>,
    indexed: Vec<(Arc<SeriesEntry>, u32)>,
}

impl PostingsBatch {
    /// Adds the series to the postings of every day its samples fall in, skipping
    /// days the entry already knows to be indexed.
    pub(crate) fn add_series<'l>(
        &mut self,
        tenant: Tenant,
        series_id: u32,
        labels: impl Iterator<Item = (&'l str, &'l str)> + Clone,
        samples: &[Sample],
        entry: Option<&Arc<SeriesEntry>>,
    ) {
        let Some(first) = samples.first() else { return };
        let first_day = day_of(first.timestamp);
        let single_day = samples.iter().all(|s| day_of(s.timestamp) == first_day);
        if single_day && entry.is_some_and(|e| e.is_indexed_for(first_day)) {
            // The common case: a known series' samples of today, already indexed.
            return;
        }
        let days: Vec<u32> = if single_day {
            vec![first_day]
        } else {
            let mut days: Vec<u32> = samples.iter().map(|s| day_of(s.timestamp)).collect();
            days.sort_unstable();
            days.dedup();
            days
        };
        for day in days {
            if entry.is_some_and(|e| e.is_indexed_for(day)) {
                continue;
            }
            self.additions
                .entry(keys::postings_all(tenant, day))
                .or_default()
                .insert(series_id);
            for (name, value) in labels.clone() {
                self.additions
                    .entry(keys::postings(tenant, day, name, value))
                    .or_default()
                    .insert(series_id);
            }
            self.tenant_days.push((tenant, day));
            if let Some(entry) = entry {
                self.indexed.push((entry.clone(), day));
            }
        }
    }

    /// Writes the additions (unsynced: the WAL holds the samples that imply them,
    /// and replay re-adds them) and marks the entries indexed.
    pub(crate) fn write(mut self, engine: &Engine) -> Result<(), EngineError> {
        if self.additions.is_empty() {
            return Ok(());
        }
        let index_cf = engine.cf(keys::CF_INDEX);
        let mut batch = WriteBatch::default();
        for (key, bitmap) in &self.additions {
            batch.merge_cf(index_cf, key, postings::encode(bitmap));
        }
        // One pair per new series: the same day many times over.
        self.tenant_days.sort_unstable();
        self.tenant_days.dedup();
        for (tenant, day) in &self.tenant_days {
            batch.put_cf(index_cf, keys::tenant_day(*tenant, *day), []);
        }
        engine
            .db
            .write(batch)
            .context(|| "add series to postings".into())?;
        engine.tenant_days.insert(self.tenant_days);
        for (entry, day) in self.indexed {
            entry.mark_indexed(day);
        }
        Ok(())
    }
}

struct ResolvedSeries {
    series_id: u32,
    /// `None` when the registry found nothing left to do for the series.
    entry: Option<Arc<SeriesEntry>>,
    tenant: Tenant,
    labels: EncodedLabels,
    samples: Vec<Sample>,
}

impl Engine {
    /// Stores a batch durably: when this returns Ok, every stored sample survives
    /// a crash.
    pub fn write(&self, batch: Vec<SeriesSamples>) -> Result<WriteOutcome, EngineError> {
        let now = now_ms();
        let mut outcome = WriteOutcome::default();
        let mut definitions = WriteBatch::default();
        let mut created_keys: Vec<Box<[u8]>> = Vec::new();
        let mut resolved: Vec<ResolvedSeries> = Vec::with_capacity(batch.len());
        let mut record = RecordBuilder::default();

        let mut kept = batch;
        kept.retain_mut(|series| {
            let cutoff = self.config.retention.cutoff_ms(series.tenant, now);
            let before = series.samples.len();
            series.samples.retain(|s| s.timestamp >= cutoff);
            outcome.samples_too_old += (before - series.samples.len()) as u64;
            !series.samples.is_empty()
        });
        let keys: Vec<SeriesKeyRef<'_>> = kept
            .iter()
            .map(|series| SeriesKeyRef {
                tenant: series.tenant,
                labels_encoded: series.labels.as_bytes(),
                day: single_day(&series.samples),
            })
            .collect();
        let lookups = self.registry.get_or_insert_batch(&keys, |index| {
            let series = &kept[index];
            let encoded = series.labels.as_bytes();
            check_label_names(&series.labels)?;
            if let Some(id) = self.index().series_id_of(series.tenant, encoded)? {
                return Ok::<_, EngineError>(SeriesEntry::new(id, DEFINITION_DURABLE));
            }
            let id = self.allocate_series_id()?;
            let index_cf = self.cf(keys::CF_INDEX);
            definitions.put_cf(
                index_cf,
                keys::series_by_labels(series.tenant, encoded),
                id.to_be_bytes(),
            );
            definitions.put_cf(index_cf, keys::labels_by_series(series.tenant, id), encoded);
            Ok(SeriesEntry::new(id, DEFINITION_PENDING))
        })?;
        drop(keys);

        for (series, lookup) in kept.into_iter().zip(lookups) {
            let encoded = series.labels.as_bytes();
            let series_id = lookup.series_id;
            let pending = lookup
                .entry
                .as_ref()
                .is_some_and(|e| e.def_position.load(Ordering::Acquire) == DEFINITION_PENDING);
            if lookup.created && pending {
                created_keys.push(registry_key(series.tenant, encoded));
                outcome.series_created += 1;
            }
            if pending {
                record.add_definition(series_id, series.tenant, encoded);
            }
            record.add_samples(series_id, series.tenant, &series.samples);
            resolved.push(ResolvedSeries {
                series_id,
                entry: lookup.entry,
                tenant: series.tenant,
                labels: series.labels,
                samples: series.samples,
            });
        }
        if record.is_empty() {
            self.stats
                .samples_too_old
                .fetch_add(outcome.samples_too_old, Ordering::Relaxed);
            return Ok(outcome);
        }
        if !definitions.is_empty()
            && let Err(error) = self
                .db
                .write(definitions)
                .context(|| "store new series".into())
        {
            self.registry.remove(&created_keys);
            return Err(error);
        }

        let _gate = self.apply_gate.read();
        let position = self
            .wal
            .append(&record.finish())
            .io_context(|| "append to the WAL".into())?;
        for entry in resolved.iter().filter_map(|s| s.entry.as_ref()) {
            // Whoever created a pending series published its definition now.
            let _ = entry.def_position.compare_exchange(
                DEFINITION_PENDING,
                position,
                Ordering::AcqRel,
                Ordering::Acquire,
            );
        }
        self.wal
            .sync_upto(position)
            .io_context(|| "sync the WAL".into())?;

        let mut postings = PostingsBatch::default();
        for series in &resolved {
            if let Some(entry) = &series.entry {
                postings.add_series(
                    series.tenant,
                    series.series_id,
                    series.labels.pairs(),
                    &series.samples,
                    Some(entry),
                );
            }
            outcome.samples_stored += series.samples.len() as u64;
        }
        let head_batch: Vec<(u32, Tenant, &[Sample])> = resolved
            .iter()
            .map(|series| (series.series_id, series.tenant, series.samples.as_slice()))
            .collect();
        self.head.append_batch(&head_batch);
        postings.write(self)?;
        self.stats
            .samples_added
            .fetch_add(outcome.samples_stored, Ordering::Relaxed);
        self.stats
            .samples_too_old
            .fetch_add(outcome.samples_too_old, Ordering::Relaxed);
        self.stats
            .series_created
            .fetch_add(outcome.series_created, Ordering::Relaxed);
        Ok(outcome)
    }
}

/// The day all of `samples` fall on, if they fall on one.
fn single_day(samples: &[Sample]) -> Option<u32> {
    let day = day_of(samples.first()?.timestamp);
    samples
        .iter()
        .all(|s| day_of(s.timestamp) == day)
        .then_some(day)
}

/// Label names become part of posting keys, split at a NUL byte; the insert
/// layer validates names, this guards the key format against any other caller.
/// Checked when a series is created: a known series passed it then.
fn check_label_names(labels: &EncodedLabels) -> Result<(), EngineError> {
    match labels
        .raw_pairs()
        .find(|(name, _)| name.is_empty() || name.contains(&keys::NAME_VALUE_SEPARATOR))
    {
        Some((name, _)) => Err(EngineError::InvalidArgument(format!(
            "invalid label name {:?} in {labels}",
            String::from_utf8_lossy(name)
        ))),
        None => Ok(()),
    }
}
