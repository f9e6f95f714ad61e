//! Errors a storage node reports, classified by what the caller should do.

use std::borrow::Cow;
use thiserror::Error;

/// A storage failure. Callers branch on the variant: limits and bad arguments
/// are the client's fault (4xx/422), the rest are the server's (5xx).
#[derive(Debug, Error, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum StorageError {
    /// The request asks for more than a configured limit allows.
    #[error("{what} exceeds the limit of {limit}; {hint}")]
    LimitExceeded {
        /// What was counted ("series matched", "samples read", ...).
        what: Cow<'static, str>,
        /// The configured maximum.
        limit: u64,
        /// How to lift it (which flag).
        hint: Cow<'static, str>,
    },
    /// The deadline passed before the work was done.
    #[error("deadline exceeded while {during}")]
    DeadlineExceeded {
        /// What was being done.
        during: &'static str,
    },
    /// The request itself is malformed.
    #[error("invalid argument: {0}")]
    InvalidArgument(String),
    /// The node cannot serve now (shutting down, unreachable, read-only).
    #[error("storage unavailable: {0}")]
    Unavailable(String),
    /// The node failed internally (I/O error, corruption); message has context.
    #[error("storage failure: {0}")]
    Internal(String),
}
