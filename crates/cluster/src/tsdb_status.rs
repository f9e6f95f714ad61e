//! Cardinality statistics of a cluster, computed from the union of the label
//! sets every node holds for the day. Summing the nodes' own statistics would
//! count each series once per copy; the union counts it once, as a single
//! node does.

use estuary_storage_api::{TsdbStatus, TsdbStatusEntry};
use estuary_types::{Labels, METRIC_NAME_LABEL};
use std::collections::{BTreeMap, BTreeSet};

/// Statistics of `series` (distinct label sets), with top lists of `top_n`.
pub fn status_of(series: &[Labels], top_n: usize, focus_label: Option<&str>) -> TsdbStatus {
    let mut by_metric: BTreeMap<&str, u64> = BTreeMap::new();
    let mut by_name: BTreeMap<&str, u64> = BTreeMap::new();
    let mut by_pair: BTreeMap<(&str, &str), u64> = BTreeMap::new();
    let mut values: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    let mut by_focus: BTreeMap<&str, u64> = BTreeMap::new();
    let mut pairs_total = 0u64;
    for labels in series {
        for label in labels {
            pairs_total += 1;
            *by_name.entry(&label.name).or_default() += 1;
            *by_pair.entry((&label.name, &label.value)).or_default() += 1;
            values.entry(&label.name).or_default().insert(&label.value);
            if label.name == METRIC_NAME_LABEL {
                *by_metric.entry(&label.value).or_default() += 1;
            }
            if focus_label == Some(label.name.as_str()) {
                *by_focus.entry(&label.value).or_default() += 1;
            }
        }
    }
    let entries = |map: BTreeMap<&str, u64>| -> Vec<TsdbStatusEntry> {
        map.into_iter()
            .map(|(name, value)| TsdbStatusEntry {
                name: name.to_string(),
                value,
            })
            .collect()
    };
    TsdbStatus {
        total_series: series.len() as u64,
        total_label_value_pairs: pairs_total,
        series_count_by_metric_name: top(entries(by_metric), top_n),
        series_count_by_label_name: top(entries(by_name), top_n),
        series_count_by_focus_label_value: top(entries(by_focus), top_n),
        series_count_by_label_value_pair: top(
            by_pair
                .into_iter()
                .map(|((name, value), count)| TsdbStatusEntry {
                    name: format!("{name}={value}"),
                    value: count,
                })
                .collect(),
            top_n,
        ),
        label_value_count_by_label_name: top(
            values
                .into_iter()
                .map(|(name, set)| TsdbStatusEntry {
                    name: name.to_string(),
                    value: set.len() as u64,
                })
                .collect(),
            top_n,
        ),
    }
}

/// The `n` largest entries, largest first, ties by name (as the storage
/// orders them).
fn top(mut entries: Vec<TsdbStatusEntry>, n: usize) -> Vec<TsdbStatusEntry> {
    entries.sort_by(|a, b| b.value.cmp(&a.value).then_with(|| a.name.cmp(&b.name)));
    entries.truncate(n);
    entries
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_each_series_once() {
        let series = vec![
            Labels::from_pairs(&[("__name__", "up"), ("job", "a")]),
            Labels::from_pairs(&[("__name__", "up"), ("job", "b")]),
            Labels::from_pairs(&[("__name__", "x"), ("job", "a")]),
        ];
        let status = status_of(&series, 10, Some("job"));
        assert_eq!(status.total_series, 3);
        assert_eq!(status.total_label_value_pairs, 6);
        let names = |list: &[TsdbStatusEntry]| -> Vec<(String, u64)> {
            list.iter().map(|e| (e.name.clone(), e.value)).collect()
        };
        assert_eq!(
            names(&status.series_count_by_metric_name),
            [("up".to_string(), 2), ("x".to_string(), 1)]
        );
        assert_eq!(
            names(&status.series_count_by_focus_label_value),
            [("a".to_string(), 2), ("b".to_string(), 1)]
        );
        assert_eq!(
            names(&status.label_value_count_by_label_name),
            [("__name__".to_string(), 2), ("job".to_string(), 2)]
        );
        assert_eq!(
            status.series_count_by_label_value_pair[0].name,
            "__name__=up"
        );
        assert_eq!(
            status_of(&series, 1, None).series_count_by_label_name.len(),
            1
        );
    }
}
