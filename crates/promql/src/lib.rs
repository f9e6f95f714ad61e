//! A pure PromQL evaluator whose answers match Prometheus 2.42's.
//!
//! The crate does no I/O and knows nothing of HTTP, storage or async. Its job
//! is to turn a query and a set of series into Prometheus's answer. The
//! select node uses it in three steps:
//!
//! 1. [`parse`] the query text. The grammar is the `promql-parser` crate;
//!    `parse_bridge.rs` maps its tree onto ours ([`ast`]), resolving durations,
//!    matchers and functions and rejecting what 2.42 does not accept.
//! 2. [`plan_selectors`] lists every selector with the time range the
//!    evaluation will read (offsets, `@`, windows, lookback, subqueries), so
//!    the caller can fetch all data up front into a [`MemorySource`].
//! 3. [`eval_instant`] or [`eval_range`] evaluates synchronously against any
//!    [`SeriesSource`] and returns a [`Value`] shaped like Prometheus's
//!    `query` / `query_range` result. [`format_value`] (scalars) and
//!    [`format_sample_value`] (vector and matrix samples) print values exactly
//!    as Prometheus's JSON does.
//!
//! Inside, `eval/` walks the tree once per node over the whole step grid
//! (`steps.rs`): `selectors.rs` (lookback, staleness, windows),
//! `subquery.rs`, `binary.rs` (vector matching), `aggregate.rs`, `call.rs`
//! and `range_call.rs` (functions), `collect.rs` (output series and the
//! duplicate-labelset rule) and `limits.rs` (samples, series, deadline). The
//! numeric work of each function family lives in `functions/`.

pub mod ast;
mod engine;
mod error;
mod eval;
mod format;
pub mod functions;
mod options;
mod parse_bridge;
mod plan;
mod source;
mod value;

pub use engine::{eval_instant, eval_range};
pub use error::{ErrorKind, EvalError};
pub use format::{StackText, format_sample_value, format_value, write_sample_value, write_value};
pub use options::{
    LOOKBACK_DELTA_MS_DEFAULT, QueryOptions, SAMPLES_MAX_DEFAULT, SERIES_MAX_DEFAULT,
    SUBQUERY_STEP_MS_DEFAULT,
};
pub use parse_bridge::parse;
pub use plan::{SelectorPlan, plan_selectors};
pub use source::{LentSeries, MemorySource, SeriesSource, SeriesVisitor};
pub use value::{InstantSample, Series, Value};
