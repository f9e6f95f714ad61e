//! The error type of backups and restores: every variant names what was
//! being done, so a failed run says which file or object it stopped at.

use thiserror::Error;

/// A failed backup or restore.
#[derive(Debug, Error)]
pub enum BackupError {
    /// A flag or URL is wrong.
    #[error("{0}")]
    Config(String),
    /// A local file operation failed.
    #[error("cannot {context}: {source}")]
    Io {
        /// What was being done.
        context: String,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// The object store refused or failed a call.
    #[error("cannot {context}: {source}")]
    Store {
        /// What was being done.
        context: String,
        /// The store's error.
        #[source]
        source: object_store::Error,
    },
    /// Creating or deleting the snapshot over HTTP failed.
    #[error("snapshot request {url} failed: {detail}")]
    Snapshot {
        /// The URL called (with any `authKey` removed).
        url: String,
        /// What went wrong.
        detail: String,
    },
    /// The backup is not usable as it is.
    #[error("{0}")]
    Backup(String),
}

/// Adds context to I/O results.
pub(crate) trait IoContext<T> {
    fn io_context(self, context: impl FnOnce() -> String) -> Result<T, BackupError>;
}

impl<T> IoContext<T> for Result<T, std::io::Error> {
    fn io_context(self, context: impl FnOnce() -> String) -> Result<T, BackupError> {
        self.map_err(|source| BackupError::Io {
            context: context(),
            source,
        })
    }
}

/// Adds context to object-store results.
pub(crate) trait StoreContext<T> {
    fn store_context(self, context: impl FnOnce() -> String) -> Result<T, BackupError>;
}

impl<T> StoreContext<T> for Result<T, object_store::Error> {
    fn store_context(self, context: impl FnOnce() -> String) -> Result<T, BackupError> {
        self.map_err(|source| BackupError::Store {
            context: context(),
            source,
        })
    }
}
