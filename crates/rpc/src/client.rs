//! [`NodeClient`]: typed calls to one storage node, each bounded by a timeout,
//! with failures as [`StorageError`]s that name the node.

use crate::MESSAGE_BYTES_MAX;
use crate::convert::{
    duration_ms, series_request_to_proto, status_to_error, tsdb_request_to_proto,
    tsdb_status_from_proto,
};
use crate::proto::storage_node_client::StorageNodeClient;
use crate::proto::{self};
use crate::rows::encode_rows;
use crate::series_wire::{decode_label_sets, decode_series};
use bytes::Bytes;
use estuary_storage_api::{
    Hint, SearchRequest, SeriesData, SeriesRequest, StorageError, TsdbStatus, TsdbStatusRequest,
    WriteOutcome,
};
use estuary_types::{Labels, Tenant, TimeRange};
use std::future::Future;
use std::time::Duration;
use tonic::transport::{Channel, Endpoint};

/// How long establishing a connection may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);
/// HTTP/2 keep-alive pings find a dead peer on an idle connection.
const KEEPALIVE_INTERVAL: Duration = Duration::from_secs(5);

/// The client of one storage node, addressed as `host:port`. Cheap to clone;
/// connects lazily and reconnects after failures.
#[derive(Clone)]
pub struct NodeClient {
    address: String,
    client: StorageNodeClient<Channel>,
}

impl NodeClient {
    /// A client of the node at `address` (`host:port`). Does not connect yet.
    pub fn new(address: &str) -> Result<Self, StorageError> {
        let endpoint = Endpoint::from_shared(format!("http://{address}"))
            .map_err(|e| {
                StorageError::InvalidArgument(format!("bad storage node address {address:?}: {e}"))
            })?
            .connect_timeout(CONNECT_TIMEOUT)
            .tcp_nodelay(true)
            .http2_keep_alive_interval(KEEPALIVE_INTERVAL)
            .keep_alive_timeout(KEEPALIVE_INTERVAL)
            .keep_alive_while_idle(true);
        let client = StorageNodeClient::new(endpoint.connect_lazy())
            .max_decoding_message_size(MESSAGE_BYTES_MAX)
            .max_encoding_message_size(MESSAGE_BYTES_MAX);
        Ok(NodeClient {
            address: address.to_string(),
            client,
        })
    }

    /// The node's address, as configured.
    pub fn address(&self) -> &str {
        &self.address
    }

