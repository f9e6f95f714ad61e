//! Assembles output series from points produced per step or per input
//! series, and enforces Prometheus's rule that an instant vector never holds
//! two elements with the same label set.

use crate::error::EvalError;
use crate::eval::steps::{Point, StepSeries};
use estuary_types::Labels;
use std::collections::HashMap;

/// Output series keyed by label set, in order of creation.
#[derive(Default)]
pub(crate) struct SeriesBuilder {
    index: HashMap<Labels, usize>,
    series: Vec<StepSeries>,
    needs_sort: bool,
}

impl SeriesBuilder {
    /// An empty builder.
    pub fn new() -> Self {
        SeriesBuilder::default()
    }

    /// The id of the output series with `labels`, created on first use.
    pub fn id(&mut self, labels: Labels) -> usize {
        if let Some(&id) = self.index.get(&labels) {
            return id;
        }
        let id = self.series.len();
        self.index.insert(labels.clone(), id);
        self.series.push(StepSeries {
            labels,
            points: Vec::new(),
        });
        id
    }

    /// Makes room for `count` more points of series `id` (a hint: output
    /// series mostly have as many points as their input).
    pub fn reserve(&mut self, id: usize, count: usize) {
        if let Some(series) = self.series.get_mut(id) {
            series.points.reserve(count);
        }
    }

    /// Adds a point. Two points of one series at one step mean two elements
    /// with the same labels in one instant vector: an error.
    pub fn push(&mut self, id: usize, step: u32, value: f64) -> Result<(), EvalError> {
        let Some(series) = self.series.get_mut(id) else {
            panic!("BUG: output series id {id} was never created");
        };
        if let Some(last) = series.points.last() {
            if last.step == step {
                return Err(EvalError::duplicate_labelset());
            }
            if last.step > step {
                self.needs_sort = true;
            }
        }
        series.points.push(Point { step, value });
        Ok(())
    }

    /// The output series with points, in creation order.
    pub fn finish(mut self) -> Result<Vec<StepSeries>, EvalError> {
        if self.needs_sort {
            for series in &mut self.series {
                series.points.sort_by_key(|p| p.step);
                if series.points.windows(2).any(|w| w[0].step == w[1].step) {
                    return Err(EvalError::duplicate_labelset());
                }
            }
        }
        self.series.retain(|s| !s.points.is_empty());
        Ok(self.series)
    }
}

/// Prometheus's whole-matrix check (used after range functions and unary
/// minus): two series with equal labels are an error even when their points
/// never share a step.
pub(crate) fn check_unique_labels(series: &[StepSeries]) -> Result<(), EvalError> {
    let mut seen = std::collections::HashSet::with_capacity(series.len());
    for s in series {
        if !seen.insert(&s.labels) {
            return Err(EvalError::duplicate_labelset());
        }
    }
    Ok(())
}
