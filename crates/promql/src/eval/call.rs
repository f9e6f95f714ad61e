//! Function calls on instant vectors and scalars (range-vector functions are
//! in `range_call.rs`).

use crate::ast::{Call, Expr};
use crate::error::EvalError;
use crate::eval::Evaluator;
use crate::eval::collect::SeriesBuilder;
use crate::eval::go_sort::{nan_first_ascending, nan_first_descending, sort_by_less};
use crate::eval::range_call::{self, labels_for_absent};
use crate::eval::selectors::{self, Pick};
use crate::eval::steps::{Evaluated, Point, StepCursor, StepRange, StepSeries};
use crate::functions::Function;
use crate::functions::histogram::{Bucket, bucket_quantile, parse_bound};
use crate::functions::labels::{LabelJoin, LabelReplace};
use crate::functions::math::{self, go_max, go_min};
use crate::functions::time::{calendar, is_calendar};
use estuary_types::{Labels, METRIC_NAME_LABEL};
use std::collections::HashMap;

/// Evaluates a function call over every step.
pub(crate) fn eval_call(
    ev: &mut Evaluator<'_>,
    call: &Call,
    steps: &StepRange,
) -> Result<Evaluated, EvalError> {
    let func = call.func;
    if range_call::takes_range(func) {
        return range_call::eval_range_call(ev, call, steps);
    }
    if let Some(f) = math::simple(func) {
        let input = vector_arg(ev, call, 0, steps)?;
        return map_values(input, true, |_, v| Some(f(v)));
    }
    if is_calendar(func) {
        return calendar_call(ev, call, steps);
    }
    match func {
        Function::Time => Ok(Evaluated::Scalar(
            (0..steps.count())
                .map(|step| steps.time(step) as f64 / 1000.0)
                .collect(),
        )),
        Function::Pi => Ok(Evaluated::Scalar(vec![std::f64::consts::PI; steps.len()])),
        Function::Scalar => {
            let input = vector_arg(ev, call, 0, steps)?;
            Ok(Evaluated::Scalar(scalar_of(&input, steps)))
        }
        Function::Vector => {
            let values = scalar_arg(ev, call, 0, steps)?;
            let points = values
                .into_iter()
                .zip(0..steps.count())
                .map(|(value, step)| Point { step, value })
                .collect();
            Ok(Evaluated::Vector(vec![StepSeries {
                labels: Labels::empty(),
                points,
            }]))
        }
        Function::Timestamp => timestamp(ev, call, steps),
        Function::Round => {
            let input = vector_arg(ev, call, 0, steps)?;
            let to_nearest = match call.args.get(1) {
                Some(_) => scalar_arg(ev, call, 1, steps)?,
                None => vec![1.0; steps.len()],
            };
            map_values(input, true, |step, v| {
                Some(math::round(v, to_nearest[step as usize]))
            })
        }
        Function::Clamp => {
            let input = vector_arg(ev, call, 0, steps)?;
            let min = scalar_arg(ev, call, 1, steps)?;
            let max = scalar_arg(ev, call, 2, steps)?;
            map_values(input, true, |step, v| {
                let (min, max) = (min[step as usize], max[step as usize]);
                // Only `max < min` empties the result: NaN bounds give NaN.
                (max.partial_cmp(&min) != Some(std::cmp::Ordering::Less))
                    .then(|| go_max(min, go_min(max, v)))
            })
        }
        Function::ClampMax => {
            let input = vector_arg(ev, call, 0, steps)?;
            let max = scalar_arg(ev, call, 1, steps)?;
            map_values(input, true, |step, v| Some(go_min(max[step as usize], v)))
        }
        Function::ClampMin => {
            let input = vector_arg(ev, call, 0, steps)?;
            let min = scalar_arg(ev, call, 1, steps)?;
            map_values(input, true, |step, v| Some(go_max(min[step as usize], v)))
        }
        Function::LabelReplace => {
            let input = vector_arg(ev, call, 0, steps)?;
            let replace = LabelReplace::new(
                string_arg(call, 1)?,
                string_arg(call, 2)?,
                string_arg(call, 3)?,
                string_arg(call, 4)?,
            )?;
            relabel(input, |labels| replace.apply(labels))
        }
        Function::LabelJoin => {
            let input = vector_arg(ev, call, 0, steps)?;
            let sources = (3..call.args.len())
                .map(|i| string_arg(call, i).map(str::to_string))
                .collect::<Result<Vec<_>, _>>()?;
            let join = LabelJoin::new(string_arg(call, 1)?, string_arg(call, 2)?, sources)?;
            relabel(input, |labels| join.apply(labels))
        }
        Function::Sort | Function::SortDesc => {
            let mut input = vector_arg(ev, call, 0, steps)?;
            if steps.len() == 1 {
                sort_instant(&mut input, func == Function::SortDesc);
            }
            Ok(Evaluated::Vector(input))
        }
        Function::Absent => absent(ev, call, steps),
        Function::HistogramQuantile => {
            let q = scalar_arg(ev, call, 0, steps)?;
            let input = vector_arg(ev, call, 1, steps)?;
            Ok(Evaluated::Vector(histogram_quantile(
                ev, &q, &input, steps,
            )?))
        }
        Function::HistogramCount | Function::HistogramSum | Function::HistogramFraction => {
            // These read native histograms only; float series yield nothing.
            for arg in &call.args {
                ev.eval(arg, steps)?;
            }
            Ok(Evaluated::Vector(Vec::new()))
        }
        _ => Err(EvalError::BadData(format!(
            "function {:?} is not implemented",
            func.name()
        ))),
    }
}

