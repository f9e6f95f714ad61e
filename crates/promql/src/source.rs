//! Where the evaluator reads series from: the [`SeriesSource`] trait and the
//! in-memory [`MemorySource`] the select node fills from storage.

use crate::error::EvalError;
use crate::value::Series;
use estuary_types::{LabelMatcher, Labels, Sample, TimeRange};

/// What [`SeriesSource::for_each_series`] calls for every series: its labels
/// and samples.
pub type SeriesVisitor<'a> = dyn FnMut(&Labels, &[Sample]) -> Result<(), EvalError> + 'a;

/// A synchronous provider of series for the evaluator.
pub trait SeriesSource {
    /// Every series matching all `matchers` that has samples within `range`
    /// (inclusive), with only those samples, staleness markers included.
    /// Series come back sorted by labels.
    fn select(&self, matchers: &[LabelMatcher], range: TimeRange)
    -> Result<Vec<Series>, EvalError>;

    /// Calls `visit` with every series [`SeriesSource::select`] would return,
    /// in the same order. Sources that hold their data can lend it instead of
    /// copying (the evaluator reads series through this method).
    fn for_each_series(
        &self,
        matchers: &[LabelMatcher],
        range: TimeRange,
        visit: &mut SeriesVisitor<'_>,
    ) -> Result<(), EvalError> {
        let mut series = self.select(matchers, range)?;
        if !series.windows(2).all(|w| w[0].labels <= w[1].labels) {
            series.sort_by(|a, b| a.labels.cmp(&b.labels));
        }
        for s in &series {
            visit(&s.labels, &s.samples)?;
        }
        Ok(())
    }

    /// The series [`SeriesSource::for_each_series`] would visit, in the same
    /// order, lent for as long as the source lives: for evaluating many
    /// series on several threads. `None` (the default) when the source does
    /// not hold its series; the evaluator then visits them one by one.
    fn lend(&self, _matchers: &[LabelMatcher], _range: TimeRange) -> Option<Vec<LentSeries<'_>>> {
        None
    }
}

/// A series lent by [`SeriesSource::lend`]: its labels and its samples within
/// the range asked for.
pub type LentSeries<'a> = (&'a Labels, &'a [Sample]);

/// Series held in memory, sorted by labels.
#[derive(Debug, Default, Clone)]
pub struct MemorySource {
    series: Vec<Series>,
}

impl MemorySource {
    /// An empty source.
    pub fn new() -> Self {
        MemorySource { series: Vec::new() }
    }

    /// Builds a source from series in any order (the way to load many series:
    /// one sort instead of one insertion each). Series with equal labels are
    /// merged, and samples are sorted with the last sample kept per timestamp.
    pub fn from_series(mut series: Vec<Series>) -> Self {
        // Stable: among equal labels, later series stay later and win ties.
        series.sort_by(|a, b| a.labels.cmp(&b.labels));
        let mut merged: Vec<Series> = Vec::with_capacity(series.len());
        for mut s in series {
            match merged.last_mut() {
                Some(last) if last.labels == s.labels => last.samples.append(&mut s.samples),
                _ => merged.push(s),
            }
        }
        for s in &mut merged {
            sort_keep_last(&mut s.samples);
        }
        MemorySource { series: merged }
    }

    /// [`MemorySource::from_series`] for series whose samples are each sorted
    /// with one sample per timestamp already, as storage answers: only series
    /// merged from several parts are sorted again, which spares a pass over
    /// every sample.
    pub fn from_sorted_series(mut series: Vec<Series>) -> Self {
        series.sort_by(|a, b| a.labels.cmp(&b.labels));
        let mut merged: Vec<Series> = Vec::with_capacity(series.len());
        let mut needs_sort: Vec<bool> = Vec::with_capacity(series.len());
        for mut s in series {
            debug_assert!(
                s.samples
                    .windows(2)
                    .all(|w| w[0].timestamp < w[1].timestamp),
                "BUG: from_sorted_series got unsorted samples"
            );
            match merged.last_mut() {
                Some(last) if last.labels == s.labels => {
                    last.samples.append(&mut s.samples);
                    if let Some(flag) = needs_sort.last_mut() {
                        *flag = true;
                    }
                }
                _ => {
                    merged.push(s);
                    needs_sort.push(false);
                }
            }
        }
        for (s, needs_sort) in merged.iter_mut().zip(needs_sort) {
            if needs_sort {
                sort_keep_last(&mut s.samples);
            }
        }
        MemorySource { series: merged }
    }

