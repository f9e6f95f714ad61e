//! From decoded series to storage rows: every protocol's parser hands each
//! series (borrowed labels, samples) to a `BatchBuilder`, which applies the
//! extra labels, validates, canonicalises and collects the result.
//!
//! Labels stay borrowed `&str` until a series has passed validation; only then
//! are they copied into the owned, canonical [`EncodedLabels`] that storage keeps.

use crate::extra_labels::ExtraLabels;
use crate::validate::{self, DropReason, Limits, Violation};
use estuary_storage_api::SeriesSamples;
use estuary_types::{EncodedLabels, Sample, Tenant};
use std::fmt::Write as _;

/// Problems quoted back to the client in a 400 message; the rest are counted.
pub const PROBLEMS_REPORTED_MAX: usize = 5;

/// Bytes of a series' labels quoted in a problem; the rest is elided, so one
/// 4 KiB label value does not flood the message.
const SERIES_SHOWN_BYTES_MAX: usize = 256;

/// What every series of one request shares.
#[derive(Debug, Clone)]
pub struct BatchContext {
    /// The tenant the rows are written to.
    pub tenant: Tenant,
    /// Labels set on every series.
    pub extra_labels: ExtraLabels,
    /// Validation limits.
    pub limits: Limits,
}

/// A request turned into storage rows, plus what validation dropped.
#[derive(Debug, Default)]
pub struct SeriesBatch {
    /// Valid series, canonical, ready for [`Storage::write`](estuary_storage_api::Storage::write).
    pub series: Vec<SeriesSamples>,
    /// Samples over all of `series`.
    pub samples_count: u64,
    /// What was dropped.
    pub dropped: DropReport,
}

/// Series dropped by validation.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct DropReport {
    /// Series dropped.
    pub series_count: u64,
    /// Samples those series carried.
    pub samples_count: u64,
    /// Dropped samples per [`DropReason::index`].
    pub samples_by_reason: [u64; DropReason::COUNT],
    /// The first [`PROBLEMS_REPORTED_MAX`] problems, each naming its series.
    pub problems: Vec<String>,
}

/// Collects the rows of one request. `'x` is the life of the decoded body and
/// of the context, both of which the builder borrows from.
pub(crate) struct BatchBuilder<'x> {
    context: &'x BatchContext,
    /// The series' own labels, sorted by name (reused between series).
    own: Vec<(&'x str, &'x str)>,
    /// Own labels with the extra labels applied and empty values removed.
    merged: Vec<(&'x str, &'x str)>,
    batch: SeriesBatch,
}

impl<'x> BatchBuilder<'x> {
    /// A builder for the rows of one request.
    pub(crate) fn new(context: &'x BatchContext) -> Self {
        BatchBuilder {
            context,
            own: Vec::new(),
            merged: Vec::new(),
            batch: SeriesBatch::default(),
        }
    }

    /// Adds one series. A series without samples is skipped: there is nothing
    /// to store or to lose. An invalid one is dropped and reported.
    pub(crate) fn push<I>(&mut self, labels: I, samples: &[Sample])
    where
        I: IntoIterator<Item = (&'x str, &'x str)>,
    {
        if samples.is_empty() {
            return;
        }
        self.own.clear();
        self.own.extend(labels);
        // Senders usually sort; check before paying for a sort.
        if !self.own.is_sorted_by(|a, b| a.0 <= b.0) {
            self.own.sort_unstable_by(|a, b| a.0.cmp(b.0));
        }
        if let Some(name) = validate::find_duplicate_name(&self.own) {
            let violation = Violation::DuplicateLabelName { name };
            record_drop(&mut self.batch.dropped, violation, &self.own, samples.len());
            return;
        }
        merge_extra(
            &self.own,
            self.context.extra_labels.pairs(),
            &mut self.merged,
        );
        if let Err(violation) = validate::check_labels(&self.merged, &self.context.limits) {
            record_drop(&mut self.batch.dropped, violation, &self.own, samples.len());
            return;
        }
        // `merged` is sorted, unique and free of empty values, so this cannot
        // fail; should it, the series is dropped rather than the process.
        let Ok(labels) = EncodedLabels::from_canonical_pairs(&self.merged) else {
            let name = self.merged.first().map_or("", |l| l.0);
            let violation = Violation::DuplicateLabelName { name };
            record_drop(&mut self.batch.dropped, violation, &self.own, samples.len());
            return;
        };
        self.batch.samples_count += samples.len() as u64;
        self.batch.series.push(SeriesSamples {
            tenant: self.context.tenant,
            labels,
            samples: samples.to_vec(),
        });
    }

    /// The rows collected so far.
    pub(crate) fn finish(self) -> SeriesBatch {
        self.batch
    }
}

/// Merges the sorted own labels with the sorted extra labels into `out`:
/// an extra label replaces an own label of the same name, and labels with an
/// empty value are left out.
fn merge_extra<'x>(
    own: &[(&'x str, &'x str)],
    extra: &'x [(String, String)],
    out: &mut Vec<(&'x str, &'x str)>,
) {
    out.clear();
    let mut own = own.iter().copied().peekable();
    let mut extra = extra
        .iter()
        .map(|(name, value)| (name.as_str(), value.as_str()))
        .peekable();
    loop {
        let next = match (own.peek(), extra.peek()) {
            (None, None) => break,
            (Some(_), None) => own.next(),
            (None, Some(_)) => extra.next(),
            (Some(o), Some(e)) => match o.0.cmp(e.0) {
                std::cmp::Ordering::Less => own.next(),
                std::cmp::Ordering::Greater => extra.next(),
                std::cmp::Ordering::Equal => {
                    own.next();
                    extra.next()
                }
            },
        };
        if let Some(label) = next
            && !label.1.is_empty()
        {
            out.push(label);
        }
    }
}

