//! The storage engine's error type.

use estuary_storage_api::StorageError;
use thiserror::Error;

/// A storage-engine failure, with the operation that failed.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum EngineError {
    /// RocksDB reported an error.
    #[error("cannot {context}: {source}")]
    Rocks {
        /// What the engine was doing.
        context: String,
        /// RocksDB's error.
        #[source]
        source: rocksdb::Error,
    },
    /// A file operation failed.
    #[error("cannot {context}: {source}")]
    Io {
        /// What the engine was doing.
        context: String,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// Stored bytes are damaged.
    #[error("corrupt {what}: {detail}")]
    Corrupt {
        /// Which structure.
        what: &'static str,
        /// What is wrong with it.
        detail: String,
    },
    /// Replaying the write-ahead log failed.
    #[error(transparent)]
    Replay(#[from] crate::wal::reader::ReplayError),
    /// A restore is unfinished in the data directory.
    #[error("{0}")]
    RestoreInProgress(String),
    /// Every series id is in use.
    #[error("series id space exhausted")]
    SeriesIdsExhausted,
    /// The caller asked for something invalid.
    #[error("{0}")]
    InvalidArgument(String),
    /// A limit of the request was exceeded.
    #[error("{what} exceeds the limit of {limit}; {hint}")]
    LimitExceeded {
        /// What was counted.
        what: &'static str,
        /// The maximum.
        limit: u64,
        /// How to lift it.
        hint: &'static str,
    },
    /// The request's deadline passed.
    #[error("deadline exceeded while {0}")]
    DeadlineExceeded(&'static str),
}

/// Adds context to RocksDB results.
pub trait RocksContext<T> {
    /// Wraps the error with what was being done.
    fn context(self, context: impl FnOnce() -> String) -> Result<T, EngineError>;
}

impl EngineError {
    /// A head chunk of the series did not decode (the head's own bytes: a bug
    /// or memory corruption, never input).
    pub(crate) fn corrupt_head(series_id: u32, error: estuary_chunk::ChunkError) -> Self {
        EngineError::Corrupt {
            what: "head",
            detail: format!("series {series_id}: {error}"),
        }
    }
}

impl<T> RocksContext<T> for Result<T, rocksdb::Error> {
    fn context(self, context: impl FnOnce() -> String) -> Result<T, EngineError> {
        self.map_err(|source| EngineError::Rocks {
            context: context(),
            source,
        })
    }
}

/// Adds context to I/O results.
pub trait IoContext<T> {
    /// Wraps the error with what was being done.
    fn io_context(self, context: impl FnOnce() -> String) -> Result<T, EngineError>;
}

impl<T> IoContext<T> for Result<T, std::io::Error> {
    fn io_context(self, context: impl FnOnce() -> String) -> Result<T, EngineError> {
        self.map_err(|source| EngineError::Io {
            context: context(),
            source,
        })
    }
}

impl From<EngineError> for StorageError {
    fn from(error: EngineError) -> Self {
        match error {
            EngineError::InvalidArgument(message) => StorageError::InvalidArgument(message),
            EngineError::LimitExceeded { what, limit, hint } => StorageError::LimitExceeded {
                what: what.into(),
                limit,
                hint: hint.into(),
            },
            EngineError::DeadlineExceeded(during) => StorageError::DeadlineExceeded { during },
            other => StorageError::Internal(other.to_string()),
        }
    }
}
