//! Numbered samples: data whose every sample is known from its number, so a
//! test can tell exactly what must be stored after any failure.
//!
//! Sample `n` belongs to series `n % series` and is that series's
//! `n / series`-th sample, one second after the previous one, half a second
//! off the whole second (so no query step lands exactly on a sample). Its
//! value is `n / 2 + 0.25`, exact in binary, so sums are exact in any order.

use super::api::{LabelSet, SeriesMap, labels, same_value};
use super::remote_write::{TimeSeries, series};
use std::collections::BTreeMap;
use std::ops::Range;

/// Spacing of one series's samples.
pub const STEP_MS: i64 = 1_000;
/// Differences quoted in one message.
const SHOWN_MAX: usize = 12;

/// The numbering: metric name, number of series and the first timestamp.
#[derive(Clone, Debug)]
pub struct Ledger {
    /// `__name__` of every series.
    pub metric: String,
    /// How many series the samples are spread over.
    pub series: u64,
    /// Timestamp of sample 0 (ms), `500` past a whole second.
    pub base_ms: i64,
}

impl Ledger {
    /// A numbering that starts `start_ago_ms` before now, on a half second.
    pub fn new(metric: &str, series: u64, start_ago_ms: i64) -> Ledger {
        let start = super::now_ms() - start_ago_ms;
        Ledger {
            metric: metric.to_string(),
            series,
            base_ms: start - start.rem_euclid(1_000) + 500,
        }
    }

    /// Sample `n`: its series index, timestamp (ms) and value.
    pub fn sample(&self, n: u64) -> (u64, i64, f64) {
        let index = i64::try_from(n / self.series).expect("sample index fits in i64");
        (
            n % self.series,
            self.base_ms + index * STEP_MS,
            n as f64 * 0.5 + 0.25,
        )
    }

    /// The labels of series `index` (with `__name__`).
    pub fn labels(&self, index: u64) -> LabelSet {
        labels(&[
            ("__name__", &self.metric),
            ("series", &format!("s{index:03}")),
            (
                "parity",
                if index.is_multiple_of(2) {
                    "even"
                } else {
                    "odd"
                },
            ),
        ])
    }

    /// The remote-write series of samples `numbers`.
    pub fn batch(&self, numbers: Range<u64>) -> Vec<TimeSeries> {
        let mut by_series: BTreeMap<u64, Vec<(i64, f64)>> = BTreeMap::new();
        for n in numbers {
            let (index, ts, value) = self.sample(n);
            by_series.entry(index).or_default().push((ts, value));
        }
        by_series
            .iter()
            .map(|(index, samples)| {
                let labels = self.labels(*index);
                let pairs: Vec<(&str, &str)> = labels
                    .iter()
                    .map(|(n, v)| (n.as_str(), v.as_str()))
                    .collect();
                series(&pairs, samples)
            })
            .collect()
    }

    /// What an export of samples `numbers` must hold, in timestamp order.
    pub fn expected(&self, numbers: impl IntoIterator<Item = u64>) -> SeriesMap {
        let mut out = SeriesMap::new();
        for n in numbers {
            let (index, ts, value) = self.sample(n);
            out.entry(self.labels(index)).or_default().push((ts, value));
        }
        for samples in out.values_mut() {
            samples.sort_by_key(|(ts, _)| *ts);
        }
        out
    }

    /// The number of the sample at `ts` in the series with `labels`, when
    /// such a sample exists in the numbering.
    pub fn number_of(&self, labels: &LabelSet, ts: i64) -> Option<u64> {
        let index = (0..self.series).find(|i| &self.labels(*i) == labels)?;
        let offset = ts - self.base_ms;
        if offset < 0 || offset % STEP_MS != 0 {
            return None;
        }
        let step = u64::try_from(offset / STEP_MS).ok()?;
        Some(step * self.series + index)
    }

    /// What is wrong with `exported` given that samples `0..sent` were sent
    /// and those in `acknowledged` were acknowledged: samples that were never
    /// sent or came back altered or twice, and acknowledged samples missing.
    pub fn problems(
        &self,
        exported: &SeriesMap,
        acknowledged: &[Range<u64>],
        sent: u64,
    ) -> Vec<String> {
        let mut problems = Vec::new();
        let mut present = std::collections::BTreeSet::new();
        for (labels, samples) in exported {
            let mut previous = i64::MIN;
            for &(ts, value) in samples {
                if ts <= previous {
                    problems.push(format!(
                        "{labels:?}: timestamp {ts} not after {previous} (duplicate or disorder)"
                    ));
                }
                previous = ts;
                match self.number_of(labels, ts) {
                    None => problems.push(format!("{labels:?} at {ts}: never sent")),
                    Some(n) if n >= sent => problems.push(format!(
                        "{labels:?} at {ts}: sample {n} was never sent (only {sent} were)"
                    )),
                    Some(n) => {
                        let (_, _, want) = self.sample(n);
                        if !same_value(value, want) {
                            problems
                                .push(format!("{labels:?} at {ts}: value {value}, sent {want}"));
                        }
                        present.insert(n);
                    }
                }
            }
        }
        let mut missing = 0u64;
        let mut examples = Vec::new();
        for range in acknowledged {
            for n in range.clone() {
                if !present.contains(&n) {
                    missing += 1;
                    if examples.len() < SHOWN_MAX {
                        examples.push(n);
                    }
                }
            }
        }
        let wrong = problems.len();
        problems.truncate(SHOWN_MAX);
        if wrong > SHOWN_MAX {
            problems.push(format!("... {wrong} wrong samples in all"));
        }
        if missing > 0 {
            let total: u64 = acknowledged.iter().map(|r| r.end - r.start).sum();
            problems.insert(
                0,
                format!(
                    "{missing} of {total} acknowledged samples are missing, e.g. numbers {examples:?}"
                ),
            );
        }
        problems
    }
}

