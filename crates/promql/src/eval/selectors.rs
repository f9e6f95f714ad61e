//! Instant and range vector selectors: lookback, staleness, offset and `@`.

use crate::ast::{MatrixSelector, Selector};
use crate::error::EvalError;
use crate::eval::Evaluator;
use crate::eval::limits::Limits;
use crate::eval::steps::{Point, StepRange, StepSeries};
use crate::source::LentSeries;
use crate::value::Series;
use estuary_types::{Labels, Sample, TimeRange, is_stale_nan};
use std::borrow::Cow;

/// What an instant vector selector yields at each step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Pick {
    /// The sample value.
    Value,
    /// The sample timestamp in seconds (for `timestamp()`).
    Timestamp,
}

/// Evaluates an instant vector selector at every step: the latest sample at
/// or before the reference time, if it lies within the lookback delta
/// (inclusive) and is not a staleness marker.
pub(crate) fn eval_vector_selector(
    ev: &mut Evaluator<'_>,
    sel: &Selector,
    steps: &StepRange,
    pick: Pick,
) -> Result<Vec<StepSeries>, EvalError> {
    if steps.len() == 0 {
        return Ok(Vec::new());
    }
    let at = ev.at_time(sel.at);
    let lookback = ev.opts.lookback_delta_ms;
    let reference = |t: i64| at.unwrap_or(t).saturating_sub(sel.offset_ms);
    let first = reference(steps.start);
    let last = reference(steps.time(steps.count() - 1));
    let mut out = Vec::new();
    let range = TimeRange::new(first.saturating_sub(lookback), last);
    ev.select_each(&sel.matchers, range, |_, labels, samples| {
        let points = if at.is_some() {
            // The reference time does not move: one lookup serves every step.
            match lookup(samples, &mut 0, first, lookback) {
                Some(sample) => {
                    let value = picked(sample, pick);
                    (0..steps.count())
                        .map(|step| Point { step, value })
                        .collect()
                }
                None => Vec::new(),
            }
        } else {
            let mut cursor = 0;
            let mut points = Vec::with_capacity(steps.len().min(samples.len().saturating_mul(8)));
            for step in 0..steps.count() {
                let reference = reference(steps.time(step));
                if let Some(sample) = lookup(samples, &mut cursor, reference, lookback) {
                    points.push(Point {
                        step,
                        value: picked(sample, pick),
                    });
                }
            }
            points
        };
        if !points.is_empty() {
            out.push(StepSeries {
                labels: labels.clone(),
                points,
            });
        }
        Ok(())
    })?;
    Ok(out)
}

/// The sample an instant selector sees at `reference`; `cursor` only moves
/// forward, so ascending reference times cost one pass over the samples.
fn lookup(samples: &[Sample], cursor: &mut usize, reference: i64, lookback: i64) -> Option<Sample> {
    while *cursor < samples.len() && samples[*cursor].timestamp <= reference {
        *cursor += 1;
    }
    let sample = *samples.get(cursor.checked_sub(1)?)?;
    if sample.timestamp < reference.saturating_sub(lookback) || is_stale_nan(sample.value) {
        return None;
    }
    Some(sample)
}

fn picked(sample: Sample, pick: Pick) -> f64 {
    match pick {
        Pick::Value => sample.value,
        Pick::Timestamp => sample.timestamp as f64 / 1000.0,
    }
}

/// The inclusive time window a range selector covers at evaluation time `t`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct WindowSpec {
    /// The `@` time, if any.
    pub at: Option<i64>,
    /// The offset in milliseconds.
    pub offset_ms: i64,
    /// The range in milliseconds.
    pub range_ms: i64,
}

impl WindowSpec {
    /// The end of the window for evaluation time `t`.
    pub fn end(&self, t: i64) -> i64 {
        self.at.unwrap_or(t).saturating_sub(self.offset_ms)
    }

    /// The window of every step together.
    pub fn covering(&self, steps: &StepRange) -> TimeRange {
        if steps.len() == 0 {
            return TimeRange::new(0, -1);
        }
        let first = self.end(steps.start);
        let last = self.end(steps.time(steps.count() - 1));
        TimeRange::new(first.saturating_sub(self.range_ms), last)
    }
}

