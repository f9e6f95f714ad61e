//! [`QueryWorker`]: where a query's syntax tree lives from parsing to
//! evaluation.
//!
//! Everything that walks the tree recurses once per level (parser, planner,
//! evaluator, destructor). A query that may nest deeply runs on a thread of
//! its own whose stack fits the deepest tree [`super::nesting`] lets through;
//! the async side only ever sees the flat selector plans and the result. The
//! thread also keeps evaluation, which is CPU work, off the async runtime.
//!
//! ```text
//! async handler                    query thread
//!   start ─────── text ──────────▶ parse, plan
//!         ◀────── plans ──────────
//!   fetch from storage             (waits)
//!   evaluate ──── source ────────▶ evaluate, drop the tree
//!            ◀─── result ─────────
//! ```
//!
//! When the handler gives up (error, timeout, client gone) it drops its
//! channel ends, and the waiting thread ends without evaluating.
//!
//! A shallow query (at most [`INLINE_NESTING_MAX`] brackets and operators,
//! which is nearly every real one) instead stays on the handler's task:
//! parsing and planning take microseconds, and evaluation runs in place on
//! the runtime's worker thread (`block_in_place`, which hands the worker's
//! other tasks to another thread). Four thread hand-offs fewer per query: on
//! a busy machine each can wait a scheduler tick.

use super::args::Evaluation;
use super::eval_error::eval_error;
use super::nesting::nesting_tokens;
use crate::config::SelectConfig;
use crate::error::ApiError;
use estuary_promql::ast::Expr;
use estuary_promql::{
    EvalError, MemorySource, QueryOptions, SelectorPlan, Value, eval_instant, eval_range, parse,
    plan_selectors,
};
use tokio::runtime::RuntimeFlavor;
use tokio::sync::oneshot;

/// The stack of a query thread. Unoptimised builds use up to about 10 KiB per
/// tree level (nested function calls, measured), so the
/// [`super::nesting::QUERY_NESTING_MAX`] levels need about 10 MiB; the rest is
/// margin. Only the pages a query touches take memory.
pub const QUERY_STACK_BYTES: usize = 64 << 20;

/// The most brackets and operators ([`super::nesting::nesting_tokens`]) a
/// query evaluated in place may hold: its tree is then at most this deep,
/// which a runtime worker's stack (2 MiB) holds many times over.
pub const INLINE_NESTING_MAX: usize = 64;

/// A query parsed and planned, waiting for its data.
#[derive(Debug)]
pub struct QueryWorker {
    mode: Mode,
    samples_max: usize,
}

/// Where the query's tree lives.
#[derive(Debug)]
enum Mode {
    /// On a query thread of its own.
    Thread {
        source_sender: oneshot::Sender<MemorySource>,
        value_receiver: oneshot::Receiver<Result<Value, EvalError>>,
    },
    /// Here, to be evaluated in place.
    Inline {
        expr: Expr,
        evaluation: Evaluation,
        opts: QueryOptions,
    },
}

impl QueryWorker {
    /// Parses `text` and plans its selectors for `evaluation`, in place for
    /// a shallow query, else on a thread it starts; answers the worker and
    /// the plans.
    pub async fn start(
        text: &str,
        evaluation: Evaluation,
        opts: QueryOptions,
        config: &SelectConfig,
    ) -> Result<(QueryWorker, Vec<SelectorPlan>), ApiError> {
        let samples_max = opts.max_samples;
        if nesting_tokens(text) <= INLINE_NESTING_MAX {
            let expr = parse(text).map_err(|error| eval_error(error, config, samples_max))?;
            let plans = plan_selectors(&expr, evaluation.start_ms(), evaluation.end_ms(), &opts);
            let mode = Mode::Inline {
                expr,
                evaluation,
                opts,
            };
            return Ok((QueryWorker { mode, samples_max }, plans));
        }
        let (plans_sender, plans_receiver) = oneshot::channel();
        let (source_sender, source_receiver) = oneshot::channel();
        let (value_sender, value_receiver) = oneshot::channel();
        let text = text.to_string();
        std::thread::Builder::new()
            .name("estuary-query".to_string())
            .stack_size(QUERY_STACK_BYTES)
            .spawn(move || {
                run(
                    &text,
                    evaluation,
                    &opts,
                    plans_sender,
                    source_receiver,
                    value_sender,
                );
            })
            .map_err(|error| ApiError::Internal {
                message: format!("cannot start a query thread: {error}"),
            })?;
        let plans = plans_receiver
            .await
            .map_err(|_| stopped())?
            .map_err(|error| eval_error(error, config, samples_max))?;
        let mode = Mode::Thread {
            source_sender,
            value_receiver,
        };
        Ok((QueryWorker { mode, samples_max }, plans))
    }

    /// Evaluates the query over the fetched series and returns the result.
    /// The evaluator stops at the deadline in the options it was started with.
    pub async fn evaluate(
        self,
        source: MemorySource,
        config: &SelectConfig,
    ) -> Result<Value, ApiError> {
        let value = match self.mode {
            Mode::Inline {
                expr,
                evaluation,
                opts,
            } => in_place(move || evaluate(&expr, evaluation, &source, &opts)),
            Mode::Thread {
                source_sender,
                value_receiver,
            } => {
                source_sender.send(source).map_err(|_| stopped())?;
                value_receiver.await.map_err(|_| stopped())?
            }
        };
        value.map_err(|error| eval_error(error, config, self.samples_max))
    }
}

/// Runs CPU-bound `work` on this thread, telling a multi-threaded runtime
/// to move its other tasks elsewhere meanwhile.
fn in_place<T>(work: impl FnOnce() -> T) -> T {
    let multi_threaded = tokio::runtime::Handle::try_current()
        .is_ok_and(|handle| handle.runtime_flavor() == RuntimeFlavor::MultiThread);
    if multi_threaded {
        tokio::task::block_in_place(work)
    } else {
        work()
    }
}

/// Evaluates `expr` as `evaluation` asks.
fn evaluate(
    expr: &Expr,
    evaluation: Evaluation,
    source: &MemorySource,
    opts: &QueryOptions,
) -> Result<Value, EvalError> {
    match evaluation {
        Evaluation::Instant { time_ms } => eval_instant(expr, source, time_ms, opts),
        Evaluation::Range {
            start_ms,
            end_ms,
            step_ms,
        } => eval_range(expr, source, start_ms, end_ms, step_ms, opts),
    }
}

/// The body of a query thread. The tree is created and dropped here.
fn run(
    text: &str,
    evaluation: Evaluation,
    opts: &QueryOptions,
    plans_sender: oneshot::Sender<Result<Vec<SelectorPlan>, EvalError>>,
    source_receiver: oneshot::Receiver<MemorySource>,
    value_sender: oneshot::Sender<Result<Value, EvalError>>,
) {
    let expr = match parse(text) {
        Ok(expr) => expr,
        Err(error) => {
            // The handler may be gone already; nobody else wants the error.
            let _ = plans_sender.send(Err(error));
            return;
        }
    };
    let plans = plan_selectors(&expr, evaluation.start_ms(), evaluation.end_ms(), opts);
    if plans_sender.send(Ok(plans)).is_err() {
        return;
    }
    let Ok(source) = source_receiver.blocking_recv() else {
        return;
    };
    let value = evaluate(&expr, evaluation, &source, opts);
    drop(source);
    drop(expr);
    let _ = value_sender.send(value);
}

/// The thread ended without an answer: it panicked.
fn stopped() -> ApiError {
    ApiError::Internal {
        message: "the query thread stopped without an answer".to_string(),
    }
}
