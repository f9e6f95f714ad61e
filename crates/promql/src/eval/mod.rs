//! The evaluator: walks the syntax tree once per node over a whole step grid
//! (one step for instant queries), the way Prometheus's engine does.
//!
//! Every node returns an [`Evaluated`]: one value per step for scalars, or
//! series with sparse per-step points for instant vectors. Parents combine
//! their children's values step by step with cursors, so no node rescans data
//! from the start for each step, and label sets are handled once per series.

pub(crate) mod aggregate;
pub(crate) mod binary;
pub(crate) mod call;
pub(crate) mod collect;
pub(crate) mod go_sort;
pub(crate) mod labelset;
pub(crate) mod limits;
pub(crate) mod parallel;
pub(crate) mod range_call;
pub(crate) mod selectors;
pub(crate) mod steps;
pub(crate) mod subquery;

use crate::ast::{AtModifier, Expr};
use crate::error::EvalError;
use crate::options::QueryOptions;
use crate::source::SeriesSource;
use estuary_types::{LabelMatcher, Labels, Sample, TimeRange};
use limits::Limits;
use steps::{Evaluated, StepRange, StepSeries};

/// State of one query evaluation.
pub(crate) struct Evaluator<'a> {
    pub(crate) source: &'a dyn SeriesSource,
    pub(crate) opts: &'a QueryOptions,
    /// Start of the query range: what `@ start()` means.
    query_start: i64,
    /// End of the query range: what `@ end()` means.
    query_end: i64,
    pub(crate) limits: Limits,
}

impl<'a> Evaluator<'a> {
    /// An evaluator for a query over `[query_start, query_end]`.
    pub fn new(
        source: &'a dyn SeriesSource,
        opts: &'a QueryOptions,
        query_start: i64,
        query_end: i64,
    ) -> Self {
        Evaluator {
            source,
            opts,
            query_start,
            query_end,
            limits: Limits::new(opts),
        }
    }

    /// Evaluates `expr` at every time of `steps`.
    pub fn eval(&mut self, expr: &Expr, steps: &StepRange) -> Result<Evaluated, EvalError> {
        self.limits.check_deadline()?;
        let before = self.limits.samples();
        let value = self.eval_node(expr, steps)?;
        let held = value.sample_count();
        // The result exists while its inputs still do; then the inputs go.
        self.limits.add_samples(held)?;
        self.limits.set_samples(before.saturating_add(held));
        Ok(value)
    }

    fn eval_node(&mut self, expr: &Expr, steps: &StepRange) -> Result<Evaluated, EvalError> {
        match expr {
            Expr::Number(v) => Ok(Evaluated::Scalar(vec![*v; steps.len()])),
            Expr::String(s) => Ok(Evaluated::String(s.clone())),
            Expr::Vector(sel) => Ok(Evaluated::Vector(selectors::eval_vector_selector(
                self,
                sel,
                steps,
                selectors::Pick::Value,
            )?)),
            Expr::Matrix(ms) => {
                single_step(steps)?;
                Ok(Evaluated::Matrix(selectors::eval_matrix_selector(
                    self, ms, steps,
                )?))
            }
            Expr::Subquery(sq) => {
                single_step(steps)?;
                Ok(Evaluated::Matrix(
                    subquery::eval_subquery(self, sq, steps)?.0,
                ))
            }
            Expr::Negate(inner) => negate(self.eval(inner, steps)?),
            Expr::Binary(bin) => binary::eval_binary(self, bin, steps),
            Expr::Aggregate(agg) => aggregate::eval_aggregate(self, agg, steps),
            Expr::Call(call) => call::eval_call(self, call, steps),
        }
    }

    /// Evaluates an expression that must yield an instant vector.
    pub fn eval_vector(
        &mut self,
        expr: &Expr,
        steps: &StepRange,
    ) -> Result<Vec<StepSeries>, EvalError> {
        match self.eval(expr, steps)? {
            Evaluated::Vector(series) => Ok(series),
            other => Err(type_error("instant vector", &other)),
        }
    }

    /// Evaluates an expression that must yield a scalar.
    pub fn eval_scalar(&mut self, expr: &Expr, steps: &StepRange) -> Result<Vec<f64>, EvalError> {
        match self.eval(expr, steps)? {
            Evaluated::Scalar(values) => Ok(values),
            other => Err(type_error("scalar", &other)),
        }
    }

    /// The absolute time of an `@` modifier.
    pub fn at_time(&self, at: Option<AtModifier>) -> Option<i64> {
        at.map(|at| match at {
            AtModifier::Time(t) => t,
            AtModifier::Start => self.query_start,
            AtModifier::End => self.query_end,
        })
    }

    /// Visits the matching series of the source in label order, counting them
    /// against the series limit and checking the deadline as it goes.
    pub fn select_each(
        &mut self,
        matchers: &[LabelMatcher],
        range: TimeRange,
        mut visit: impl FnMut(&mut Limits, &Labels, &[Sample]) -> Result<(), EvalError>,
    ) -> Result<(), EvalError> {
        self.limits.check_deadline()?;
        let source = self.source;
        let limits = &mut self.limits;
        source.for_each_series(matchers, range, &mut |labels, samples| {
            limits.add_series(1)?;
            limits.tick()?;
            visit(limits, labels, samples)
        })
    }
}

/// Range vectors exist only at a single evaluation time.
fn single_step(steps: &StepRange) -> Result<(), EvalError> {
    if steps.len() != 1 {
        return Err(EvalError::BadData(
            "invalid expression type \"range vector\" for range query, must be Scalar or instant Vector"
                .to_string(),
        ));
    }
    Ok(())
}

fn type_error(expected: &str, got: &Evaluated) -> EvalError {
    let got = match got {
        Evaluated::Scalar(_) => "scalar",
        Evaluated::String(_) => "string",
        Evaluated::Vector(_) => "instant vector",
        Evaluated::Matrix(_) => "range vector",
    };
    EvalError::BadData(format!("expected {expected}, got {got}"))
}

/// Unary minus: negates values and drops the metric name.
fn negate(value: Evaluated) -> Result<Evaluated, EvalError> {
    match value {
        Evaluated::Scalar(values) => {
            Ok(Evaluated::Scalar(values.into_iter().map(|v| -v).collect()))
        }
        Evaluated::Vector(mut series) => {
            for s in &mut series {
                s.labels = s.labels.without_metric_name();
                for p in &mut s.points {
                    p.value = -p.value;
                }
            }
            collect::check_unique_labels(&series)?;
            Ok(Evaluated::Vector(series))
        }
        other => Err(type_error("scalar or instant vector", &other)),
    }
}
