//! [`LocalStorage`]: the engine behind the [`Storage`] trait, for in-process
//! use (`estuary single`, and the storage role's RPC server). Engine calls block
//! (RocksDB, fsync), so each runs on tokio's blocking pool.

use crate::engine::Engine;
use crate::error::EngineError;
use async_trait::async_trait;
use estuary_storage_api::{
    Answer, Deadline, SearchRequest, SeriesData, SeriesRequest, SeriesSamples, Storage,
    StorageError, TsdbStatus, TsdbStatusRequest, WriteOutcome,
};
use estuary_types::{Labels, Tenant, TimeRange};
use std::sync::Arc;
use tokio::runtime::RuntimeFlavor;

/// The engine as a [`Storage`].
#[derive(Clone)]
pub struct LocalStorage {
    engine: Arc<Engine>,
}

impl LocalStorage {
    /// Wraps an open engine.
    pub fn new(engine: Arc<Engine>) -> Self {
        LocalStorage { engine }
    }

    /// The wrapped engine.
    pub fn engine(&self) -> &Arc<Engine> {
        &self.engine
    }

    /// As [`LocalStorage::run`], but on the calling worker thread (tokio hands
    /// the worker's other tasks to another thread meanwhile): for the reads a
    /// query waits for anyway (searches, series, label names and values).
    /// Running them in place spares two thread wake-ups per read, which on a
    /// busy machine cost more than a small read itself.
    /// Falls back to [`LocalStorage::run`] outside a multi-threaded runtime,
    /// where blocking in place is not possible.
    async fn run_inline<T: Send + 'static>(
        &self,
        work: impl FnOnce(&Engine) -> Result<T, EngineError> + Send + 'static,
    ) -> Result<T, StorageError> {
        let multi_threaded = tokio::runtime::Handle::try_current()
            .is_ok_and(|handle| handle.runtime_flavor() == RuntimeFlavor::MultiThread);
        if !multi_threaded {
            return self.run(work).await;
        }
        tokio::task::block_in_place(|| work(&self.engine)).map_err(StorageError::from)
    }

    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce(&Engine) -> Result<T, EngineError> + Send + 'static,
    ) -> Result<T, StorageError> {
        let engine = self.engine.clone();
        match tokio::task::spawn_blocking(move || work(&engine)).await {
            Ok(result) => result.map_err(StorageError::from),
            Err(join) => Err(StorageError::Internal(format!(
                "storage task failed: {join}"
            ))),
        }
    }
}

#[async_trait]
impl Storage for LocalStorage {
    async fn write(&self, batch: Vec<SeriesSamples>) -> Result<WriteOutcome, StorageError> {
        self.run(move |engine| engine.write(batch)).await
    }

    async fn search(
        &self,
        request: SearchRequest,
    ) -> Result<Answer<Vec<SeriesData>>, StorageError> {
        self.run_inline(move |engine| engine.search(&request))
            .await
            .map(Answer::complete)
    }

    async fn series(&self, request: SeriesRequest) -> Result<Answer<Vec<Labels>>, StorageError> {
        self.run_inline(move |engine| engine.series(&request))
            .await
            .map(Answer::complete)
    }

    async fn label_names(
        &self,
        request: SeriesRequest,
    ) -> Result<Answer<Vec<String>>, StorageError> {
        self.run_inline(move |engine| engine.label_names(&request))
            .await
            .map(Answer::complete)
    }

    async fn label_values(
        &self,
        request: SeriesRequest,
        name: String,
    ) -> Result<Answer<Vec<String>>, StorageError> {
        self.run_inline(move |engine| engine.label_values(&request, &name))
            .await
            .map(Answer::complete)
    }

    async fn tsdb_status(
        &self,
        request: TsdbStatusRequest,
    ) -> Result<Answer<TsdbStatus>, StorageError> {
        self.run(move |engine| engine.tsdb_status(&request))
            .await
            .map(Answer::complete)
    }

    async fn tenants(
        &self,
        range: TimeRange,
        _deadline: Deadline,
    ) -> Result<Vec<Tenant>, StorageError> {
        self.run(move |engine| engine.tenants(range)).await
    }

    async fn delete_series(&self, request: SeriesRequest) -> Result<u64, StorageError> {
        self.run(move |engine| engine.delete_series(&request)).await
    }

    async fn force_flush(&self) -> Result<(), StorageError> {
        self.run(|engine| {
            engine.flush()?;
            engine.flush_memtables()
        })
        .await
    }

    async fn force_merge(&self) -> Result<(), StorageError> {
        self.run(|engine| engine.force_merge()).await
    }
}
