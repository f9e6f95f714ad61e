//! Request and response types of the [`Storage`](crate::Storage) trait.

use estuary_types::{EncodedLabels, LabelMatcher, Labels, Sample, Tenant, TimeRange};
use std::time::{Duration, Instant};

/// The instant by which a call must finish.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deadline(pub Instant);

impl Deadline {
    /// A deadline `timeout` from now.
    pub fn after(timeout: Duration) -> Self {
        Deadline(Instant::now() + timeout)
    }

    /// Whether the deadline has passed.
    pub fn is_expired(&self) -> bool {
        Instant::now() >= self.0
    }

    /// Time left (zero once expired).
    pub fn remaining(&self) -> Duration {
        self.0.saturating_duration_since(Instant::now())
    }
}

/// A read answer and whether every storage node that holds a part of it
/// contributed. A single node is always complete; a cluster answers
/// `is_partial: true` when more nodes were missing than replication covers.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer<T> {
    /// What was read.
    pub data: T,
    /// Some data may be missing because storage nodes did not answer.
    pub is_partial: bool,
}

impl<T> Answer<T> {
    /// An answer every node contributed to.
    pub fn complete(data: T) -> Self {
        Answer {
            data,
            is_partial: false,
        }
    }

    /// The same completeness with the data transformed.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Answer<U> {
        Answer {
            data: f(self.data),
            is_partial: self.is_partial,
        }
    }
}

/// The samples of one series, as handed to [`Storage::write`](crate::Storage::write).
#[derive(Debug, Clone, PartialEq)]
pub struct SeriesSamples {
    /// The tenant the series belongs to.
    pub tenant: Tenant,
    /// Canonical labels, `__name__` included, in their encoded form (one
    /// buffer, used as it is for the registry, WAL and index).
    pub labels: EncodedLabels,
    /// Samples in any order; duplicates are resolved by the storage.
    pub samples: Vec<Sample>,
}

/// What a write did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WriteOutcome {
    /// Samples stored.
    pub samples_stored: u64,
    /// Samples dropped because they are older than the tenant's retention.
    pub samples_too_old: u64,
    /// Series created by this write.
    pub series_created: u64,
}

/// Which series a read is about: a tenant, OR-ed groups of AND-ed matchers, a
/// time range and limits.
#[derive(Debug, Clone)]
pub struct SeriesRequest {
    /// The tenant to search.
    pub tenant: Tenant,
    /// A series matches when it satisfies every matcher of at least one group.
    /// No group at all matches every series.
    pub filters: Vec<Vec<LabelMatcher>>,
    /// The time range (inclusive, milliseconds).
    pub range: TimeRange,
    /// Most entries (series, names or values) to return; more is an error for
    /// [`Storage::search`](crate::Storage::search) and a truncation elsewhere.
    pub limit: usize,
    /// When the call must have finished.
    pub deadline: Deadline,
}

/// A sample search: which series, plus a bound on samples read.
#[derive(Debug, Clone)]
pub struct SearchRequest {
    /// The series and range to read.
    pub series: SeriesRequest,
    /// Most samples to read over all series before failing.
    pub samples_limit: u64,
}

/// One series with its samples, sorted by timestamp, one per timestamp.
#[derive(Debug, Clone, PartialEq)]
pub struct SeriesData {
    /// The series' labels.
    pub labels: Labels,
    /// Its samples within the requested range.
    pub samples: Vec<Sample>,
}

/// A cardinality-statistics request for one UTC day.
#[derive(Debug, Clone)]
pub struct TsdbStatusRequest {
    /// Which series (filters) and which day (`range` covers exactly that day).
    pub series: SeriesRequest,
    /// Entries per top list.
    pub top_n: usize,
    /// Optional label whose values are counted in `series_count_by_focus_label_value`.
    pub focus_label: Option<String>,
}

/// One `(name, count)` entry of a top list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TsdbStatusEntry {
    /// Metric name, label name, `name=value` pair or focus-label value.
    pub name: String,
    /// The count.
    pub value: u64,
}

/// Cardinality statistics, shaped like VictoriaMetrics's `/api/v1/status/tsdb`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TsdbStatus {
    /// Series in the day.
    pub total_series: u64,
    /// Label-value pairs over all series.
    pub total_label_value_pairs: u64,
    /// Series per metric name, largest first.
    pub series_count_by_metric_name: Vec<TsdbStatusEntry>,
    /// Series per label name, largest first.
    pub series_count_by_label_name: Vec<TsdbStatusEntry>,
    /// Series per value of the focus label, largest first.
    pub series_count_by_focus_label_value: Vec<TsdbStatusEntry>,
    /// Series per `name=value` pair, largest first.
    pub series_count_by_label_value_pair: Vec<TsdbStatusEntry>,
    /// Distinct values per label name, largest first.
    pub label_value_count_by_label_name: Vec<TsdbStatusEntry>,
}
