//! Binary operators: scalar/scalar, vector/scalar, and vector/vector with
//! `on`/`ignoring`, `group_left`/`group_right`, `bool` and set operators.

use crate::ast::{BinaryExpr, BinaryOp, Cardinality, ValueType, VectorMatching};
use crate::error::EvalError;
use crate::eval::Evaluator;
use crate::eval::collect::SeriesBuilder;
use crate::eval::labelset;
use crate::eval::steps::{Evaluated, StepCursor, StepRange, StepSeries};
use crate::functions::go_math;
use estuary_types::{Labels, METRIC_NAME_LABEL};
use std::collections::HashMap;

/// Evaluates a binary expression over every step.
pub(crate) fn eval_binary(
    ev: &mut Evaluator<'_>,
    bin: &BinaryExpr,
    steps: &StepRange,
) -> Result<Evaluated, EvalError> {
    let lhs_type = bin.lhs.value_type();
    let rhs_type = bin.rhs.value_type();
    match (lhs_type, rhs_type) {
        (ValueType::Scalar, ValueType::Scalar) => {
            let lhs = ev.eval_scalar(&bin.lhs, steps)?;
            let rhs = ev.eval_scalar(&bin.rhs, steps)?;
            let values = lhs
                .iter()
                .zip(&rhs)
                .map(|(l, r)| scalar_binop(bin.op, *l, *r))
                .collect();
            Ok(Evaluated::Scalar(values))
        }
        (ValueType::Vector, ValueType::Scalar) => {
            let lhs = ev.eval_vector(&bin.lhs, steps)?;
            let rhs = ev.eval_scalar(&bin.rhs, steps)?;
            Ok(Evaluated::Vector(vector_scalar(bin, lhs, &rhs, false)?))
        }
        (ValueType::Scalar, ValueType::Vector) => {
            let lhs = ev.eval_scalar(&bin.lhs, steps)?;
            let rhs = ev.eval_vector(&bin.rhs, steps)?;
            Ok(Evaluated::Vector(vector_scalar(bin, rhs, &lhs, true)?))
        }
        (ValueType::Vector, ValueType::Vector) => {
            let lhs = ev.eval_vector(&bin.lhs, steps)?;
            let rhs = ev.eval_vector(&bin.rhs, steps)?;
            let series = if bin.op.is_set() {
                set_operation(ev, bin.op, &bin.matching, lhs, rhs, steps)?
            } else {
                vector_vector(ev, bin, lhs, rhs, steps)?
            };
            Ok(Evaluated::Vector(series))
        }
        _ => Err(EvalError::BadData(
            "binary expression must contain only scalar and instant vector types".to_string(),
        )),
    }
}

/// An operation between two scalars; comparisons give 0 or 1.
pub(crate) fn scalar_binop(op: BinaryOp, lhs: f64, rhs: f64) -> f64 {
    let (value, keep) = element_binop(op, lhs, rhs);
    if op.is_comparison() {
        if keep { 1.0 } else { 0.0 }
    } else {
        value
    }
}

/// An operation between two vector elements: the value and, for
/// comparisons, whether the element is kept (the value is then the left one).
pub(crate) fn element_binop(op: BinaryOp, lhs: f64, rhs: f64) -> (f64, bool) {
    match op {
        BinaryOp::Add => (lhs + rhs, true),
        BinaryOp::Sub => (lhs - rhs, true),
        BinaryOp::Mul => (lhs * rhs, true),
        BinaryOp::Div => (lhs / rhs, true),
        // Go's math.Mod and C's fmod agree: the sign follows the dividend.
        BinaryOp::Mod => (lhs % rhs, true),
        BinaryOp::Pow => (go_math::pow(lhs, rhs), true),
        BinaryOp::Atan2 => (lhs.atan2(rhs), true),
        BinaryOp::Eq => (lhs, lhs == rhs),
        BinaryOp::Ne => (lhs, lhs != rhs),
        BinaryOp::Gt => (lhs, lhs > rhs),
        BinaryOp::Lt => (lhs, lhs < rhs),
        BinaryOp::Ge => (lhs, lhs >= rhs),
        BinaryOp::Le => (lhs, lhs <= rhs),
        BinaryOp::And | BinaryOp::Or | BinaryOp::Unless => {
            panic!("BUG: set operator {op:?} reached element arithmetic")
        }
    }
}

