//! The one error type of the crate, with the classes the HTTP layer maps to
//! statuses.

use thiserror::Error;

/// Where in the query's life an error belongs; the HTTP layer maps each class
/// to a status (Prometheus: `bad_data` 400, `execution` 422, `timeout` 503).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The request is invalid: unparsable query, wrong parameter or type.
    BadData,
    /// The query is valid but cannot be evaluated on this data.
    Execution,
    /// A configured limit (samples, series) would be exceeded.
    LimitExceeded,
    /// The deadline passed before evaluation finished.
    Timeout,
    /// The series source failed.
    Source,
}

/// Why a query could not be parsed, planned or evaluated.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum EvalError {
    /// The query text is not valid PromQL (as Prometheus 2.42 accepts it).
    #[error("{0}")]
    Parse(String),
    /// A parameter or expression type is invalid for the requested evaluation,
    /// e.g. a range vector in a range query.
    #[error("{0}")]
    BadData(String),
    /// Evaluation failed on the data, e.g. duplicate output label sets or
    /// many-to-many matching.
    #[error("{0}")]
    Execution(String),
    /// More samples would be held in memory at once than allowed.
    #[error("query processing would load too many samples into memory in {stage}")]
    TooManySamples {
        /// The evaluation stage, as Prometheus names it.
        stage: &'static str,
    },
    /// The selectors of the query match more series than allowed.
    #[error(
        "the query selects more than {max} series; narrow the selectors or raise the series limit"
    )]
    TooManySeries {
        /// The configured maximum.
        max: usize,
    },
    /// The deadline passed.
    #[error("query timed out in {stage}")]
    Timeout {
        /// The evaluation stage, as Prometheus names it.
        stage: &'static str,
    },
    /// The series source could not deliver data.
    #[error("cannot select series: {0}")]
    Source(String),
}

impl EvalError {
    /// The class of the error, for mapping to an HTTP status.
    pub fn kind(&self) -> ErrorKind {
        match self {
            EvalError::Parse(_) | EvalError::BadData(_) => ErrorKind::BadData,
            EvalError::Execution(_) => ErrorKind::Execution,
            EvalError::TooManySamples { .. } | EvalError::TooManySeries { .. } => {
                ErrorKind::LimitExceeded
            }
            EvalError::Timeout { .. } => ErrorKind::Timeout,
            EvalError::Source(_) => ErrorKind::Source,
        }
    }

    /// An execution error with the given message.
    pub(crate) fn exec(message: impl Into<String>) -> Self {
        EvalError::Execution(message.into())
    }

    /// Prometheus's error for output vectors with two equal label sets.
    pub(crate) fn duplicate_labelset() -> Self {
        EvalError::exec("vector cannot contain metrics with the same labelset")
    }
}