/// A function of one series's samples, such as their count.
type Reduce = dyn Fn(&[(i64, f64)]) -> f64;

/// When a query is evaluated.
#[derive(Clone, Debug)]
pub enum At {
    /// `/api/v1/query` at this time (ms).
    Instant(i64),
    /// `/api/v1/query_range` from, to (ms, inclusive), every step (s).
    Range(i64, i64, u32),
}

/// A PromQL query and the answer it must give.
#[derive(Clone, Debug)]
pub struct Expectation {
    /// The query.
    pub promql: String,
    /// When it is evaluated.
    pub at: At,
    /// The answer, as series.
    pub expected: SeriesMap,
}

impl Ledger {
    /// Queries whose answers follow from "samples `0..sent` are stored",
    /// when `sent` is a multiple of the number of series (every series then
    /// has the same number of samples and the same last timestamp).
    pub fn expectations(&self, sent: u64) -> Vec<Expectation> {
        assert!(
            sent >= self.series && sent.is_multiple_of(self.series),
            "{sent} samples do not cover every series equally"
        );
        let per_series = sent / self.series;
        let last_ts = self.sample(sent - 1).1;
        let at = last_ts + 1_000;
        let selector = format!(r#"{{__name__="{}"}}"#, self.metric);
        let data = self.expected(0..sent);
        let without_name = |labels: &LabelSet| {
            let mut labels = labels.clone();
            labels.remove("__name__");
            labels
        };
        let per = |f: &Reduce, keep_name: bool| -> SeriesMap {
            data.iter()
                .map(|(labels, samples)| {
                    let labels = if keep_name {
                        labels.clone()
                    } else {
                        without_name(labels)
                    };
                    (labels, vec![(at, f(samples))])
                })
                .collect()
        };
        let last = |s: &[(i64, f64)]| s.last().map_or(f64::NAN, |p| p.1);
        let mut by_parity = SeriesMap::new();
        for (set, samples) in &data {
            let key = labels(&[("parity", &set["parity"])]);
            let entry = by_parity.entry(key).or_insert_with(|| vec![(at, 0.0)]);
            entry[0].1 += last(samples);
        }
        let total_last: f64 = data.values().map(|s| last(s)).sum();

        // A range on whole minutes inside the data, one point a minute: the
        // latest sample at each point is less than a second old.
        let minute = 60_000;
        let start = (self.base_ms + minute - 1).div_euclid(minute) * minute;
        let end = last_ts.div_euclid(minute) * minute;
        let mut range = SeriesMap::new();
        if start <= end {
            for (labels, samples) in &data {
                let points = (0..)
                    .map(|i| start + i * minute)
                    .take_while(|t| *t <= end)
                    .map(|t| {
                        let latest = samples
                            .iter()
                            .rev()
                            .find(|(ts, _)| ts <= &t)
                            .expect("a sample before every point of the range");
                        (t, latest.1)
                    })
                    .collect();
                range.insert(labels.clone(), points);
            }
        }
        let instant = |promql: String, expected: SeriesMap| Expectation {
            promql,
            at: At::Instant(at),
            expected,
        };
        let mut out = vec![
            instant(
                format!("count_over_time({selector}[4h])"),
                per(&|s| s.len() as f64, false),
            ),
            instant(
                format!("sum_over_time({selector}[4h])"),
                per(&|s| s.iter().map(|p| p.1).sum(), false),
            ),
            instant(selector.clone(), per(&last, true)),
            instant(
                format!("count({selector})"),
                SeriesMap::from([(LabelSet::new(), vec![(at, self.series as f64)])]),
            ),
            instant(
                format!("sum({selector})"),
                SeriesMap::from([(LabelSet::new(), vec![(at, total_last)])]),
            ),
            instant(format!("sum by (parity) ({selector})"), by_parity),
        ];
        if !range.is_empty() {
            out.push(Expectation {
                promql: selector.clone(),
                at: At::Range(start, end, 60),
                expected: range,
            });
        }
        assert!(
            per_series > 0,
            "no samples per series: the expectations would be empty"
        );
        out
    }
}
