//! Aggregation operators, step by step, with groups computed once per series.

use crate::ast::{AggregateExpr, AggregateOp};
use crate::error::EvalError;
use crate::eval::Evaluator;
use crate::eval::collect::SeriesBuilder;
use crate::eval::go_sort::{
    heap_pop, heap_push, nan_first_ascending, nan_first_descending, sort_by_less,
};
use crate::eval::labelset;
use crate::eval::steps::{Evaluated, Point, StepCursor, StepRange, StepSeries};
use crate::format::format_value;
use crate::functions::math::quantile;
use estuary_types::Labels;
use std::collections::HashMap;

/// The largest float that converts to an `i64` without overflow (Go's check).
const INT64_CONVERTIBLE_MAX: f64 = 9_223_372_036_854_774_784.0;
/// The smallest float that converts to an `i64` without overflow.
const INT64_CONVERTIBLE_MIN: f64 = -9_223_372_036_854_775_808.0;

/// Points reserved up front for a new output series (more grow on demand).
const RESERVE_POINTS_MAX: usize = 4096;

/// The parameter of an aggregation, per step.
enum Param {
    None,
    Scalar(Vec<f64>),
    Label(String),
}

/// Evaluates an aggregation over every step.
pub(crate) fn eval_aggregate(
    ev: &mut Evaluator<'_>,
    agg: &AggregateExpr,
    steps: &StepRange,
) -> Result<Evaluated, EvalError> {
    let param = match &agg.param {
        None => Param::None,
        Some(expr) => match ev.eval(expr, steps)? {
            Evaluated::Scalar(values) => Param::Scalar(values),
            Evaluated::String(label) => Param::Label(label),
            _ => {
                return Err(EvalError::BadData(
                    "aggregation parameter must be a scalar or a string".to_string(),
                ));
            }
        },
    };
    let input = ev.eval_vector(&agg.expr, steps)?;
    let series = match (&param, agg.op) {
        (Param::Label(label), AggregateOp::CountValues) => {
            count_values(ev, agg, label, &input, steps)?
        }
        (Param::Label(_), _) | (_, AggregateOp::CountValues) => {
            return Err(EvalError::BadData(
                "count_values needs a string parameter".to_string(),
            ));
        }
        (Param::Scalar(values), AggregateOp::Topk | AggregateOp::Bottomk) => {
            top_bottom(ev, agg, values, &input, steps)?
        }
        (Param::Scalar(values), _) => grouped(ev, agg, Some(values), &input, steps)?,
        (Param::None, _) => grouped(ev, agg, None, &input, steps)?,
    };
    Ok(Evaluated::Vector(series))
}

/// The group labels of a series.
fn group_labels(agg: &AggregateExpr, labels: &Labels) -> Labels {
    if agg.without {
        labelset::without(labels, &agg.grouping)
    } else {
        labelset::keep(labels, &agg.grouping)
    }
}

/// Assigns every input series to a group; returns the group of each series
/// and the labels of each group.
fn assign_groups(agg: &AggregateExpr, input: &[StepSeries]) -> (Vec<usize>, Vec<Labels>) {
    let mut index: HashMap<Labels, usize> = HashMap::new();
    let mut groups = Vec::new();
    let of_series = input
        .iter()
        .map(|s| {
            let labels = group_labels(agg, &s.labels);
            let next = groups.len();
            *index.entry(labels).or_insert_with_key(|labels| {
                groups.push(labels.clone());
                next
            })
        })
        .collect();
    (of_series, groups)
}

/// The running state of one group at one step.
#[derive(Clone, Default)]
struct Accumulator {
    mark: u32,
    value: f64,
    mean: f64,
    count: u64,
    values: Vec<f64>,
}

impl Accumulator {
    fn start(&mut self, mark: u32, op: AggregateOp, v: f64) {
        self.mark = mark;
        self.value = v;
        self.mean = v;
        self.count = 1;
        self.values.clear();
        match op {
            AggregateOp::Stddev | AggregateOp::Stdvar => self.value = 0.0,
            AggregateOp::Group => self.value = 1.0,
            AggregateOp::Quantile => self.values.push(v),
            _ => {}
        }
    }