    /// Runs one call with a timeout; failures name this node.
    async fn call<T>(
        &self,
        timeout: Duration,
        call: impl Future<Output = Result<T, tonic::Status>>,
    ) -> Result<T, StorageError> {
        match tokio::time::timeout(timeout, call).await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(status)) => Err(status_to_error(&status, &self.address)),
            Err(_) => Err(StorageError::Unavailable(format!(
                "storage node {} did not answer within {timeout:?}",
                self.address
            ))),
        }
    }

    /// Writes encoded rows (see [`encode_rows`]); with `hint_for`, the node
    /// also keeps them for that node.
    pub async fn write_rows(
        &self,
        rows: Bytes,
        hint_for: Option<&str>,
        timeout: Duration,
    ) -> Result<WriteOutcome, StorageError> {
        let message = proto::WriteRequest {
            rows,
            hint_for: hint_for.unwrap_or_default().to_string(),
        };
        let mut client = self.client.clone();
        let answer = self
            .call(timeout, async move { client.write(message).await })
            .await?
            .into_inner();
        Ok(WriteOutcome {
            samples_stored: answer.samples_stored,
            samples_too_old: answer.samples_too_old,
            series_created: answer.series_created,
        })
    }

    /// Writes series (encodes them first).
    pub async fn write(
        &self,
        batch: &[estuary_storage_api::SeriesSamples],
        timeout: Duration,
    ) -> Result<WriteOutcome, StorageError> {
        self.write_rows(encode_rows(batch).into(), None, timeout)
            .await
    }

    /// Matching series with their samples; the deadline bounds the call.
    pub async fn search(&self, request: &SearchRequest) -> Result<Vec<SeriesData>, StorageError> {
        let message = proto::SearchRequest {
            series: Some(series_request_to_proto(&request.series)),
            samples_limit: request.samples_limit,
        };
        let mut client = self.client.clone();
        let address = self.address.clone();
        self.call(request.series.deadline.remaining(), async move {
            let mut stream = client.search(message).await?.into_inner();
            let mut out = Vec::new();
            while let Some(batch) = stream.message().await? {
                let series = decode_series(&batch.series).map_err(|e| {
                    tonic::Status::data_loss(format!("malformed search answer from {address}: {e}"))
                })?;
                out.extend(series);
            }
            Ok(out)
        })
        .await
    }

    /// Label sets of matching series.
    pub async fn series(&self, request: &SeriesRequest) -> Result<Vec<Labels>, StorageError> {
        let message = series_request_to_proto(request);
        let mut client = self.client.clone();
        let address = self.address.clone();
        self.call(request.deadline.remaining(), async move {
            let answer = client.series(message).await?.into_inner();
            decode_label_sets(&answer.labels).map_err(|e| {
                tonic::Status::data_loss(format!("malformed series answer from {address}: {e}"))
            })
        })
        .await
    }

    /// Label names of matching series.
    pub async fn label_names(&self, request: &SeriesRequest) -> Result<Vec<String>, StorageError> {
        let message = series_request_to_proto(request);
        let mut client = self.client.clone();
        self.call(request.deadline.remaining(), async move {
            Ok(client.label_names(message).await?.into_inner().values)
        })
        .await
    }

    /// Values of `name` over matching series.
    pub async fn label_values(
        &self,
        request: &SeriesRequest,
        name: &str,
    ) -> Result<Vec<String>, StorageError> {
        let message = proto::LabelValuesRequest {
            series: Some(series_request_to_proto(request)),
            name: name.to_string(),
        };
        let mut client = self.client.clone();
        self.call(request.deadline.remaining(), async move {
            Ok(client.label_values(message).await?.into_inner().values)
        })
        .await
    }

    /// Cardinality statistics.
    pub async fn tsdb_status(
        &self,
        request: &TsdbStatusRequest,
    ) -> Result<TsdbStatus, StorageError> {
        let message = tsdb_request_to_proto(request);
        let mut client = self.client.clone();
        self.call(request.series.deadline.remaining(), async move {
            Ok(tsdb_status_from_proto(
                client.tsdb_status(message).await?.into_inner(),
            ))
        })
        .await
    }

    /// Tenants with data in the range.
    pub async fn tenants(
        &self,
        range: TimeRange,
        timeout: Duration,
    ) -> Result<Vec<Tenant>, StorageError> {
        let message = proto::TenantsRequest {
            start_ms: range.start,
            end_ms: range.end,
            timeout_ms: duration_ms(timeout),
        };
        let mut client = self.client.clone();
        self.call(timeout, async move {
            Ok(client
                .tenants(message)
                .await?
                .into_inner()
                .tenants
                .into_iter()
                .map(|t| Tenant::new(t.account_id, t.project_id))
                .collect())
        })
        .await
    }

    /// Deletes matching series; returns how many.
    pub async fn delete_series(&self, request: &SeriesRequest) -> Result<u64, StorageError> {
        let message = series_request_to_proto(request);
        let mut client = self.client.clone();
        self.call(request.deadline.remaining(), async move {
            Ok(client.delete_series(message).await?.into_inner().deleted)
        })
        .await
    }

    /// Flushes the node's head.
    pub async fn force_flush(&self, timeout: Duration) -> Result<(), StorageError> {
        let mut client = self.client.clone();
        self.call(timeout, async move {
            client.force_flush(proto::Empty {}).await.map(|_| ())
        })
        .await
    }

    /// Merges the node's days.
    pub async fn force_merge(&self, timeout: Duration) -> Result<(), StorageError> {
        let mut client = self.client.clone();
        self.call(timeout, async move {
            client.force_merge(proto::Empty {}).await.map(|_| ())
        })
        .await
    }

    /// The oldest rows this node keeps for `target`.
    pub async fn peek_hints(
        &self,
        target: &str,
        bytes_max: usize,
        timeout: Duration,
    ) -> Result<Vec<Hint>, StorageError> {
        let message = proto::PeekHintsRequest {
            target: target.to_string(),
            bytes_max: bytes_max as u64,
        };
        let mut client = self.client.clone();
        self.call(timeout, async move {
            Ok(client
                .peek_hints(message)
                .await?
                .into_inner()
                .hints
                .into_iter()
                .map(|hint| Hint {
                    sequence: hint.sequence,
                    rows: hint.rows.to_vec(),
                    row_count: hint.row_count,
                })
                .collect())
        })
        .await
    }

    /// Forgets delivered hints.
    pub async fn drop_hints(
        &self,
        target: &str,
        sequences: Vec<u64>,
        timeout: Duration,
    ) -> Result<(), StorageError> {
        let message = proto::DropHintsRequest {
            target: target.to_string(),
            sequences,
        };
        let mut client = self.client.clone();
        self.call(timeout, async move {
            client.drop_hints(message).await.map(|_| ())
        })
        .await
    }

    /// Whether the node answers; returns the rows it keeps for other nodes.
    pub async fn ping(&self, timeout: Duration) -> Result<Vec<(String, u64)>, StorageError> {
        let mut client = self.client.clone();
        self.call(timeout, async move {
            Ok(client
                .ping(proto::Empty {})
                .await?
                .into_inner()
                .hint_rows
                .into_iter()
                .collect())
        })
        .await
    }
}
