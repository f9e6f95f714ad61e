//! The interface a storage node offers to `insert` and `select`.
//!
//! [`Storage`] is implemented in-process by `estuary-storage` (used by
//! `estuary single`) and, in cluster mode, by an RPC client. Insert and select
//! program against the trait only, so both modes run the same code. Every call
//! carries a [`Deadline`]; calls that return lists take a limit.

mod error;
mod hints;
mod requests;

pub use error::StorageError;
pub use hints::{Hint, HintStore};
pub use requests::{
    Answer, Deadline, SearchRequest, SeriesData, SeriesRequest, SeriesSamples, TsdbStatus,
    TsdbStatusEntry, TsdbStatusRequest, WriteOutcome,
};

use async_trait::async_trait;
use estuary_types::{Labels, Tenant, TimeRange};

/// What a storage node does for the rest of the system.
///
/// Reads return an [`Answer`] that says whether it is partial: a cluster keeps
/// answering when storage nodes are missing, and the caller decides whether a
/// partial answer is acceptable. Tenants and deletions have no partial form:
/// they fail instead.
#[async_trait]
pub trait Storage: Send + Sync + 'static {
    /// Stores the samples. Returns only once they are durable (survive a crash).
    async fn write(&self, batch: Vec<SeriesSamples>) -> Result<WriteOutcome, StorageError>;

    /// The samples of every series matching the request, within its time range.
    async fn search(&self, request: SearchRequest)
    -> Result<Answer<Vec<SeriesData>>, StorageError>;

    /// The label sets of matching series that have samples in the range (day
    /// granularity: whole UTC days touched by the range are searched).
    async fn series(&self, request: SeriesRequest) -> Result<Answer<Vec<Labels>>, StorageError>;

    /// Sorted label names of matching series.
    async fn label_names(
        &self,
        request: SeriesRequest,
    ) -> Result<Answer<Vec<String>>, StorageError>;

    /// Sorted values of `name` over matching series.
    async fn label_values(
        &self,
        request: SeriesRequest,
        name: String,
    ) -> Result<Answer<Vec<String>>, StorageError>;

    /// Cardinality statistics of one UTC day.
    async fn tsdb_status(
        &self,
        request: TsdbStatusRequest,
    ) -> Result<Answer<TsdbStatus>, StorageError>;

    /// Tenants holding data in the range.
    async fn tenants(
        &self,
        range: TimeRange,
        deadline: Deadline,
    ) -> Result<Vec<Tenant>, StorageError>;

    /// Deletes every matching series (all of its samples); returns how many.
    async fn delete_series(&self, request: SeriesRequest) -> Result<u64, StorageError>;

    /// Makes everything written so far visible to searches and persisted in the
    /// long-term store (not only the write-ahead log).
    async fn force_flush(&self) -> Result<(), StorageError>;

    /// Rewrites small chunks into one block per series per day, now.
    async fn force_merge(&self) -> Result<(), StorageError>;
}
