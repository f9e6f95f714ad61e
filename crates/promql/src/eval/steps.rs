//! The step grid an expression is evaluated on, and the values nodes pass to
//! each other: one entry per step for scalars, sparse per-series points for
//! instant vectors.

use crate::error::EvalError;
use crate::value::Series;
use estuary_types::Labels;

/// Most evaluation steps of one node; step indexes are stored as `u32`.
const STEPS_MAX: i64 = u32::MAX as i64;

/// The evaluation times `start, start + step, ..., <= end`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct StepRange {
    /// First evaluation time (ms).
    pub start: i64,
    /// Last evaluation time bound (ms, inclusive).
    pub end: i64,
    /// Distance between evaluation times (ms, > 0).
    pub step: i64,
    len: u32,
}

impl StepRange {
    /// A grid; empty when `end < start`.
    pub fn new(start: i64, end: i64, step: i64) -> Result<Self, EvalError> {
        if step <= 0 {
            return Err(EvalError::BadData(format!(
                "zero or negative query resolution step widths are not accepted: {step}ms"
            )));
        }
        let count = if end < start {
            0
        } else {
            (i128::from(end) - i128::from(start)) / i128::from(step) + 1
        };
        if count > i128::from(STEPS_MAX) {
            return Err(EvalError::BadData(format!(
                "exceeded maximum resolution of {STEPS_MAX} points per timeseries"
            )));
        }
        Ok(StepRange {
            start,
            end,
            step,
            len: u32::try_from(count).unwrap_or(u32::MAX),
        })
    }

    /// The single evaluation time of an instant query.
    pub fn instant(time: i64) -> Self {
        StepRange {
            start: time,
            end: time,
            step: 1,
            len: 1,
        }
    }

    /// How many evaluation times the grid holds.
    pub fn len(&self) -> usize {
        self.len as usize
    }

    /// The number of steps as stored in points.
    pub fn count(&self) -> u32 {
        self.len
    }

    /// The time of step `index`.
    pub fn time(&self, index: u32) -> i64 {
        self.start + i64::from(index) * self.step
    }
}

/// One value of an instant-vector series at one step.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Point {
    /// The step index.
    pub step: u32,
    /// The value.
    pub value: f64,
}

/// An instant-vector series evaluated over a step grid: points at the steps
/// where it has a value, in ascending step order.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct StepSeries {
    /// The label set.
    pub labels: Labels,
    /// The points, ascending by step, at most one per step.
    pub points: Vec<Point>,
}

/// What a node hands its parent.
#[derive(Debug, Clone)]
pub(crate) enum Evaluated {
    /// One value per step.
    Scalar(Vec<f64>),
    /// A string literal.
    String(String),
    /// Series with points on the step grid.
    Vector(Vec<StepSeries>),
    /// Raw series (a range selector or subquery evaluated at one time).
    Matrix(Vec<Series>),
}

impl Evaluated {
    /// How many samples the value holds in memory.
    pub fn sample_count(&self) -> usize {
        match self {
            Evaluated::Scalar(values) => values.len(),
            Evaluated::String(_) => 0,
            Evaluated::Vector(series) => series.iter().map(|s| s.points.len()).sum(),
            Evaluated::Matrix(series) => series.iter().map(|s| s.samples.len()).sum(),
        }
    }
}

/// Walks a set of series step by step, yielding the series present at each
/// step without rescanning from the start.
pub(crate) struct StepCursor {
    positions: Vec<usize>,
}

impl StepCursor {
    /// A cursor at step 0 over `series_count` series.
    pub fn new(series_count: usize) -> Self {
        StepCursor {
            positions: vec![0; series_count],
        }
    }

    /// Fills `out` with `(series index, value)` of every series that has a
    /// point at `step`, in series order. Steps must be visited in ascending
    /// order.
    pub fn present(&mut self, series: &[StepSeries], step: u32, out: &mut Vec<(usize, f64)>) {
        out.clear();
        for (index, s) in series.iter().enumerate() {
            let position = &mut self.positions[index];
            while let Some(point) = s.points.get(*position) {
                if point.step < step {
                    *position += 1;
                    continue;
                }
                if point.step == step {
                    out.push((index, point.value));
                    *position += 1;
                }
                break;
            }
        }
    }
}