    /// Adds samples to the series with `labels`, creating it if needed.
    /// A later sample with an already present timestamp replaces it. Cheap
    /// when series arrive in label order; otherwise prefer
    /// [`MemorySource::from_series`].
    pub fn add(&mut self, labels: Labels, samples: Vec<Sample>) {
        let appends = self.series.last().is_none_or(|last| last.labels < labels);
        if appends {
            let mut samples = samples;
            sort_keep_last(&mut samples);
            self.series.push(Series { labels, samples });
            return;
        }
        match self.series.binary_search_by(|s| s.labels.cmp(&labels)) {
            Ok(index) => {
                let existing = &mut self.series[index].samples;
                existing.extend(samples);
                sort_keep_last(existing);
            }
            Err(index) => {
                let mut samples = samples;
                sort_keep_last(&mut samples);
                self.series.insert(index, Series { labels, samples });
            }
        }
    }

    /// Removes every series.
    pub fn clear(&mut self) {
        self.series.clear();
    }

    /// How many series the source holds.
    pub fn len(&self) -> usize {
        self.series.len()
    }

    /// Whether the source holds no series.
    pub fn is_empty(&self) -> bool {
        self.series.is_empty()
    }
}

impl SeriesSource for MemorySource {
    fn select(
        &self,
        matchers: &[LabelMatcher],
        range: TimeRange,
    ) -> Result<Vec<Series>, EvalError> {
        let mut out = Vec::new();
        self.for_each_series(matchers, range, &mut |labels, samples| {
            out.push(Series {
                labels: labels.clone(),
                samples: samples.to_vec(),
            });
            Ok(())
        })?;
        Ok(out)
    }

    fn lend(&self, matchers: &[LabelMatcher], range: TimeRange) -> Option<Vec<LentSeries<'_>>> {
        let mut out = Vec::new();
        for series in &self.series {
            let matched = matchers
                .iter()
                .all(|m| m.matches(series.labels.get(&m.name).unwrap_or("")));
            if !matched {
                continue;
            }
            let samples = samples_in_range(&series.samples, range);
            if !samples.is_empty() {
                out.push((&series.labels, samples));
            }
        }
        Some(out)
    }

    fn for_each_series(
        &self,
        matchers: &[LabelMatcher],
        range: TimeRange,
        visit: &mut SeriesVisitor<'_>,
    ) -> Result<(), EvalError> {
        for series in &self.series {
            let matched = matchers
                .iter()
                .all(|m| m.matches(series.labels.get(&m.name).unwrap_or("")));
            if !matched {
                continue;
            }
            let samples = samples_in_range(&series.samples, range);
            if !samples.is_empty() {
                visit(&series.labels, samples)?;
            }
        }
        Ok(())
    }
}

/// The samples of a sorted slice that lie within `range`.
pub(crate) fn samples_in_range(samples: &[Sample], range: TimeRange) -> &[Sample] {
    if range.is_empty() {
        return &[];
    }
    // Usually storage fetched exactly the range: two looks instead of two
    // binary searches over samples not yet in this core's cache.
    if let (Some(first), Some(last)) = (samples.first(), samples.last())
        && range.start <= first.timestamp
        && last.timestamp <= range.end
    {
        return samples;
    }
    let first = samples.partition_point(|s| s.timestamp < range.start);
    let end = samples.partition_point(|s| s.timestamp <= range.end);
    if first >= end {
        return &[];
    }
    &samples[first..end]
}