fn record_drop(
    report: &mut DropReport,
    violation: Violation<'_>,
    series: &[(&str, &str)],
    samples: usize,
) {
    report.series_count += 1;
    report.samples_count += samples as u64;
    report.samples_by_reason[violation.reason().index()] += samples as u64;
    if report.problems.len() < PROBLEMS_REPORTED_MAX {
        report
            .problems
            .push(format!("{violation} in series {}", show_series(series)));
    }
}

/// The series in Prometheus notation, cut to [`SERIES_SHOWN_BYTES_MAX`].
fn show_series(labels: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(64);
    out.push('{');
    for (index, (name, value)) in labels.iter().enumerate() {
        if index > 0 {
            out.push_str(", ");
        }
        let _ = write!(out, "{name}={value:?}");
        if out.len() > SERIES_SHOWN_BYTES_MAX {
            let mut cut = SERIES_SHOWN_BYTES_MAX;
            while !out.is_char_boundary(cut) {
                cut -= 1;
            }
            out.truncate(cut);
            out.push_str("...");
            return out;
        }
    }
    out.push('}');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use estuary_types::Labels;

    fn context(extra: &[(&str, &str)]) -> BatchContext {
        BatchContext {
            tenant: Tenant::new(3, 4),
            extra_labels: ExtraLabels::new(
                extra
                    .iter()
                    .map(|(n, v)| (n.to_string(), v.to_string()))
                    .collect(),
            ),
            limits: Limits::default(),
        }
    }

    const ONE: &[Sample] = &[Sample::new(1, 1.0)];

    #[test]
    fn valid_series_become_canonical_rows() {
        let context = context(&[]);
        let mut builder = BatchBuilder::new(&context);
        builder.push([("job", "node"), ("__name__", "up"), ("empty", "")], ONE);
        let batch = builder.finish();
        assert_eq!(batch.series.len(), 1);
        let row = &batch.series[0];
        assert_eq!(row.tenant, Tenant::new(3, 4));
        assert_eq!(
            row.labels,
            Labels::from_pairs(&[("__name__", "up"), ("job", "node")])
        );
        assert_eq!(row.samples, ONE);
        assert_eq!(batch.samples_count, 1);
        assert_eq!(batch.dropped, DropReport::default());
    }

    #[test]
    fn extra_labels_override_add_and_remove() {
        let context = context(&[("job", "forced"), ("env", "prod"), ("instance", "")]);
        let mut builder = BatchBuilder::new(&context);
        builder.push(
            [("__name__", "up"), ("job", "node"), ("instance", "h:1")],
            ONE,
        );
        let batch = builder.finish();
        assert_eq!(
            batch.series[0].labels,
            Labels::from_pairs(&[("__name__", "up"), ("env", "prod"), ("job", "forced")])
        );
    }

    #[test]
    fn invalid_series_are_dropped_and_reported() {
        let context = context(&[]);
        let mut builder = BatchBuilder::new(&context);
        builder.push([("__name__", "ok")], ONE);
        builder.push([("__name__", "dup"), ("a", "1"), ("a", "2")], ONE);
        builder.push(
            [("__name__", "bad-name")],
            &[Sample::new(1, 1.0), Sample::new(2, 2.0)],
        );
        builder.push([("__name__", "no_samples"), ("bad-label", "x")], &[]);
        let batch = builder.finish();
        assert_eq!(batch.series.len(), 1);
        let dropped = &batch.dropped;
        assert_eq!(dropped.series_count, 2);
        assert_eq!(dropped.samples_count, 3);
        assert_eq!(
            dropped.samples_by_reason[DropReason::DuplicateLabelName.index()],
            1
        );
        assert_eq!(
            dropped.samples_by_reason[DropReason::InvalidMetricName.index()],
            2
        );
        assert_eq!(
            dropped.problems,
            vec![
                "label \"a\" appears more than once in series {__name__=\"dup\", a=\"1\", a=\"2\"}",
                "metric name \"bad-name\" does not match [a-zA-Z_:][a-zA-Z0-9_:]* in series {__name__=\"bad-name\"}",
            ]
        );
    }

    #[test]
    fn only_the_first_problems_are_quoted() {
        let context = context(&[]);
        let mut builder = BatchBuilder::new(&context);
        for _ in 0..PROBLEMS_REPORTED_MAX + 3 {
            builder.push([("bad-label", "x")], ONE);
        }
        let batch = builder.finish();
        assert_eq!(batch.dropped.series_count, PROBLEMS_REPORTED_MAX as u64 + 3);
        assert_eq!(batch.dropped.problems.len(), PROBLEMS_REPORTED_MAX);
    }

    #[test]
    fn long_series_are_shortened_in_messages() {
        let value = "é".repeat(400);
        let shown = show_series(&[("a", &value)]);
        assert!(shown.len() <= SERIES_SHOWN_BYTES_MAX + 3);
        assert!(shown.ends_with("..."));
    }
}
