//! Shared by the HTTP tests: a storage that records writes, request builders
//! and reference bodies.

#![allow(dead_code)]

use async_trait::async_trait;
use axum::Router;
use axum::body::Body;
use axum::http::{Request, Response, StatusCode};
use estuary_insert::remote_write::prompb;
use estuary_insert::{InsertConfig, InsertState, routes};
use estuary_storage_api::{
    Answer, Deadline, SearchRequest, SeriesData, SeriesRequest, SeriesSamples, Storage,
    StorageError, TsdbStatus, TsdbStatusRequest, WriteOutcome,
};
use estuary_types::{Labels, Tenant, TimeRange};
use http_body_util::BodyExt;
use prost::Message;
use std::sync::{Arc, Mutex};
use tokio::sync::{Notify, Semaphore};
use tower::ServiceExt;

/// The tenant every test request carries.
pub const TENANT: Tenant = Tenant::new(42, 7);

/// A storage that keeps every written batch, and can fail or stall on demand.
#[derive(Default)]
pub struct RecordingStorage {
    writes: Mutex<Vec<Vec<SeriesSamples>>>,
    failure: Mutex<Option<StorageError>>,
    /// When set, each write waits for a permit here before returning.
    gate: Option<Semaphore>,
    /// Notified when a write starts.
    pub entered: Notify,
}

impl RecordingStorage {
    pub fn new() -> Arc<Self> {
        Arc::new(RecordingStorage::default())
    }

    /// A storage whose writes stall until [`RecordingStorage::release`].
    pub fn stalling() -> Arc<Self> {
        Arc::new(RecordingStorage {
            gate: Some(Semaphore::new(0)),
            ..RecordingStorage::default()
        })
    }

    pub fn release(&self, writes: usize) {
        if let Some(gate) = &self.gate {
            gate.add_permits(writes);
        }
    }

    pub fn fail_with(&self, error: StorageError) {
        *self.failure.lock().expect("lock") = Some(error);
    }

    /// Every series written so far, over all batches.
    pub fn series(&self) -> Vec<SeriesSamples> {
        self.writes
            .lock()
            .expect("lock")
            .iter()
            .flatten()
            .cloned()
            .collect()
    }

    pub fn write_count(&self) -> usize {
        self.writes.lock().expect("lock").len()
    }
}

#[async_trait]
impl Storage for RecordingStorage {
    async fn write(&self, batch: Vec<SeriesSamples>) -> Result<WriteOutcome, StorageError> {
        self.entered.notify_one();
        if let Some(gate) = &self.gate {
            gate.acquire().await.expect("gate open").forget();
        }
        if let Some(error) = self.failure.lock().expect("lock").clone() {
            return Err(error);
        }
        let samples = batch.iter().map(|s| s.samples.len() as u64).sum();
        self.writes.lock().expect("lock").push(batch);
        Ok(WriteOutcome {
            samples_stored: samples,
            ..WriteOutcome::default()
        })
    }

    async fn search(&self, _: SearchRequest) -> Result<Answer<Vec<SeriesData>>, StorageError> {
        Err(StorageError::Internal("not used by insert".into()))
    }

    async fn series(&self, _: SeriesRequest) -> Result<Answer<Vec<Labels>>, StorageError> {
        Err(StorageError::Internal("not used by insert".into()))
    }

    async fn label_names(&self, _: SeriesRequest) -> Result<Answer<Vec<String>>, StorageError> {
        Err(StorageError::Internal("not used by insert".into()))
    }

    async fn label_values(
        &self,
        _: SeriesRequest,
        _: String,
    ) -> Result<Answer<Vec<String>>, StorageError> {
        Err(StorageError::Internal("not used by insert".into()))
    }

    async fn tsdb_status(&self, _: TsdbStatusRequest) -> Result<Answer<TsdbStatus>, StorageError> {
        Err(StorageError::Internal("not used by insert".into()))
    }

    async fn tenants(&self, _: TimeRange, _: Deadline) -> Result<Vec<Tenant>, StorageError> {
        Err(StorageError::Internal("not used by insert".into()))
    }

    async fn delete_series(&self, _: SeriesRequest) -> Result<u64, StorageError> {
        Err(StorageError::Internal("not used by insert".into()))
    }

    async fn force_flush(&self) -> Result<(), StorageError> {
        Ok(())
    }

    async fn force_merge(&self) -> Result<(), StorageError> {
        Ok(())
    }
}

/// The insert routes over `storage`, with the test tenant on every request.
pub fn app(storage: Arc<RecordingStorage>, config: InsertConfig) -> Router {
    routes(InsertState::new(storage, config)).layer(axum::Extension(TENANT))
}

/// Sends one request and returns status and body text.
pub async fn send(app: &Router, request: Request<Body>) -> (StatusCode, String) {
    let response: Response<Body> = app.clone().oneshot(request).await.expect("infallible");
    let status = response.status();
    let bytes = response
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes();
    (status, String::from_utf8_lossy(&bytes).into_owned())
}

/// A POST with the given headers and body.
pub fn post(uri: &str, headers: &[(&str, &str)], body: impl Into<Body>) -> Request<Body> {
    let mut builder = Request::post(uri);
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    builder.body(body.into()).expect("request")
}

pub fn label(name: &str, value: &str) -> prompb::Label {
    prompb::Label {
        name: name.into(),
        value: value.into(),
    }
}

/// A series with one sample.
pub fn series(labels: &[(&str, &str)], timestamp: i64, value: f64) -> prompb::TimeSeries {
    prompb::TimeSeries {
        labels: labels.iter().map(|(n, v)| label(n, v)).collect(),
        samples: vec![prompb::Sample { value, timestamp }],
        ..Default::default()
    }
}

/// An encoded, uncompressed WriteRequest.
pub fn write_request(timeseries: Vec<prompb::TimeSeries>) -> Vec<u8> {
    prompb::WriteRequest {
        timeseries,
        metadata: vec![],
    }
    .encode_to_vec()
}

pub fn snappy(raw: &[u8]) -> Vec<u8> {
    snap::raw::Encoder::new().compress_vec(raw).expect("snappy")
}

pub fn zstd(raw: &[u8]) -> Vec<u8> {
    zstd::encode_all(raw, 1).expect("zstd")
}

/// The value of a counter in the global registry (0 when absent).
pub fn counter(series: &str) -> f64 {
    estuary_metrics::global()
        .render()
        .lines()
        .find_map(|line| {
            let (name, value) = line.rsplit_once(' ')?;
            (name == series).then(|| value.parse().ok()).flatten()
        })
        .unwrap_or(0.0)
}