fn arg(call: &Call, index: usize) -> Result<&Expr, EvalError> {
    call.args.get(index).ok_or_else(|| {
        EvalError::BadData(format!(
            "missing argument {} in call to {:?}",
            index + 1,
            call.func.name()
        ))
    })
}

fn vector_arg(
    ev: &mut Evaluator<'_>,
    call: &Call,
    index: usize,
    steps: &StepRange,
) -> Result<Vec<StepSeries>, EvalError> {
    ev.eval_vector(arg(call, index)?, steps)
}

fn scalar_arg(
    ev: &mut Evaluator<'_>,
    call: &Call,
    index: usize,
    steps: &StepRange,
) -> Result<Vec<f64>, EvalError> {
    ev.eval_scalar(arg(call, index)?, steps)
}

fn string_arg(call: &Call, index: usize) -> Result<&str, EvalError> {
    match arg(call, index)? {
        Expr::String(s) => Ok(s),
        _ => Err(EvalError::BadData(format!(
            "expected a string literal as argument {} of {:?}",
            index + 1,
            call.func.name()
        ))),
    }
}

/// Maps every point through `f` (`None` drops it), dropping the metric name
/// when `drop_name`; equal resulting label sets at one step are an error.
fn map_values(
    input: Vec<StepSeries>,
    drop_name: bool,
    mut f: impl FnMut(u32, f64) -> Option<f64>,
) -> Result<Evaluated, EvalError> {
    let mut builder = SeriesBuilder::new();
    for series in input {
        let mut id = None;
        for point in &series.points {
            let Some(value) = f(point.step, point.value) else {
                continue;
            };
            let id = *id.get_or_insert_with(|| {
                let id = builder.id(if drop_name {
                    series.labels.without_metric_name()
                } else {
                    series.labels.clone()
                });
                builder.reserve(id, series.points.len());
                id
            });
            builder.push(id, point.step, value)?;
        }
    }
    Ok(Evaluated::Vector(builder.finish()?))
}

/// Gives every series new labels, keeping its points.
fn relabel(input: Vec<StepSeries>, f: impl Fn(&Labels) -> Labels) -> Result<Evaluated, EvalError> {
    let mut builder = SeriesBuilder::new();
    for series in input {
        let id = builder.id(f(&series.labels));
        builder.reserve(id, series.points.len());
        for point in &series.points {
            builder.push(id, point.step, point.value)?;
        }
    }
    Ok(Evaluated::Vector(builder.finish()?))
}

/// `scalar(v)`: the value of the only element, NaN unless there is exactly one.
fn scalar_of(input: &[StepSeries], steps: &StepRange) -> Vec<f64> {
    let mut values = vec![f64::NAN; steps.len()];
    let mut counts = vec![0u32; steps.len()];
    for series in input {
        for p in &series.points {
            let step = p.step as usize;
            counts[step] += 1;
            values[step] = p.value;
        }
    }
    for (value, count) in values.iter_mut().zip(counts) {
        if count != 1 {
            *value = f64::NAN;
        }
    }
    values
}

/// `timestamp(v)`: the sample timestamps of a selector argument, otherwise
/// the evaluation time.
fn timestamp(
    ev: &mut Evaluator<'_>,
    call: &Call,
    steps: &StepRange,
) -> Result<Evaluated, EvalError> {
    let input = match arg(call, 0)? {
        Expr::Vector(sel) => {
            let mut sel = sel.clone();
            if sel.at.is_some() {
                // Prometheus 2.42 reads the sample at the `@` time itself:
                // it overwrites the selector's offset for timestamp().
                sel.offset_ms = 0;
            }
            let series = selectors::eval_vector_selector(ev, &sel, steps, Pick::Timestamp)?;
            return map_values(series, true, |_, v| Some(v));
        }
        other => ev.eval_vector(other, steps)?,
    };
    map_values(input, true, |step, _| {
        Some(steps.time(step) as f64 / 1000.0)
    })
}

