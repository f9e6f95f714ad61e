//! Merging what several nodes sent: series by label set with their samples
//! merged by timestamp (replicas agree, so this removes the copies), lists by
//! union, and optional deduplication to one sample per scrape interval.

use estuary_storage_api::SeriesData;
use estuary_types::{Labels, Sample};

/// Merges the series of several answers: one entry per label set, samples
/// sorted with one per timestamp (ties resolved as the storage resolves
/// them), sorted by labels. With `dedup_interval_ms > 0` each series keeps one
/// sample per interval.
pub fn merge_series(answers: Vec<Vec<SeriesData>>, dedup_interval_ms: i64) -> Vec<SeriesData> {
    let mut all: Vec<SeriesData> = answers.into_iter().flatten().collect();
    all.sort_by(|a, b| a.labels.cmp(&b.labels));
    let mut out: Vec<SeriesData> = Vec::with_capacity(all.len());
    for series in all {
        match out.last_mut() {
            Some(last) if last.labels == series.labels => {
                let merged = merge_samples(std::mem::take(&mut last.samples), series.samples);
                last.samples = merged;
            }
            _ => out.push(series),
        }
    }
    if dedup_interval_ms > 0 {
        for series in &mut out {
            dedup_by_interval(&mut series.samples, dedup_interval_ms);
        }
    }
    out
}

/// Merges two sorted sample lists with one sample per timestamp each into one
/// such list; on equal timestamps the storage's tie rule picks the sample.
pub fn merge_samples(a: Vec<Sample>, b: Vec<Sample>) -> Vec<Sample> {
    if a.is_empty() {
        return b;
    }
    if b.is_empty() {
        return a;
    }
    let mut out = Vec::with_capacity(a.len().max(b.len()));
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        let (x, y) = (a[i], b[j]);
        if x.timestamp < y.timestamp {
            out.push(x);
            i += 1;
        } else if y.timestamp < x.timestamp {
            out.push(y);
            j += 1;
        } else {
            out.push(if y.wins_tie_over(&x) { y } else { x });
            i += 1;
            j += 1;
        }
    }
    out.extend_from_slice(&a[i..]);
    out.extend_from_slice(&b[j..]);
    out
}

/// Keeps the last sample of every interval `((k-1)·d, k·d]`, as
/// VictoriaMetrics's `-dedup.minScrapeInterval` does. `samples` is sorted.
pub fn dedup_by_interval(samples: &mut Vec<Sample>, interval_ms: i64) {
    let window = |t: i64| t.div_euclid(interval_ms) + i64::from(t.rem_euclid(interval_ms) != 0);
    let mut kept = 0;
    for i in 0..samples.len() {
        let last_of_window = samples
            .get(i + 1)
            .is_none_or(|next| window(next.timestamp) != window(samples[i].timestamp));
        if last_of_window {
            samples[kept] = samples[i];
            kept += 1;
        }
    }
    samples.truncate(kept);
}

/// The sorted union of label sets.
pub fn union_labels(answers: Vec<Vec<Labels>>) -> Vec<Labels> {
    let mut all: Vec<Labels> = answers.into_iter().flatten().collect();
    all.sort();
    all.dedup();
    all
}

/// The sorted union of strings, cut to `limit`.
pub fn union_strings(answers: Vec<Vec<String>>, limit: usize) -> Vec<String> {
    let mut all: Vec<String> = answers.into_iter().flatten().collect();
    all.sort_unstable();
    all.dedup();
    all.truncate(limit);
    all
}

#[cfg(test)]
mod tests {
    use super::*;
    use estuary_types::stale_nan;

    fn samples(points: &[(i64, f64)]) -> Vec<Sample> {
        points.iter().map(|&(t, v)| Sample::new(t, v)).collect()
    }

    fn series(job: &str, points: &[(i64, f64)]) -> SeriesData {
        SeriesData {
            labels: Labels::from_pairs(&[("__name__", "up"), ("job", job)]),
            samples: samples(points),
        }
    }

    #[test]
    fn replicas_merge_into_one_series() {
        let a = vec![series("x", &[(1, 1.0), (2, 2.0)]), series("y", &[(1, 5.0)])];
        let b = vec![series("x", &[(2, 2.0), (3, 3.0)])];
        let merged = merge_series(vec![a, b], 0);
        assert_eq!(merged.len(), 2);
        assert_eq!(merged[0].samples, samples(&[(1, 1.0), (2, 2.0), (3, 3.0)]));
        assert_eq!(merged[1].samples, samples(&[(1, 5.0)]));
    }

    #[test]
    fn ties_follow_the_storage_rule_in_either_order() {
        let real = samples(&[(5, 1.0)]);
        let stale = vec![Sample::new(5, stale_nan())];
        assert_eq!(merge_samples(real.clone(), stale.clone()), real);
        assert_eq!(merge_samples(stale, real.clone()), real);
        let larger = samples(&[(5, 2.0)]);
        assert_eq!(merge_samples(real.clone(), larger.clone()), larger);
        assert_eq!(merge_samples(larger.clone(), real), larger);
    }

    #[test]
    fn dedup_keeps_the_last_sample_per_interval() {
        let mut s = samples(&[
            (0, 0.0),
            (1, 1.0),
            (10, 10.0),
            (11, 11.0),
            (19, 19.0),
            (20, 20.0),
            (35, 35.0),
        ]);
        dedup_by_interval(&mut s, 10);
        assert_eq!(s, samples(&[(0, 0.0), (10, 10.0), (20, 20.0), (35, 35.0)]));
        let mut negative = samples(&[(-15, 1.0), (-11, 2.0), (-10, 3.0)]);
        dedup_by_interval(&mut negative, 10);
        assert_eq!(negative, samples(&[(-10, 3.0)]));
    }

    #[test]
    fn unions_sort_and_deduplicate() {
        assert_eq!(
            union_strings(
                vec![vec!["b".into(), "a".into()], vec!["a".into(), "c".into()]],
                2
            ),
            ["a", "b"]
        );
        let l = |v: &str| Labels::from_pairs(&[("__name__", v)]);
        assert_eq!(
            union_labels(vec![vec![l("b"), l("a")], vec![l("a")]]),
            vec![l("a"), l("b")]
        );
    }
}