    fn add(&mut self, op: AggregateOp, v: f64) {
        match op {
            AggregateOp::Sum => self.value += v,
            AggregateOp::Avg => {
                self.count += 1;
                if self.mean.is_infinite() {
                    if v.is_infinite() && (self.mean > 0.0) == (v > 0.0) {
                        // Infinities of the same sign: the mean is already right.
                        return;
                    }
                    if !v.is_infinite() && !v.is_nan() {
                        // A finite value cannot move an infinite mean.
                        return;
                    }
                }
                let n = self.count as f64;
                // Each side divided by the count to avoid overflow.
                self.mean += v / n - self.mean / n;
            }
            AggregateOp::Group => {}
            AggregateOp::Max => {
                if self.value < v || self.value.is_nan() {
                    self.value = v;
                }
            }
            AggregateOp::Min => {
                if self.value > v || self.value.is_nan() {
                    self.value = v;
                }
            }
            AggregateOp::Count | AggregateOp::CountValues => self.count += 1,
            AggregateOp::Stddev | AggregateOp::Stdvar => {
                self.count += 1;
                let delta = v - self.mean;
                self.mean += delta / self.count as f64;
                self.value += delta * (v - self.mean);
            }
            AggregateOp::Quantile => self.values.push(v),
            AggregateOp::Topk | AggregateOp::Bottomk => {
                panic!("BUG: topk/bottomk use their own accumulator")
            }
        }
    }

    fn result(&mut self, op: AggregateOp, q: f64) -> f64 {
        match op {
            AggregateOp::Avg => self.mean,
            AggregateOp::Count | AggregateOp::CountValues => self.count as f64,
            AggregateOp::Stdvar => self.value / self.count as f64,
            AggregateOp::Stddev => (self.value / self.count as f64).sqrt(),
            AggregateOp::Quantile => quantile(q, &mut self.values),
            _ => self.value,
        }
    }
}

/// Every operator whose output is one series per group.
fn grouped(
    ev: &mut Evaluator<'_>,
    agg: &AggregateExpr,
    param: Option<&Vec<f64>>,
    input: &[StepSeries],
    steps: &StepRange,
) -> Result<Vec<StepSeries>, EvalError> {
    let (group_of, group_labels) = assign_groups(agg, input);
    let cells = group_labels.len().saturating_mul(steps.len());
    if agg.op != AggregateOp::Quantile && cells <= SERIES_MAJOR_CELLS_MAX {
        return grouped_series_major(ev, agg, input, steps, &group_of, group_labels);
    }
    grouped_step_major(ev, agg, param, input, steps, &group_of, &group_labels)
}

/// [`grouped`] step by step, with one accumulator per group.
fn grouped_step_major(
    ev: &mut Evaluator<'_>,
    agg: &AggregateExpr,
    param: Option<&Vec<f64>>,
    input: &[StepSeries],
    steps: &StepRange,
    group_of: &[usize],
    group_labels: &[Labels],
) -> Result<Vec<StepSeries>, EvalError> {
    let mut state = vec![Accumulator::default(); group_labels.len()];
    let mut out_ids = vec![None; group_labels.len()];
    let mut builder = SeriesBuilder::new();
    let mut cursor = StepCursor::new(input.len());
    let mut present = Vec::new();
    let mut order = Vec::new();
    for step in 0..steps.count() {
        ev.limits.tick()?;
        cursor.present(input, step, &mut present);
        let mark = step + 1;
        order.clear();
        for &(index, value) in &present {
            let group = group_of[index];
            let acc = &mut state[group];
            if acc.mark != mark {
                acc.start(mark, agg.op, value);
                order.push(group);
            } else {
                acc.add(agg.op, value);
            }
        }
        let q = param
            .and_then(|p| p.get(step as usize).copied())
            .unwrap_or(f64::NAN);
        for &group in &order {
            let value = state[group].result(agg.op, q);
            let id = *out_ids[group].get_or_insert_with(|| {
                let id = builder.id(group_labels[group].clone());
                builder.reserve(id, (steps.len() - step as usize).min(RESERVE_POINTS_MAX));
                id
            });
            builder.push(id, step, value)?;
        }
    }
    builder.finish()
}

/// Most accumulators (groups × steps) [`grouped_series_major`] holds at
/// once; past it, the step-major walk, which holds one per group.
const SERIES_MAJOR_CELLS_MAX: usize = 1 << 17;