/// Sorts by timestamp (stable) and keeps the last sample of each timestamp.
fn sort_keep_last(samples: &mut Vec<Sample>) {
    let sorted_unique = samples.windows(2).all(|w| w[0].timestamp < w[1].timestamp);
    if sorted_unique {
        return;
    }
    samples.sort_by_key(|s| s.timestamp);
    let mut out: Vec<Sample> = Vec::with_capacity(samples.len());
    for s in samples.drain(..) {
        match out.last_mut() {
            Some(last) if last.timestamp == s.timestamp => *last = s,
            _ => out.push(s),
        }
    }
    *samples = out;
}

#[cfg(test)]
mod tests {
    use super::*;
    use estuary_types::MatchOp;

    fn labels(name: &str, job: &str) -> Labels {
        Labels::from_pairs(&[("__name__", name), ("job", job)])
    }

    #[test]
    fn select_filters_by_matchers_and_range() {
        let mut source = MemorySource::new();
        source.add(
            labels("up", "b"),
            vec![Sample::new(10, 1.0), Sample::new(20, 2.0)],
        );
        source.add(labels("up", "a"), vec![Sample::new(30, 3.0)]);
        source.add(labels("down", "a"), vec![Sample::new(10, 0.0)]);
        let name = LabelMatcher::equal("__name__", "up");
        let all = source
            .select(std::slice::from_ref(&name), TimeRange::new(0, 100))
            .expect("select");
        assert_eq!(all.len(), 2);
        assert_eq!(all[0].labels.get("job"), Some("a"), "sorted by labels");
        let early = source
            .select(&[name], TimeRange::new(15, 25))
            .expect("select");
        assert_eq!(early.len(), 1);
        assert_eq!(early[0].samples, vec![Sample::new(20, 2.0)]);
    }

    #[test]
    fn from_series_merges_equal_labels_and_keeps_the_last_sample() {
        let source = MemorySource::from_series(vec![
            Series {
                labels: labels("up", "b"),
                samples: vec![Sample::new(20, 1.0), Sample::new(10, 1.0)],
            },
            Series {
                labels: labels("up", "a"),
                samples: vec![Sample::new(10, 5.0)],
            },
            Series {
                labels: labels("up", "b"),
                samples: vec![Sample::new(20, 2.0)],
            },
        ]);
        assert_eq!(source.len(), 2);
        let all = source.select(&[], TimeRange::ALL).expect("select");
        assert_eq!(all[0].labels.get("job"), Some("a"));
        assert_eq!(
            all[1].samples,
            vec![Sample::new(10, 1.0), Sample::new(20, 2.0)]
        );
    }

    #[test]
    fn from_sorted_series_merges_parts_and_keeps_the_last_sample() {
        let source = MemorySource::from_sorted_series(vec![
            Series {
                labels: labels("up", "b"),
                samples: vec![Sample::new(20, 1.0), Sample::new(30, 1.0)],
            },
            Series {
                labels: labels("up", "a"),
                samples: vec![Sample::new(10, 5.0)],
            },
            Series {
                labels: labels("up", "b"),
                samples: vec![Sample::new(10, 2.0), Sample::new(20, 2.0)],
            },
        ]);
        assert_eq!(source.len(), 2);
        let all = source.select(&[], TimeRange::ALL).expect("select");
        assert_eq!(all[0].labels.get("job"), Some("a"));
        assert_eq!(
            all[1].samples,
            vec![
                Sample::new(10, 2.0),
                Sample::new(20, 2.0),
                Sample::new(30, 1.0)
            ]
        );
    }

    #[test]
    fn absent_labels_match_as_empty() {
        let mut source = MemorySource::new();
        source.add(labels("up", "a"), vec![Sample::new(1, 1.0)]);
        let m = LabelMatcher::new(MatchOp::NotEqual, "foo", "bar").expect("matcher");
        let got = source.select(&[m], TimeRange::ALL).expect("select");
        assert_eq!(got.len(), 1);
    }
}
