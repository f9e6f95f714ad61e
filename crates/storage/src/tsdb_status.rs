//! Cardinality statistics of one day, computed from posting cardinalities.

use crate::engine::Engine;
use crate::error::EngineError;
use crate::keys;
use crate::postings;
use crate::read::check_deadline;
use estuary_storage_api::{TsdbStatus, TsdbStatusEntry, TsdbStatusRequest};
use estuary_types::{METRIC_NAME_LABEL, day_of};
use roaring::RoaringBitmap;
use std::collections::HashMap;

impl Engine {
    /// Statistics of the day `request.series.range.start` falls in.
    pub fn tsdb_status(&self, request: &TsdbStatusRequest) -> Result<TsdbStatus, EngineError> {
        let series = &request.series;
        let day = day_of(series.range.start);
        let index = self.index();
        let deleted = index.deleted(series.tenant)?;
        let filter: Option<RoaringBitmap> = if series.filters.is_empty() {
            None
        } else {
            let mut ids = RoaringBitmap::new();
            for group in &series.filters {
                ids |= index.select(series.tenant, day, group)?;
            }
            Some(ids)
        };
        let count = |bitmap: RoaringBitmap| -> u64 {
            let live = bitmap - &deleted;
            match &filter {
                Some(filter) => live.intersection_len(filter),
                None => live.len(),
            }
        };

        let mut status = TsdbStatus::default();
        let mut by_name: HashMap<String, u64> = HashMap::new();
        let mut values_by_name: HashMap<String, u64> = HashMap::new();
        let mut metric_names = Vec::new();
        let mut pairs = Vec::new();
        let mut focus = Vec::new();
        let prefix = keys::postings_day_prefix(series.tenant, day);
        let mut visited = 0usize;
        index.scan_prefix(&prefix, |key, value| {
            visited += 1;
            if visited.is_multiple_of(1024) {
                check_deadline(series.deadline, "computing TSDB status")?;
            }
            let Some((name, label_value)) = keys::split_posting_suffix(&key[prefix.len()..]) else {
                return Err(EngineError::Corrupt {
                    what: "posting key",
                    detail: format!("{key:?}"),
                });
            };
            let bitmap = postings::decode(value).map_err(|e| EngineError::Corrupt {
                what: "postings",
                detail: e.to_string(),
            })?;
            let cardinality = count(bitmap);
            if cardinality == 0 {
                return Ok(());
            }
            if name.is_empty() {
                status.total_series = cardinality;
                return Ok(());
            }
            status.total_label_value_pairs += cardinality;
            *by_name.entry(name.to_string()).or_default() += cardinality;
            *values_by_name.entry(name.to_string()).or_default() += 1;
            if name == METRIC_NAME_LABEL {
                metric_names.push(entry(label_value, cardinality));
            }
            if request.focus_label.as_deref() == Some(name) {
                focus.push(entry(label_value, cardinality));
            }
            pairs.push(entry(&format!("{name}={label_value}"), cardinality));
            Ok(())
        })?;
        let top_n = request.top_n;
        status.series_count_by_metric_name = top(metric_names, top_n);
        status.series_count_by_label_name = top(
            by_name.into_iter().map(|(n, v)| entry(&n, v)).collect(),
            top_n,
        );
        status.series_count_by_focus_label_value = top(focus, top_n);
        status.series_count_by_label_value_pair = top(pairs, top_n);
        status.label_value_count_by_label_name = top(
            values_by_name
                .into_iter()
                .map(|(n, v)| entry(&n, v))
                .collect(),
            top_n,
        );
        Ok(status)
    }
}

fn entry(name: &str, value: u64) -> TsdbStatusEntry {
    TsdbStatusEntry {
        name: name.to_string(),
        value,
    }
}

/// The `n` largest entries, largest first, ties by name.
fn top(mut entries: Vec<TsdbStatusEntry>, n: usize) -> Vec<TsdbStatusEntry> {
    entries.sort_by(|a, b| b.value.cmp(&a.value).then_with(|| a.name.cmp(&b.name)));
    entries.truncate(n);
    entries
}
