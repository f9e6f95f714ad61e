//! Subqueries: the inner expression is evaluated once, on a grid of absolute
//! multiples of the subquery step covering every window the outer steps need.

use crate::ast::Subquery;
use crate::error::EvalError;
use crate::eval::Evaluator;
use crate::eval::selectors::WindowSpec;
use crate::eval::steps::{Evaluated, StepRange};
use crate::value::Series;
use estuary_types::Sample;

/// Evaluates the subquery for every step of `steps`; returns its series (one
/// sample per inner step) and the window each outer step reads from them.
pub(crate) fn eval_subquery(
    ev: &mut Evaluator<'_>,
    sq: &Subquery,
    steps: &StepRange,
) -> Result<(Vec<Series>, WindowSpec), EvalError> {
    let spec = WindowSpec {
        at: ev.at_time(sq.at),
        offset_ms: sq.offset_ms,
        range_ms: sq.range_ms,
    };
    if steps.len() == 0 {
        return Ok((Vec::new(), spec));
    }
    let covering = spec.covering(steps);
    let inner_step = sq.step_ms.unwrap_or(ev.opts.subquery_step_default_ms);
    let inner = StepRange::new(
        align_up(covering.start, inner_step),
        covering.end,
        inner_step,
    )?;
    // Every value on the inner grid is a sample held in memory: refuse grids
    // that could not fit before allocating anything for them.
    ev.limits.check_transient(inner.len())?;
    // The parser only allows subqueries of instant vectors.
    let Evaluated::Vector(series) = ev.eval(&sq.expr, &inner)? else {
        return Err(EvalError::BadData(
            "subquery is only allowed on instant vector expressions".to_string(),
        ));
    };
    let raw = series
        .into_iter()
        .map(|s| Series {
            labels: s.labels,
            samples: s
                .points
                .iter()
                .map(|p| Sample::new(inner.time(p.step), p.value))
                .collect(),
        })
        .collect();
    Ok((raw, spec))
}

/// The first multiple of `step` at or after `t` (also for negative `t`).
pub(crate) fn align_up(t: i64, step: i64) -> i64 {
    let floor = t.div_euclid(step) * step;
    if floor < t {
        floor.saturating_add(step)
    } else {
        floor
    }
}

#[cfg(test)]
mod tests {
    use super::align_up;

    #[test]
    fn alignment_rounds_up_to_absolute_multiples() {
        assert_eq!(align_up(10, 10), 10);
        assert_eq!(align_up(11, 10), 20);
        assert_eq!(align_up(-11, 10), -10);
        assert_eq!(align_up(-10, 10), -10);
        assert_eq!(align_up(0, 60_000), 0);
    }
}