/// The window of a range selector.
pub(crate) fn range_spec(ev: &Evaluator<'_>, ms: &MatrixSelector) -> WindowSpec {
    WindowSpec {
        at: ev.at_time(ms.selector.at),
        offset_ms: ms.selector.offset_ms,
        range_ms: ms.range_ms,
    }
}

/// Visits the raw series of a range selector, covering every step of
/// `steps`, with staleness markers removed (range vectors never hold them).
/// Series left without samples are skipped.
pub(crate) fn for_each_range_series(
    ev: &mut Evaluator<'_>,
    ms: &MatrixSelector,
    steps: &StepRange,
    mut visit: impl FnMut(&mut Limits, &Labels, &[Sample]) -> Result<(), EvalError>,
) -> Result<(), EvalError> {
    if steps.len() == 0 {
        return Ok(());
    }
    let spec = range_spec(ev, ms);
    ev.select_each(
        &ms.selector.matchers,
        spec.covering(steps),
        |limits, labels, samples| {
            let samples = without_stale(samples);
            if samples.is_empty() {
                return Ok(());
            }
            visit(limits, labels, &samples)
        },
    )
}

/// The raw series of a range selector, as [`for_each_range_series`] visits
/// them, lent by the source for the whole evaluation; `None` when the source
/// does not lend (the caller then visits). Counts every series against the
/// limits as visiting does. Staleness markers are still in: the caller
/// removes them ([`without_stale`]), on whichever thread works on the series.
pub(crate) fn lend_range_series<'s>(
    ev: &mut Evaluator<'s>,
    ms: &MatrixSelector,
    steps: &StepRange,
) -> Result<Option<Vec<LentSeries<'s>>>, EvalError> {
    if steps.len() == 0 {
        return Ok(Some(Vec::new()));
    }
    let range = range_spec(ev, ms).covering(steps);
    ev.limits.check_deadline()?;
    let Some(lent) = ev.source.lend(&ms.selector.matchers, range) else {
        return Ok(None);
    };
    for _ in &lent {
        ev.limits.add_series(1)?;
        ev.limits.tick()?;
    }
    Ok(Some(lent))
}

/// The samples without staleness markers; borrowed when there are none.
pub(crate) fn without_stale(samples: &[Sample]) -> Cow<'_, [Sample]> {
    if samples.iter().any(|s| is_stale_nan(s.value)) {
        Cow::Owned(
            samples
                .iter()
                .filter(|s| !is_stale_nan(s.value))
                .copied()
                .collect(),
        )
    } else {
        Cow::Borrowed(samples)
    }
}

/// A range selector evaluated at a single time: the raw samples of each
/// series within `[t - range, t]` (after offset and `@`).
pub(crate) fn eval_matrix_selector(
    ev: &mut Evaluator<'_>,
    ms: &MatrixSelector,
    steps: &StepRange,
) -> Result<Vec<Series>, EvalError> {
    let mut out = Vec::new();
    let mut held = 0usize;
    for_each_range_series(ev, ms, steps, |limits, labels, samples| {
        held += samples.len();
        limits.check_transient(held)?;
        out.push(Series {
            labels: labels.clone(),
            samples: samples.to_vec(),
        });
        Ok(())
    })?;
    Ok(out)
}

/// Calls `f` for every step whose window holds samples, with the step index,
/// the evaluation time, the window end, the index of the window's first
/// sample and the samples in the window. Two
/// cursors slide forward, so every sample is visited a constant number of
/// times however many steps there are.
pub(crate) fn for_each_window(
    samples: &[Sample],
    steps: &StepRange,
    spec: &WindowSpec,
    mut f: impl FnMut(u32, i64, i64, usize, &[Sample]) -> Result<(), EvalError>,
) -> Result<(), EvalError> {
    let mut low = 0;
    let mut high = 0;
    for step in 0..steps.count() {
        let t = steps.time(step);
        let end = spec.end(t);
        let start = end.saturating_sub(spec.range_ms);
        while high < samples.len() && samples[high].timestamp <= end {
            high += 1;
        }
        while low < high && samples[low].timestamp < start {
            low += 1;
        }
        if low < high {
            f(step, t, end, low, &samples[low..high])?;
        }
    }
    Ok(())
}
