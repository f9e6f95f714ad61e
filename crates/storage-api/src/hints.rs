//! [`HintStore`]: rows a storage node keeps for another node (hinted handoff).

use crate::StorageError;

/// One kept batch: its sequence number and its rows (the RPC `rows` layout).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hint {
    /// Increases with every batch kept, per node.
    pub sequence: u64,
    /// The rows, as they arrived.
    pub rows: Vec<u8>,
    /// How many series rows `rows` holds (as given to [`HintStore::add`]).
    pub row_count: u64,
}

/// Durable rows a storage node holds for another node that could not take
/// them when they were written. Insert nodes hand them over when the target is
/// back, then drop them. Calls block (they write to disk).
pub trait HintStore: Send + Sync + 'static {
    /// Keeps `rows` (holding `row_count` series) for `target`; returns once
    /// they are durable.
    fn add(&self, target: &str, rows: &[u8], row_count: u64) -> Result<(), StorageError>;

    /// The oldest batches kept for `target` that no other caller is
    /// delivering, about `bytes_max` bytes of rows (at least one batch when any
    /// is free). The batches returned are reserved for a while, so concurrent
    /// deliverers do not hand the same rows over twice.
    fn peek(&self, target: &str, bytes_max: usize) -> Result<Vec<Hint>, StorageError>;

    /// Forgets the batches with these sequence numbers (unknown ones are
    /// ignored, so a repeated drop is harmless).
    fn remove(&self, target: &str, sequences: &[u64]) -> Result<(), StorageError>;

    /// Series rows kept, per target node.
    fn pending_rows(&self) -> Vec<(String, u64)>;
}
