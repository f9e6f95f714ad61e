//! [`QueryWorker`]: one thread per query that owns the query's syntax tree
//! from parsing to evaluation.
//!
//! Everything that walks the tree recurses once per level (parser, planner,
//! evaluator, destructor), so all of it runs on a thread whose stack fits the
//! deepest tree [`super::nesting`] lets through; the async side only ever sees
//! the flat selector plans and the result. The thread also keeps evaluation,
//! which is CPU work, off the async runtime.
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

use super::args::Evaluation;
use super::eval_error::eval_error;
use crate::config::SelectConfig;
use crate::error::ApiError;
use estuary_promql::{
    EvalError, MemorySource, QueryOptions, SelectorPlan, Value, eval_instant, eval_range, parse,
    plan_selectors,
};
use tokio::sync::oneshot;

/// The stack of a query thread. Unoptimised builds use up to about 10 KiB per
/// tree level (nested function calls, measured), so the
/// [`super::nesting::QUERY_NESTING_MAX`] levels need about 10 MiB; the rest is
/// margin. Only the pages a query touches take memory.
pub const QUERY_STACK_BYTES: usize = 64 << 20;

/// A query parsed and planned on its own thread, waiting for its data.
#[derive(Debug)]
pub struct QueryWorker {
    source_sender: oneshot::Sender<MemorySource>,
    value_receiver: oneshot::Receiver<Result<Value, EvalError>>,
    samples_max: usize,
}

impl QueryWorker {
    /// Starts the thread, which parses `text` and plans its selectors for
    /// `evaluation`; answers the worker and the plans.
    pub async fn start(
        text: &str,
        evaluation: Evaluation,
        opts: QueryOptions,
        config: &SelectConfig,
    ) -> Result<(QueryWorker, Vec<SelectorPlan>), ApiError> {
        let samples_max = opts.max_samples;
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
        let worker = QueryWorker {
            source_sender,
            value_receiver,
            samples_max,
        };
        Ok((worker, plans))
    }

    /// Hands the fetched series to the thread and waits for the result. The
    /// evaluator stops at the deadline in the options it was started with.
    pub async fn evaluate(
        self,
        source: MemorySource,
        config: &SelectConfig,
    ) -> Result<Value, ApiError> {
        self.source_sender.send(source).map_err(|_| stopped())?;
        self.value_receiver
            .await
            .map_err(|_| stopped())?
            .map_err(|error| eval_error(error, config, self.samples_max))
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
    let value = match evaluation {
        Evaluation::Instant { time_ms } => eval_instant(&expr, &source, time_ms, opts),
        Evaluation::Range {
            start_ms,
            end_ms,
            step_ms,
        } => eval_range(&expr, &source, start_ms, end_ms, step_ms, opts),
    };
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
