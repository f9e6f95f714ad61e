//! The public entry points: instant and range evaluation, with results shaped
//! as Prometheus's `query` and `query_range` answers.

use crate::ast::{Expr, ValueType};
use crate::error::EvalError;
use crate::eval::Evaluator;
use crate::eval::steps::{Evaluated, StepRange};
use crate::options::QueryOptions;
use crate::source::SeriesSource;
use crate::value::{InstantSample, Series, Value};
use estuary_types::{Labels, Sample};

/// Evaluates `expr` at `time_ms`. Results keep Prometheus's types: scalar,
/// string, vector, or matrix (raw samples) for a range selector or subquery.
pub fn eval_instant(
    expr: &Expr,
    source: &dyn SeriesSource,
    time_ms: i64,
    opts: &QueryOptions,
) -> Result<Value, EvalError> {
    let steps = StepRange::instant(time_ms);
    let mut evaluator = Evaluator::new(source, opts, time_ms, time_ms);
    let value = match evaluator.eval(expr, &steps)? {
        Evaluated::Scalar(values) => Value::Scalar {
            timestamp: time_ms,
            value: values.first().copied().unwrap_or(f64::NAN),
        },
        Evaluated::String(value) => Value::String {
            timestamp: time_ms,
            value,
        },
        Evaluated::Vector(series) => Value::Vector(
            series
                .into_iter()
                .filter_map(|s| {
                    let value = s.points.first()?.value;
                    Some(InstantSample {
                        labels: s.labels,
                        timestamp: time_ms,
                        value,
                    })
                })
                .collect(),
        ),
        Evaluated::Matrix(series) => Value::Matrix(series),
    };
    Ok(value)
}

/// Evaluates `expr` at `start_ms, start_ms + step_ms, ... <= end_ms`. The
/// result is always a matrix sorted by labels, as Prometheus's `query_range`
/// answers; a scalar expression becomes one series without labels.
pub fn eval_range(
    expr: &Expr,
    source: &dyn SeriesSource,
    start_ms: i64,
    end_ms: i64,
    step_ms: i64,
    opts: &QueryOptions,
) -> Result<Value, EvalError> {
    let value_type = expr.value_type();
    if value_type != ValueType::Vector && value_type != ValueType::Scalar {
        return Err(EvalError::BadData(format!(
            "invalid expression type \"{}\" for range query, must be Scalar or instant Vector",
            value_type.documented_name()
        )));
    }
    if end_ms < start_ms {
        return Err(EvalError::BadData(
            "end timestamp must not be before start time".to_string(),
        ));
    }
    let steps = StepRange::new(start_ms, end_ms, step_ms)?;
    let mut evaluator = Evaluator::new(source, opts, start_ms, end_ms);
    let mut series = match evaluator.eval(expr, &steps)? {
        Evaluated::Scalar(values) => vec![Series {
            labels: Labels::empty(),
            samples: values
                .into_iter()
                .zip(0..steps.count())
                .map(|(value, step)| Sample::new(steps.time(step), value))
                .collect(),
        }],
        Evaluated::Vector(series) => series
            .into_iter()
            .map(|s| Series {
                labels: s.labels,
                samples: s
                    .points
                    .iter()
                    .map(|p| Sample::new(steps.time(p.step), p.value))
                    .collect(),
            })
            .collect(),
        Evaluated::String(_) | Evaluated::Matrix(_) => {
            return Err(EvalError::BadData(format!(
                "invalid expression type \"{}\" for range query, must be Scalar or instant Vector",
                value_type.documented_name()
            )));
        }
    };
    series.sort_by(|a, b| a.labels.cmp(&b.labels));
    Ok(Value::Matrix(series))
}
