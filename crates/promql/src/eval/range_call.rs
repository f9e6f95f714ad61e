//! Functions of a range vector (`rate(x[5m])`, `max_over_time(q[1h:1m])`):
//! each series is read once and its window slides forward step by step.

use crate::ast::{Call, Expr};
use crate::error::EvalError;
use crate::eval::Evaluator;
use crate::eval::collect::check_unique_labels;
use crate::eval::limits::Limits;
use crate::eval::parallel;
use crate::eval::selectors::{self, WindowSpec, for_each_window};
use crate::eval::steps::{Evaluated, Point, StepRange, StepSeries};
use crate::eval::subquery;
use crate::functions::Function;
use crate::functions::over_time;
use crate::functions::rate::{RateKind, duration_seconds, extrapolated_rate, instant_value};
use estuary_types::parallel::map_batches;
use estuary_types::{LabelMatcher, Labels, METRIC_NAME_LABEL, MatchOp, Sample};

/// Whether `func` takes a range vector.
pub(crate) fn takes_range(func: Function) -> bool {
    matches!(
        func,
        Function::Rate
            | Function::Increase
            | Function::Delta
            | Function::Irate
            | Function::Idelta
            | Function::AvgOverTime
            | Function::CountOverTime
            | Function::LastOverTime
            | Function::MaxOverTime
            | Function::MinOverTime
            | Function::SumOverTime
            | Function::StddevOverTime
            | Function::StdvarOverTime
            | Function::QuantileOverTime
            | Function::AbsentOverTime
            | Function::PresentOverTime
            | Function::Changes
            | Function::Resets
            | Function::Deriv
            | Function::PredictLinear
            | Function::HoltWinters
    )
}

/// What a window function sees besides the samples.
struct WindowContext<'a> {
    /// The evaluation time.
    t: i64,
    /// The end of the window (after offset and `@`).
    end: i64,
    /// The range of the window.
    range_ms: i64,
    /// The range in seconds, as Go's `Duration.Seconds` gives it.
    range_seconds: f64,
    /// The scalar arguments, indexed by argument position, one value per step.
    scalars: &'a [Option<Vec<f64>>],
    /// The step index.
    step: u32,
    /// Whether the window may hold a counter reset.
    may_reset: bool,
}

impl WindowContext<'_> {
    fn scalar(&self, arg: usize) -> f64 {
        self.scalars
            .get(arg)
            .and_then(|values| values.as_ref())
            .and_then(|values| values.get(self.step as usize).copied())
            .unwrap_or(f64::NAN)
    }
}

