//! The storage node's side of the RPC: every call decodes its request, runs it
//! on the node's [`Storage`] (and [`HintStore`] for handoff calls) and encodes
//! the answer.

use crate::convert::{
    error_to_status, series_request_from_proto, tsdb_request_from_proto, tsdb_status_to_proto,
    wire_error_status,
};
use crate::proto::storage_node_server::{StorageNode, StorageNodeServer};
use crate::proto::{self};
use crate::rows::decode_rows;
use crate::series_wire::{encode_label_sets, encode_series};
use crate::{MESSAGE_BYTES_MAX, SEARCH_BATCH_BYTES};
use estuary_storage_api::{
    Deadline, HintStore, SearchRequest, Storage, StorageError, WriteOutcome,
};
use estuary_types::{Tenant, TimeRange};
use futures_util::stream::{self, BoxStream, StreamExt};
use std::sync::Arc;
use std::time::Duration;
use tonic::{Request, Response, Status};

/// A storage node's RPC service.
#[derive(Clone)]
pub struct StorageService {
    storage: Arc<dyn Storage>,
    hints: Arc<dyn HintStore>,
}

impl StorageService {
    /// Serves `storage`, keeping handed-off rows in `hints`.
    pub fn new(storage: Arc<dyn Storage>, hints: Arc<dyn HintStore>) -> Self {
        StorageService { storage, hints }
    }

    /// The tonic server of this service, with message limits large enough for
    /// the biggest insert request.
    pub fn into_server(self) -> StorageNodeServer<Self> {
        StorageNodeServer::new(self)
            .max_decoding_message_size(MESSAGE_BYTES_MAX)
            .max_encoding_message_size(MESSAGE_BYTES_MAX)
    }

    async fn blocking_hints<T: Send + 'static>(
        &self,
        work: impl FnOnce(&dyn HintStore) -> Result<T, StorageError> + Send + 'static,
    ) -> Result<T, Status> {
        let hints = self.hints.clone();
        match tokio::task::spawn_blocking(move || work(hints.as_ref())).await {
            Ok(result) => result.map_err(error_to_status),
            Err(join) => Err(Status::internal(format!("hint task failed: {join}"))),
        }
    }
}

fn outcome_to_proto(outcome: WriteOutcome) -> proto::WriteResponse {
    proto::WriteResponse {
        samples_stored: outcome.samples_stored,
        samples_too_old: outcome.samples_too_old,
        series_created: outcome.series_created,
    }
}

/// Splits an encoded search answer into messages of about
/// [`SEARCH_BATCH_BYTES`].
fn search_batches(series: Vec<estuary_storage_api::SeriesData>) -> Vec<proto::SeriesBatch> {
    let mut batches = Vec::new();
    let mut current = Vec::new();
    for one in &series {
        encode_series(one, &mut current);
        if current.len() >= SEARCH_BATCH_BYTES {
            batches.push(proto::SeriesBatch {
                series: std::mem::take(&mut current).into(),
            });
        }
    }
    if !current.is_empty() || batches.is_empty() {
        batches.push(proto::SeriesBatch {
            series: current.into(),
        });
    }
    batches
}

#[tonic::async_trait]
impl StorageNode for StorageService {
    async fn write(
        &self,
        request: Request<proto::WriteRequest>,
    ) -> Result<Response<proto::WriteResponse>, Status> {
        let message = request.into_inner();
        let rows = decode_rows(&message.rows).map_err(|e| wire_error_status("rows", e))?;
        let row_count = rows.len() as u64;
        let outcome = self.storage.write(rows).await.map_err(error_to_status)?;
        if !message.hint_for.is_empty() {
            let target = message.hint_for;
            let raw = message.rows;
            self.blocking_hints(move |hints| hints.add(&target, &raw, row_count))
                .await?;
        }
        Ok(Response::new(outcome_to_proto(outcome)))
    }

    type SearchStream = BoxStream<'static, Result<proto::SeriesBatch, Status>>;

    async fn search(
        &self,
        request: Request<proto::SearchRequest>,
    ) -> Result<Response<Self::SearchStream>, Status> {
        let message = request.into_inner();
        let series = series_request_from_proto(message.series)
            .map_err(|e| wire_error_status("search request", e))?;
        let answer = self
            .storage
            .search(SearchRequest {
                series,
                samples_limit: message.samples_limit,
            })
            .await
            .map_err(error_to_status)?;
        let batches = tokio::task::spawn_blocking(move || search_batches(answer.data))
            .await
            .map_err(|join| Status::internal(format!("encoding task failed: {join}")))?;
        Ok(Response::new(
            stream::iter(batches.into_iter().map(Ok)).boxed(),
        ))
    }