/// [`grouped`] one input series at a time, into an accumulator per group and
/// step: each series' points are read in one sequential pass, where walking
/// step by step jumps between every series' points at every step. Each
/// group's value at a step still takes its series in input order, so every
/// sum, mean and variance is the same float. Groups come out in the order
/// the step-by-step walk creates them: by first step with a value, then by
/// the first input series with a value there.
fn grouped_series_major(
    ev: &mut Evaluator<'_>,
    agg: &AggregateExpr,
    input: &[StepSeries],
    steps: &StepRange,
    group_of: &[usize],
    group_labels: Vec<Labels>,
) -> Result<Vec<StepSeries>, EvalError> {
    let step_count = steps.len();
    let mut cells = vec![Accumulator::default(); group_labels.len() * step_count];
    // Per group: the first step with a value and the first series there.
    let mut first_seen: Vec<(u32, usize)> = vec![(u32::MAX, usize::MAX); group_labels.len()];
    for (index, series) in input.iter().enumerate() {
        ev.limits.tick()?;
        let group = group_of[index];
        let row = &mut cells[group * step_count..(group + 1) * step_count];
        for point in &series.points {
            let Some(cell) = row.get_mut(point.step as usize) else {
                continue;
            };
            if cell.mark == 0 {
                cell.start(1, agg.op, point.value);
            } else {
                cell.add(agg.op, point.value);
            }
        }
        if let Some(first) = series.points.first() {
            first_seen[group] = first_seen[group].min((first.step, index));
        }
    }
    let mut order: Vec<usize> = (0..group_labels.len())
        .filter(|&group| first_seen[group].0 != u32::MAX)
        .collect();
    order.sort_unstable_by_key(|&group| first_seen[group]);
    let mut labels: Vec<Option<Labels>> = group_labels.into_iter().map(Some).collect();
    let mut out = Vec::with_capacity(order.len());
    for group in order {
        let row = &mut cells[group * step_count..(group + 1) * step_count];
        let points = row
            .iter_mut()
            .enumerate()
            .filter(|(_, cell)| cell.mark != 0)
            .map(|(step, cell)| Point {
                step: step as u32,
                value: cell.result(agg.op, f64::NAN),
            })
            .collect();
        out.push(StepSeries {
            labels: labels[group].take().unwrap_or_default(),
            points,
        });
    }
    Ok(out)
}

/// `topk` and `bottomk`: the selected input series keep their labels.
fn top_bottom(
    ev: &mut Evaluator<'_>,
    agg: &AggregateExpr,
    param: &[f64],
    input: &[StepSeries],
    steps: &StepRange,
) -> Result<Vec<StepSeries>, EvalError> {
    let top = agg.op == AggregateOp::Topk;
    // The heap keeps the element to evict on top: the smallest for topk.
    let less = |a: &(f64, usize), b: &(f64, usize)| {
        if top {
            nan_first_ascending(a.0, b.0)
        } else {
            nan_first_descending(a.0, b.0)
        }
    };
    let (group_of, group_labels) = assign_groups(agg, input);
    let mut heaps: Vec<(u32, Vec<(f64, usize)>)> = vec![(0, Vec::new()); group_labels.len()];
    let mut out_ids = vec![None; input.len()];
    let mut builder = SeriesBuilder::new();
    let mut cursor = StepCursor::new(input.len());
    let mut present = Vec::new();
    let mut order = Vec::new();
    for step in 0..steps.count() {
        ev.limits.tick()?;
        let f = param.get(step as usize).copied().unwrap_or(f64::NAN);
        if !(INT64_CONVERTIBLE_MIN..=INT64_CONVERTIBLE_MAX).contains(&f) {
            return Err(EvalError::exec(format!(
                "Scalar value {} overflows int64",
                format_value(f)
            )));
        }
        let k = f as i64;
        cursor.present(input, step, &mut present);
        if k < 1 {
            continue;
        }
        let k = usize::try_from(k).unwrap_or(usize::MAX);
        let mark = step + 1;
        order.clear();
        for &(index, value) in &present {
            let group = group_of[index];
            let (seen, heap) = &mut heaps[group];
            if *seen != mark {
                *seen = mark;
                heap.clear();
                heap.push((value, index));
                order.push(group);
                continue;
            }
            let Some(&(top_value, _)) = heap.first() else {
                continue;
            };
            let replaces = if top {
                top_value < value
            } else {
                top_value > value
            };
            if heap.len() < k || replaces || top_value.is_nan() {
                if heap.len() == k {
                    if k == 1 {
                        heap[0] = (value, index);
                        continue;
                    }
                    heap_pop(heap, less);
                }
                heap_push(heap, (value, index), less);
            }
        }
        for &group in &order {
            let heap = &mut heaps[group].1;
            sort_by_less(heap, |a, b| less(b, a));
            for &(value, index) in heap.iter() {
                let id =
                    *out_ids[index].get_or_insert_with(|| builder.id(input[index].labels.clone()));
                builder.push(id, step, value)?;
            }
        }
    }
    builder.finish()
}

