//! Errors of the wire formats and of calls to a storage node.

use estuary_chunk::ChunkError;
use estuary_types::LabelsError;
use estuary_types::encoding::DecodeError;
use thiserror::Error;

/// A byte string that does not hold what its layout promises.
#[derive(Debug, Error)]
pub enum WireError {
    /// A varint or length prefix is cut or malformed.
    #[error("malformed field: {0}")]
    Field(#[from] DecodeError),
    /// The bytes end inside a field.
    #[error("truncated {0}")]
    Truncated(&'static str),
    /// A number is larger than its field allows.
    #[error("{0} out of range")]
    OutOfRange(&'static str),
    /// A label set is malformed or not canonical.
    #[error("bad label set: {0}")]
    Labels(#[from] LabelsError),
    /// A chunk does not decode.
    #[error("bad chunk: {0}")]
    Chunk(#[from] ChunkError),
    /// An enum value this version does not know.
    #[error("unknown {what} {value}")]
    Unknown {
        /// Which enum.
        what: &'static str,
        /// The value received.
        value: i32,
    },
    /// A matcher regex does not compile.
    #[error("{0}")]
    Matcher(String),
}