/// Evaluates a function of a range vector over every step.
pub(crate) fn eval_range_call(
    ev: &mut Evaluator<'_>,
    call: &Call,
    steps: &StepRange,
) -> Result<Evaluated, EvalError> {
    let func = call.func;
    let matrix_arg = usize::from(func == Function::QuantileOverTime);
    // Scalar arguments first, as Prometheus evaluates them.
    let mut scalars = Vec::with_capacity(call.args.len());
    for (i, arg) in call.args.iter().enumerate() {
        scalars.push(if i == matrix_arg {
            None
        } else {
            Some(ev.eval_scalar(arg, steps)?)
        });
    }
    let keep_name = func == Function::LastOverTime;
    let mut out = Vec::new();
    let absent_labels = match call.args.get(matrix_arg) {
        Some(Expr::Matrix(ms)) => {
            let spec = selectors::range_spec(ev, ms);
            match selectors::lend_range_series(ev, ms, steps)? {
                Some(lent) => {
                    // Series are independent: large inputs go over several
                    // threads. Work: every sample, and every window.
                    let samples: usize = lent.iter().map(|(_, samples)| samples.len()).sum();
                    let work = samples.saturating_add(lent.len().saturating_mul(steps.len()));
                    let limits = &ev.limits;
                    let scalars = &scalars;
                    let threads = parallel::threads_for(work);
                    let batch_len = parallel::batch_len(lent.len(), threads);
                    out = map_batches(
                        &lent,
                        threads,
                        batch_len,
                        || (),
                        |_, part| {
                            let mut out = Vec::with_capacity(part.len());
                            for &(labels, samples) in part {
                                let samples = selectors::without_stale(samples);
                                if samples.is_empty() {
                                    continue;
                                }
                                let points = apply_to_windows(
                                    limits, func, &samples, &spec, scalars, steps,
                                )?;
                                push_result(&mut out, labels, points, keep_name);
                            }
                            Ok(out)
                        },
                    )?;
                }
                None => {
                    selectors::for_each_range_series(ev, ms, steps, |limits, labels, samples| {
                        let points =
                            apply_to_windows(limits, func, samples, &spec, &scalars, steps)?;
                        push_result(&mut out, labels, points, keep_name);
                        Ok(())
                    })?;
                }
            }
            labels_for_absent(&ms.selector.matchers)
        }
        Some(Expr::Subquery(sq)) => {
            let (series, spec) = subquery::eval_subquery(ev, sq, steps)?;
            for s in series {
                ev.limits.tick()?;
                let points =
                    apply_to_windows(&ev.limits, func, &s.samples, &spec, &scalars, steps)?;
                push_result(&mut out, &s.labels, points, keep_name);
            }
            Labels::empty()
        }
        _ => {
            return Err(EvalError::BadData(format!(
                "expected a range vector argument in call to {:?}",
                func.name()
            )));
        }
    };
    if func == Function::AbsentOverTime {
        return Ok(Evaluated::Vector(absent_steps(&out, steps, absent_labels)));
    }
    check_unique_labels(&out)?;
    Ok(Evaluated::Vector(out))
}

fn push_result(out: &mut Vec<StepSeries>, labels: &Labels, points: Vec<Point>, keep_name: bool) {
    if points.is_empty() {
        return;
    }
    let labels = if keep_name {
        labels.clone()
    } else {
        labels.without_metric_name()
    };
    out.push(StepSeries { labels, points });
}

/// Applies `func` to the window of every step over one series' samples.
fn apply_to_windows(
    limits: &Limits,
    func: Function,
    samples: &[Sample],
    spec: &WindowSpec,
    scalars: &[Option<Vec<f64>>],
    steps: &StepRange,
) -> Result<Vec<Point>, EvalError> {
    // Counter functions look for resets in every window. Where windows
    // overlap a lot, a running count of resets tells them in O(1) when a
    // window has none; where they barely overlap (a day at a 5-minute step),
    // scanning each window costs less than counting every sample.
    let counter = matches!(func, Function::Rate | Function::Increase);
    let scan_windows = spec.range_ms <= 2 * steps.step;
    let resets_before = if counter && !scan_windows {
        reset_counts(samples)
    } else {
        Vec::new()
    };
    let range_seconds = duration_seconds(spec.range_ms);
    let mut points = Vec::with_capacity(windows_max(samples.len(), spec.range_ms, steps));
    for_each_window(samples, steps, spec, |step, t, end, first, window| {
        limits.check_transient(window.len())?;
        // Without the running count, the rate's own pass over the window
        // looks for resets: a scan beforehand would only read it twice.
        let may_reset = match resets_before.get(first) {
            Some(&before) => resets_before.get(first + window.len() - 1) != Some(&before),
            None => true,
        };
        let ctx = WindowContext {
            t,
            end,
            range_ms: spec.range_ms,
            range_seconds,
            scalars,
            step,
            may_reset,
        };
        if let Some(value) = apply(func, window, &ctx)? {
            points.push(Point { step, value });
        }
        Ok(())
    })?;
    Ok(points)
}

/// At most how many steps' windows can hold some of `samples` samples: each
/// sample lies in the windows of at most `range_ms / step + 1` steps. Sizes
/// the points of a series once instead of regrowing them.
fn windows_max(samples: usize, range_ms: i64, steps: &StepRange) -> usize {
    let per_sample = usize::try_from(range_ms / steps.step.max(1)).unwrap_or(usize::MAX);
    samples
        .saturating_mul(per_sample.saturating_add(1))
        .min(steps.len())
}