/// `count_values`: groups by the value, written into a label.
fn count_values(
    ev: &mut Evaluator<'_>,
    agg: &AggregateExpr,
    label: &str,
    input: &[StepSeries],
    steps: &StepRange,
) -> Result<Vec<StepSeries>, EvalError> {
    if !labelset::is_valid_label_name(label) {
        return Err(EvalError::exec(format!("invalid label name {label:?}")));
    }
    let mut grouping = agg.grouping.clone();
    if !agg.without {
        grouping.push(label.to_string());
    }
    let mut builder = SeriesBuilder::new();
    let mut cursor = StepCursor::new(input.len());
    let mut present = Vec::new();
    let mut counts: Vec<(Labels, u64)> = Vec::new();
    let mut index: HashMap<Labels, usize> = HashMap::new();
    for step in 0..steps.count() {
        ev.limits.tick()?;
        cursor.present(input, step, &mut present);
        counts.clear();
        index.clear();
        for &(series, value) in &present {
            let metric = labelset::set(&input[series].labels, label, &format_value(value));
            let group = if agg.without {
                labelset::without(&metric, &grouping)
            } else {
                labelset::keep(&metric, &grouping)
            };
            match index.get(&group) {
                Some(&i) => counts[i].1 += 1,
                None => {
                    index.insert(group.clone(), counts.len());
                    counts.push((group, 1));
                }
            }
        }
        for (group, count) in counts.drain(..) {
            let id = builder.id(group);
            builder.push(id, step, count as f64)?;
        }
    }
    builder.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ast::Expr;
    use crate::options::QueryOptions;
    use crate::source::MemorySource;

    /// A few series of three groups with gaps, specials and values whose
    /// sums depend on the order they are added in.
    fn input() -> Vec<StepSeries> {
        let values = [
            0.1,
            1e16,
            -1e16,
            0.7,
            f64::NAN,
            f64::INFINITY,
            -0.0,
            3.3,
            1e-9,
        ];
        (0..12u32)
            .map(|series| StepSeries {
                labels: Labels::from_pairs(&[
                    ("g", ["a", "b", "c"][(series % 3) as usize]),
                    ("i", &series.to_string()),
                ]),
                points: (0..20u32)
                    .filter(|step| (step + series) % 4 != 0 && step % 7 != series % 7)
                    .map(|step| Point {
                        step,
                        value: values[((step * 5 + series * 3) % 9) as usize],
                    })
                    .collect(),
            })
            .collect()
    }

    #[test]
    fn series_major_gives_the_step_major_answer_bit_for_bit() {
        let source = MemorySource::new();
        let opts = QueryOptions::default();
        let mut ev = Evaluator::new(&source, &opts, 0, 19);
        let steps = StepRange::new(0, 19, 1).expect("steps");
        let input = input();
        for op in [
            AggregateOp::Sum,
            AggregateOp::Avg,
            AggregateOp::Min,
            AggregateOp::Max,
            AggregateOp::Count,
            AggregateOp::Group,
            AggregateOp::Stddev,
            AggregateOp::Stdvar,
        ] {
            let agg = AggregateExpr {
                op,
                expr: Expr::Number(0.0),
                param: None,
                grouping: vec!["g".to_string()],
                without: false,
            };
            let (group_of, group_labels) = assign_groups(&agg, &input);
            let step_major = grouped_step_major(
                &mut ev,
                &agg,
                None,
                &input,
                &steps,
                &group_of,
                &group_labels,
            )
            .expect("step major");
            let series_major =
                grouped_series_major(&mut ev, &agg, &input, &steps, &group_of, group_labels)
                    .expect("series major");
            let bits = |series: &[StepSeries]| -> Vec<(Labels, Vec<(u32, u64)>)> {
                series
                    .iter()
                    .map(|s| {
                        let points = s.points.iter().map(|p| (p.step, p.value.to_bits()));
                        (s.labels.clone(), points.collect())
                    })
                    .collect()
            };
            assert_eq!(bits(&series_major), bits(&step_major), "{op:?}");
        }
    }
}