    async fn series(
        &self,
        request: Request<proto::SeriesRequest>,
    ) -> Result<Response<proto::LabelSets>, Status> {
        let request = series_request_from_proto(Some(request.into_inner()))
            .map_err(|e| wire_error_status("series request", e))?;
        let answer = self
            .storage
            .series(request)
            .await
            .map_err(error_to_status)?;
        Ok(Response::new(proto::LabelSets {
            labels: encode_label_sets(&answer.data).into(),
        }))
    }

    async fn label_names(
        &self,
        request: Request<proto::SeriesRequest>,
    ) -> Result<Response<proto::Strings>, Status> {
        let request = series_request_from_proto(Some(request.into_inner()))
            .map_err(|e| wire_error_status("label names request", e))?;
        let answer = self
            .storage
            .label_names(request)
            .await
            .map_err(error_to_status)?;
        Ok(Response::new(proto::Strings {
            values: answer.data,
        }))
    }

    async fn label_values(
        &self,
        request: Request<proto::LabelValuesRequest>,
    ) -> Result<Response<proto::Strings>, Status> {
        let message = request.into_inner();
        let request = series_request_from_proto(message.series)
            .map_err(|e| wire_error_status("label values request", e))?;
        let answer = self
            .storage
            .label_values(request, message.name)
            .await
            .map_err(error_to_status)?;
        Ok(Response::new(proto::Strings {
            values: answer.data,
        }))
    }

    async fn tsdb_status(
        &self,
        request: Request<proto::TsdbStatusRequest>,
    ) -> Result<Response<proto::TsdbStatusResponse>, Status> {
        let request = tsdb_request_from_proto(request.into_inner())
            .map_err(|e| wire_error_status("TSDB status request", e))?;
        let answer = self
            .storage
            .tsdb_status(request)
            .await
            .map_err(error_to_status)?;
        Ok(Response::new(tsdb_status_to_proto(answer.data)))
    }

    async fn tenants(
        &self,
        request: Request<proto::TenantsRequest>,
    ) -> Result<Response<proto::TenantsResponse>, Status> {
        let message = request.into_inner();
        let tenants = self
            .storage
            .tenants(
                TimeRange::new(message.start_ms, message.end_ms),
                Deadline::after(Duration::from_millis(message.timeout_ms)),
            )
            .await
            .map_err(error_to_status)?;
        Ok(Response::new(proto::TenantsResponse {
            tenants: tenants
                .into_iter()
                .map(
                    |Tenant {
                         account_id,
                         project_id,
                     }| proto::Tenant {
                        account_id,
                        project_id,
                    },
                )
                .collect(),
        }))
    }

    async fn delete_series(
        &self,
        request: Request<proto::SeriesRequest>,
    ) -> Result<Response<proto::DeleteResponse>, Status> {
        let request = series_request_from_proto(Some(request.into_inner()))
            .map_err(|e| wire_error_status("delete request", e))?;
        let deleted = self
            .storage
            .delete_series(request)
            .await
            .map_err(error_to_status)?;
        Ok(Response::new(proto::DeleteResponse { deleted }))
    }

    async fn force_flush(
        &self,
        _: Request<proto::Empty>,
    ) -> Result<Response<proto::Empty>, Status> {
        self.storage.force_flush().await.map_err(error_to_status)?;
        Ok(Response::new(proto::Empty {}))
    }

    async fn force_merge(
        &self,
        _: Request<proto::Empty>,
    ) -> Result<Response<proto::Empty>, Status> {
        self.storage.force_merge().await.map_err(error_to_status)?;
        Ok(Response::new(proto::Empty {}))
    }

    async fn peek_hints(
        &self,
        request: Request<proto::PeekHintsRequest>,
    ) -> Result<Response<proto::Hints>, Status> {
        let message = request.into_inner();
        let bytes_max = usize::try_from(message.bytes_max).unwrap_or(usize::MAX);
        let hints = self
            .blocking_hints(move |hints| hints.peek(&message.target, bytes_max))
            .await?;
        Ok(Response::new(proto::Hints {
            hints: hints
                .into_iter()
                .map(|hint| proto::Hint {
                    sequence: hint.sequence,
                    rows: hint.rows.into(),
                    row_count: hint.row_count,
                })
                .collect(),
        }))
    }

    async fn drop_hints(
        &self,
        request: Request<proto::DropHintsRequest>,
    ) -> Result<Response<proto::Empty>, Status> {
        let message = request.into_inner();
        self.blocking_hints(move |hints| hints.remove(&message.target, &message.sequences))
            .await?;
        Ok(Response::new(proto::Empty {}))
    }

    async fn ping(
        &self,
        _: Request<proto::Empty>,
    ) -> Result<Response<proto::PingResponse>, Status> {
        Ok(Response::new(proto::PingResponse {
            hint_rows: self.hints.pending_rows().into_iter().collect(),
        }))
    }
}