/// For each sample, how many counter resets (drops) happened up to it.
fn reset_counts(samples: &[Sample]) -> Vec<u32> {
    let mut count = 0u32;
    let mut out = Vec::with_capacity(samples.len());
    let mut previous = f64::NAN;
    for s in samples {
        if s.value < previous {
            count += 1;
        }
        previous = s.value;
        out.push(count);
    }
    out
}

/// One function applied to one non-empty window.
fn apply(
    func: Function,
    window: &[Sample],
    ctx: &WindowContext<'_>,
) -> Result<Option<f64>, EvalError> {
    let value = match func {
        Function::Rate => extrapolated_rate(
            window,
            ctx.end,
            ctx.range_ms,
            ctx.range_seconds,
            RateKind::Rate,
            ctx.may_reset,
        ),
        Function::Increase => extrapolated_rate(
            window,
            ctx.end,
            ctx.range_ms,
            ctx.range_seconds,
            RateKind::Increase,
            ctx.may_reset,
        ),
        Function::Delta => extrapolated_rate(
            window,
            ctx.end,
            ctx.range_ms,
            ctx.range_seconds,
            RateKind::Delta,
            false,
        ),
        Function::Irate => instant_value(window, true),
        Function::Idelta => instant_value(window, false),
        Function::AvgOverTime => Some(over_time::avg(window)),
        Function::CountOverTime => Some(window.len() as f64),
        Function::LastOverTime => window.last().map(|s| s.value),
        Function::MaxOverTime => Some(over_time::max(window)),
        Function::MinOverTime => Some(over_time::min(window)),
        Function::SumOverTime => Some(over_time::sum(window)),
        Function::StddevOverTime => Some(over_time::stdvar(window).sqrt()),
        Function::StdvarOverTime => Some(over_time::stdvar(window)),
        Function::QuantileOverTime => Some(over_time::quantile_of(ctx.scalar(0), window)),
        Function::AbsentOverTime | Function::PresentOverTime => Some(1.0),
        Function::Changes => Some(over_time::changes(window)),
        Function::Resets => Some(over_time::resets(window)),
        Function::Deriv => over_time::deriv(window),
        Function::PredictLinear => over_time::predict_linear(window, ctx.t, ctx.scalar(1)),
        Function::HoltWinters => over_time::holt_winters(window, ctx.scalar(1), ctx.scalar(2))?,
        _ => panic!("BUG: {} does not take a range vector", func.name()),
    };
    Ok(value)
}

/// `absent_over_time`: 1 at every step where no series had samples.
fn absent_steps(present: &[StepSeries], steps: &StepRange, labels: Labels) -> Vec<StepSeries> {
    let mut covered = vec![false; steps.len()];
    for s in present {
        for p in &s.points {
            covered[p.step as usize] = true;
        }
    }
    let points: Vec<Point> = (0..steps.count())
        .filter(|&step| !covered[step as usize])
        .map(|step| Point { step, value: 1.0 })
        .collect();
    if points.is_empty() {
        return Vec::new();
    }
    vec![StepSeries { labels, points }]
}

/// The labels `absent(...)` and `absent_over_time(...)` report for a
/// selector: its equality matchers, except `__name__` and names that have
/// more than one matcher or a non-equality matcher.
pub(crate) fn labels_for_absent(matchers: &[LabelMatcher]) -> Labels {
    let mut set: Vec<(&str, &str)> = Vec::new();
    let mut dropped: Vec<&str> = Vec::new();
    for m in matchers {
        if m.name == METRIC_NAME_LABEL {
            continue;
        }
        if m.op == MatchOp::Equal && !set.iter().any(|(n, _)| *n == m.name) {
            set.push((&m.name, &m.value));
        } else {
            dropped.push(&m.name);
        }
    }
    set.retain(|(name, _)| !dropped.contains(name));
    Labels::new_last_wins(
        set.into_iter()
            .map(|(n, v)| estuary_types::Label::new(n, v))
            .collect(),
    )
}