/// A vector against a scalar. `swapped` when the scalar is the left operand;
/// comparisons then still keep the vector's value.
fn vector_scalar(
    bin: &BinaryExpr,
    vector: Vec<StepSeries>,
    scalar: &[f64],
    swapped: bool,
) -> Result<Vec<StepSeries>, EvalError> {
    let drop_name = bin.op.drops_metric_name() || bin.return_bool;
    let mut builder = SeriesBuilder::new();
    for series in vector {
        let mut id = None;
        for point in &series.points {
            let other = scalar.get(point.step as usize).copied().unwrap_or(f64::NAN);
            let (lhs, rhs) = if swapped {
                (other, point.value)
            } else {
                (point.value, other)
            };
            let (mut value, mut keep) = element_binop(bin.op, lhs, rhs);
            if bin.op.is_comparison() && swapped {
                value = rhs;
            }
            if bin.return_bool {
                value = if keep { 1.0 } else { 0.0 };
                keep = true;
            }
            if !keep {
                continue;
            }
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
    builder.finish()
}

/// Interns matching signatures as small integers.
fn signature_ids(
    lhs: &[StepSeries],
    rhs: &[StepSeries],
    matching: &VectorMatching,
) -> (Vec<usize>, Vec<usize>, usize) {
    let mut ids: HashMap<Vec<u8>, usize> = HashMap::new();
    let mut intern = |labels: &Labels| {
        let signature = labelset::signature(labels, matching.on, &matching.labels);
        let next = ids.len();
        *ids.entry(signature).or_insert(next)
    };
    let left = lhs.iter().map(|s| intern(&s.labels)).collect();
    let right = rhs.iter().map(|s| intern(&s.labels)).collect();
    (left, right, ids.len())
}

/// `and`, `or`, `unless`, step by step.
fn set_operation(
    ev: &mut Evaluator<'_>,
    op: BinaryOp,
    matching: &VectorMatching,
    lhs: Vec<StepSeries>,
    rhs: Vec<StepSeries>,
    steps: &StepRange,
) -> Result<Vec<StepSeries>, EvalError> {
    let (left_sig, right_sig, signatures) = signature_ids(&lhs, &rhs, matching);
    let mut stamp = vec![0u32; signatures];
    let mut left_ids = vec![None; lhs.len()];
    let mut right_ids = vec![None; rhs.len()];
    let mut builder = SeriesBuilder::new();
    let mut left_cursor = StepCursor::new(lhs.len());
    let mut right_cursor = StepCursor::new(rhs.len());
    let mut left_present = Vec::new();
    let mut right_present = Vec::new();
    for step in 0..steps.count() {
        ev.limits.tick()?;
        left_cursor.present(&lhs, step, &mut left_present);
        right_cursor.present(&rhs, step, &mut right_present);
        let mark = step + 1;
        let mut emit_left = |builder: &mut SeriesBuilder, index: usize, value: f64| {
            let id = *left_ids[index].get_or_insert_with(|| builder.id(lhs[index].labels.clone()));
            builder.push(id, step, value)
        };
        match op {
            BinaryOp::And => {
                if left_present.is_empty() || right_present.is_empty() {
                    continue;
                }
                for &(index, _) in &right_present {
                    stamp[right_sig[index]] = mark;
                }
                for &(index, value) in &left_present {
                    if stamp[left_sig[index]] == mark {
                        emit_left(&mut builder, index, value)?;
                    }
                }
            }
            BinaryOp::Unless => {
                if !left_present.is_empty() && !right_present.is_empty() {
                    for &(index, _) in &right_present {
                        stamp[right_sig[index]] = mark;
                    }
                }
                for &(index, value) in &left_present {
                    if stamp[left_sig[index]] != mark {
                        emit_left(&mut builder, index, value)?;
                    }
                }
            }
            BinaryOp::Or => {
                for &(index, value) in &left_present {
                    stamp[left_sig[index]] = mark;
                    emit_left(&mut builder, index, value)?;
                }
                for &(index, value) in &right_present {
                    if stamp[right_sig[index]] == mark {
                        continue;
                    }
                    let id = *right_ids[index]
                        .get_or_insert_with(|| builder.id(rhs[index].labels.clone()));
                    builder.push(id, step, value)?;
                }
            }
            _ => panic!("BUG: {op:?} is not a set operator"),
        }
    }
    builder.finish()
}

/// Arithmetic and comparisons between two vectors, step by step, with
/// Prometheus's one-to-one / many-to-one matching rules and errors.
fn vector_vector(
    ev: &mut Evaluator<'_>,
    bin: &BinaryExpr,
    lhs: Vec<StepSeries>,
    rhs: Vec<StepSeries>,
    steps: &StepRange,
) -> Result<Vec<StepSeries>, EvalError> {
    let matching = &bin.matching;
    let (left_sig, right_sig, signatures) = signature_ids(&lhs, &rhs, matching);
    // For one-to-many, the right side is the "many" side: swap, and swap the
    // operands back when computing values.
    let swapped = matching.card == Cardinality::OneToMany;
    let (many, one, many_sig, one_sig) = if swapped {
        (&rhs, &lhs, &right_sig, &left_sig)
    } else {
        (&lhs, &rhs, &left_sig, &right_sig)
    };
    let mut one_by_sig: Vec<(u32, usize, f64)> = vec![(0, 0, 0.0); signatures];
    let mut matched: Vec<u32> = vec![0; signatures];
    let mut out_marks: Vec<(u32, usize)> = Vec::new();
    let mut pair_ids: HashMap<(usize, usize), usize> = HashMap::new();
    let mut last_pair: Vec<Option<(usize, usize)>> = vec![None; many.len()];
    let mut builder = SeriesBuilder::new();
    let mut many_cursor = StepCursor::new(many.len());
    let mut one_cursor = StepCursor::new(one.len());
    let mut many_present = Vec::new();
    let mut one_present = Vec::new();
    for step in 0..steps.count() {
        ev.limits.tick()?;
        many_cursor.present(many, step, &mut many_present);
        one_cursor.present(one, step, &mut one_present);
        if many_present.is_empty() || one_present.is_empty() {
            continue;
        }
        let mark = step + 1;
        for &(index, value) in &one_present {
            let sig = one_sig[index];
            let (seen, other, _) = one_by_sig[sig];
            if seen == mark {
                return Err(duplicate_one_side(
                    matching,
                    swapped,
                    &one[index].labels,
                    &one[other].labels,
                ));
            }
            one_by_sig[sig] = (mark, index, value);
        }
        for &(index, many_value) in &many_present {
            let sig = many_sig[index];
            let (seen, one_index, one_value) = one_by_sig[sig];
            if seen != mark {
                continue;
            }
            let (vl, vr) = if swapped {
                (one_value, many_value)
            } else {
                (many_value, one_value)
            };
            let (mut value, keep) = element_binop(bin.op, vl, vr);
            if bin.return_bool {
                value = if keep { 1.0 } else { 0.0 };
            } else if !keep {
                continue;
            }
            // Pairs rarely change from step to step: remember the last one.
            let id = match last_pair[index] {
                Some((cached_one, id)) if cached_one == one_index => id,
                _ => {
                    let id = match pair_ids.get(&(index, one_index)) {
                        Some(&id) => id,
                        None => {
                            let labels =
                                result_labels(bin, &many[index].labels, &one[one_index].labels);
                            let id = builder.id(labels);
                            builder.reserve(id, many[index].points.len());
                            pair_ids.insert((index, one_index), id);
                            id
                        }
                    };
                    last_pair[index] = Some((one_index, id));
                    id
                }
            };
            if matching.card == Cardinality::OneToOne {
                if matched[sig] == mark {
                    return Err(EvalError::exec(
                        "multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)",
                    ));
                }
                matched[sig] = mark;
            } else {
                if out_marks.len() <= id {
                    out_marks.resize(id + 1, (0, 0));
                }
                if out_marks[id] == (mark, sig) {
                    return Err(EvalError::exec(
                        "multiple matches for labels: grouping labels must ensure unique matches",
                    ));
                }
                out_marks[id] = (mark, sig);
            }
            builder.push(id, step, value)?;
        }
    }
    builder.finish()
}

/// The labels of a vector/vector result: Prometheus's `resultMetric`.
fn result_labels(bin: &BinaryExpr, many: &Labels, one: &Labels) -> Labels {
    let matching = &bin.matching;
    let mut labels = if bin.op.drops_metric_name() {
        many.without_metric_name()
    } else {
        many.clone()
    };
    if matching.card == Cardinality::OneToOne {
        labels = if matching.on {
            labelset::keep(&labels, &matching.labels)
        } else {
            labelset::remove(&labels, &matching.labels)
        };
    }
    for name in &matching.include {
        labels = labelset::set(&labels, name, one.get(name).unwrap_or(""));
    }
    if bin.return_bool {
        labels = labels.without_metric_name();
    }
    labels
}

fn duplicate_one_side(
    matching: &VectorMatching,
    swapped: bool,
    series: &Labels,
    duplicate: &Labels,
) -> EvalError {
    let group = if matching.on {
        labelset::keep(series, &matching.labels)
    } else {
        let mut names = matching.labels.clone();
        names.push(METRIC_NAME_LABEL.to_string());
        labelset::remove(series, &names)
    };
    let side = if swapped { "left" } else { "right" };
    let group = labelset::to_prometheus_string(&group);
    let series = labelset::to_prometheus_string(series);
    let duplicate = labelset::to_prometheus_string(duplicate);
    EvalError::exec(format!(
        "found duplicate series for the match group {group} on the {side} hand-side of the operation: [{series}, {duplicate}];many-to-many matching not allowed: matching labels must be unique on one side"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scalar_comparisons_give_booleans() {
        assert_eq!(scalar_binop(BinaryOp::Eq, 1.0, 1.0), 1.0);
        assert_eq!(scalar_binop(BinaryOp::Gt, 1.0, 2.0), 0.0);
    }

    #[test]
    fn division_and_modulo_follow_ieee_and_go() {
        assert_eq!(scalar_binop(BinaryOp::Div, 1.0, 0.0), f64::INFINITY);
        assert_eq!(scalar_binop(BinaryOp::Div, -1.0, 0.0), f64::NEG_INFINITY);
        assert!(scalar_binop(BinaryOp::Div, 0.0, 0.0).is_nan());
        assert!(scalar_binop(BinaryOp::Mod, 1.0, 0.0).is_nan());
        assert_eq!(scalar_binop(BinaryOp::Mod, -7.0, 3.0), -1.0);
        assert_eq!(scalar_binop(BinaryOp::Mod, 7.0, f64::INFINITY), 7.0);
        assert_eq!(scalar_binop(BinaryOp::Pow, 1.0, f64::NAN), 1.0);
        assert_eq!(scalar_binop(BinaryOp::Pow, f64::NAN, 0.0), 1.0);
    }
}