/// The calendar functions: of the argument's values, or of the evaluation
/// time without an argument.
fn calendar_call(
    ev: &mut Evaluator<'_>,
    call: &Call,
    steps: &StepRange,
) -> Result<Evaluated, EvalError> {
    let func = call.func;
    if call.args.is_empty() {
        let points = (0..steps.count())
            .map(|step| Point {
                step,
                value: calendar(func, steps.time(step) as f64 / 1000.0),
            })
            .collect();
        return Ok(Evaluated::Vector(vec![StepSeries {
            labels: Labels::empty(),
            points,
        }]));
    }
    let input = vector_arg(ev, call, 0, steps)?;
    map_values(input, true, |_, v| Some(calendar(func, v)))
}

/// `sort` / `sort_desc` of an instant vector: NaN always last.
fn sort_instant(series: &mut [StepSeries], descending: bool) {
    let value = |s: &StepSeries| s.points.first().map_or(f64::NAN, |p| p.value);
    if descending {
        // Go: sort.Reverse(vectorByValueHeap).
        sort_by_less(series, |a, b| nan_first_ascending(value(b), value(a)));
    } else {
        // Go: sort.Reverse(vectorByReverseValueHeap).
        sort_by_less(series, |a, b| nan_first_descending(value(b), value(a)));
    }
}

/// `absent(v)`: 1 at the steps where `v` is empty.
fn absent(ev: &mut Evaluator<'_>, call: &Call, steps: &StepRange) -> Result<Evaluated, EvalError> {
    let expr = arg(call, 0)?;
    let input = ev.eval_vector(expr, steps)?;
    let mut covered = vec![false; steps.len()];
    for s in &input {
        for p in &s.points {
            covered[p.step as usize] = true;
        }
    }
    let points: Vec<Point> = (0..steps.count())
        .filter(|&step| !covered[step as usize])
        .map(|step| Point { step, value: 1.0 })
        .collect();
    if points.is_empty() {
        return Ok(Evaluated::Vector(Vec::new()));
    }
    let labels = match expr {
        Expr::Vector(sel) => labels_for_absent(&sel.matchers),
        _ => Labels::empty(),
    };
    Ok(Evaluated::Vector(vec![StepSeries { labels, points }]))
}

/// `histogram_quantile(q, buckets)` over classic bucket series, grouped by
/// their labels without `le` (histograms of different metric names are kept
/// apart).
fn histogram_quantile(
    ev: &mut Evaluator<'_>,
    q: &[f64],
    input: &[StepSeries],
    steps: &StepRange,
) -> Result<Vec<StepSeries>, EvalError> {
    let excluded = [METRIC_NAME_LABEL.to_string(), "le".to_string()];
    let mut group_index: HashMap<(Labels, String), usize> = HashMap::new();
    let mut group_labels: Vec<Labels> = Vec::new();
    // Per series: its group and upper bound, or None without a valid `le`.
    let mut membership: Vec<Option<(usize, f64)>> = Vec::with_capacity(input.len());
    for s in input {
        let Some(bound) = s.labels.get("le").and_then(parse_bound) else {
            membership.push(None);
            continue;
        };
        let labels = crate::eval::labelset::remove(&s.labels, &excluded);
        let name = s.labels.metric_name().unwrap_or("").to_string();
        let next = group_labels.len();
        let group = *group_index
            .entry((labels.clone(), name))
            .or_insert_with(|| {
                group_labels.push(labels);
                next
            });
        membership.push(Some((group, bound)));
    }
    let mut buckets: Vec<(u32, Vec<Bucket>)> = vec![(0, Vec::new()); group_labels.len()];
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
        for &(index, count) in &present {
            let Some((group, upper_bound)) = membership[index] else {
                continue;
            };
            let (seen, list) = &mut buckets[group];
            if *seen != mark {
                *seen = mark;
                list.clear();
                order.push(group);
            }
            list.push(Bucket { upper_bound, count });
        }
        let q = q.get(step as usize).copied().unwrap_or(f64::NAN);
        for &group in &order {
            let value = bucket_quantile(q, &mut buckets[group].1);
            let id = *out_ids[group].get_or_insert_with(|| builder.id(group_labels[group].clone()));
            builder.push(id, step, value)?;
        }
    }
    builder.finish()
}
