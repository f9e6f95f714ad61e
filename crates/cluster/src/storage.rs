//! [`ClusterStorage`]: the storage nodes of a cluster behind the [`Storage`]
//! trait, so insert and select run the same handlers as the single node.

use crate::config::{ClusterConfig, ConfigError};
use crate::health::probe_forever;
use crate::merge::{merge_series, union_labels, union_strings};
use crate::node::Node;
use crate::placement::Placement;
use crate::read::{gather, on_every_node};
use crate::repair::deliver_forever;
use crate::tsdb_status::status_of;
use crate::write::Replicator;
use async_trait::async_trait;
use estuary_metrics::Registry;
use estuary_rpc::NodeClient;
use estuary_storage_api::{
    Answer, Deadline, SearchRequest, SeriesData, SeriesRequest, SeriesSamples, Storage,
    StorageError, TsdbStatus, TsdbStatusRequest, WriteOutcome,
};
use estuary_types::{Labels, Tenant, TimeRange};
use std::sync::Arc;
use std::time::Duration;
use tokio::task::JoinHandle;

/// How long flush and merge calls may take on a node.
const ADMIN_TIMEOUT: Duration = Duration::from_secs(600);

/// The cluster as one storage.
pub struct ClusterStorage {
    nodes: Vec<Arc<Node>>,
    replication: usize,
    dedup_interval_ms: i64,
    replicator: Replicator,
    background: Vec<JoinHandle<()>>,
}

impl Drop for ClusterStorage {
    fn drop(&mut self) {
        for task in &self.background {
            task.abort();
        }
    }
}

impl ClusterStorage {
    /// Connects (lazily) to the configured nodes and starts the health probes
    /// and, when configured, hinted handoff. Must run inside a tokio runtime.
    pub fn start(
        config: ClusterConfig,
        registry: &'static Registry,
    ) -> Result<Arc<Self>, StartError> {
        config.validate()?;
        let nodes = config
            .nodes
            .iter()
            .map(|address| Ok(Node::new(NodeClient::new(address)?, registry)))
            .collect::<Result<Vec<_>, StorageError>>()
            .map_err(StartError::Address)?;
        let placement = Placement::new(&config.nodes);
        let mut background = vec![tokio::spawn(probe_forever(
            nodes.clone(),
            config.probe_interval,
            registry,
        ))];
        if config.deliver_hints {
            background.push(tokio::spawn(deliver_forever(
                nodes.clone(),
                config.probe_interval,
                config.write_timeout,
                registry.counter("estuary_hint_rows_delivered_total"),
            )));
        }
        Ok(Arc::new(ClusterStorage {
            replicator: Replicator::new(
                nodes.clone(),
                placement,
                config.replication,
                config.write_timeout,
            ),
            nodes,
            replication: config.replication,
            dedup_interval_ms: config.dedup_interval_ms,
            background,
        }))
    }

    /// How many nodes are believed up.
    pub fn nodes_up(&self) -> usize {
        self.nodes.iter().filter(|node| node.is_up()).count()
    }

    /// How many nodes there are.
    pub fn nodes_total(&self) -> usize {
        self.nodes.len()
    }

    /// The replication factor.
    pub fn replication(&self) -> usize {
        self.replication
    }
}

/// Why a cluster client could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The flags do not describe a working cluster.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// A node address does not parse.
    #[error("{0}")]
    Address(StorageError),
}

#[async_trait]
impl Storage for ClusterStorage {
    async fn write(&self, batch: Vec<SeriesSamples>) -> Result<WriteOutcome, StorageError> {
        self.replicator.write(batch).await
    }

    async fn search(
        &self,
        request: SearchRequest,
    ) -> Result<Answer<Vec<SeriesData>>, StorageError> {
        let limit = request.series.limit;
        let request = &request;
        let gathered = gather(
            &self.nodes,
            self.replication,
            "search",
            |client| async move { client.search(request).await },
        )
        .await?;
        let dedup = self.dedup_interval_ms;
        let answer = gathered.merge(|answers| merge_series(answers, dedup));
        if answer.data.len() > limit {
            return Err(StorageError::LimitExceeded {
                what: "the number of matching series".into(),
                limit: limit as u64,
                hint: "narrow the selector or raise -search.maxSeries".into(),
            });
        }
        Ok(answer)
    }

    async fn series(&self, request: SeriesRequest) -> Result<Answer<Vec<Labels>>, StorageError> {
        let limit = request.limit;
        let request = &request;
        let gathered = gather(
            &self.nodes,
            self.replication,
            "series",
            |client| async move { client.series(request).await },
        )
        .await?;
        Ok(gathered.merge(|answers| {
            let mut all = union_labels(answers);
            all.truncate(limit);
            all
        }))
    }

    async fn label_names(
        &self,
        request: SeriesRequest,
    ) -> Result<Answer<Vec<String>>, StorageError> {
        let request = &request;
        let gathered = gather(
            &self.nodes,
            self.replication,
            "labels",
            |client| async move { client.label_names(request).await },
        )
        .await?;
        Ok(gathered.merge(|answers| union_strings(answers, request.limit)))
    }

    async fn label_values(
        &self,
        request: SeriesRequest,
        name: String,
    ) -> Result<Answer<Vec<String>>, StorageError> {
        let (request, name) = (&request, &name);
        let gathered = gather(
            &self.nodes,
            self.replication,
            "labels",
            |client| async move { client.label_values(request, name).await },
        )
        .await?;
        Ok(gathered.merge(|answers| union_strings(answers, request.limit)))
    }

    async fn tsdb_status(
        &self,
        request: TsdbStatusRequest,
    ) -> Result<Answer<TsdbStatus>, StorageError> {
        let series_request = SeriesRequest {
            limit: usize::MAX,
            ..request.series.clone()
        };
        let series_request = &series_request;
        let gathered = gather(
            &self.nodes,
            self.replication,
            "tsdb_status",
            |client| async move { client.series(series_request).await },
        )
        .await?;
        Ok(gathered.merge(|answers| {
            let series = union_labels(answers);
            status_of(&series, request.top_n, request.focus_label.as_deref())
        }))
    }

    async fn tenants(
        &self,
        range: TimeRange,
        deadline: Deadline,
    ) -> Result<Vec<Tenant>, StorageError> {
        let gathered = gather(
            &self.nodes,
            self.replication,
            "tenants",
            |client| async move { client.tenants(range, deadline.remaining()).await },
        )
        .await?;
        if gathered.is_partial {
            return Err(StorageError::Unavailable(
                "too many storage nodes are down to list every tenant".to_string(),
            ));
        }
        let mut all: Vec<Tenant> = gathered.answers.into_iter().flatten().collect();
        all.sort();
        all.dedup();
        Ok(all)
    }

    async fn delete_series(&self, request: SeriesRequest) -> Result<u64, StorageError> {
        let request = &request;
        let deleted = on_every_node(&self.nodes, "delete", |client| async move {
            client.delete_series(request).await
        })
        .await?;
        // Every series is deleted once per copy; report series, not copies.
        Ok(deleted.iter().sum::<u64>() / self.replication as u64)
    }

    async fn force_flush(&self) -> Result<(), StorageError> {
        on_every_node(&self.nodes, "admin", |client| async move {
            client.force_flush(ADMIN_TIMEOUT).await
        })
        .await
        .map(|_| ())
    }

    async fn force_merge(&self) -> Result<(), StorageError> {
        on_every_node(&self.nodes, "admin", |client| async move {
            client.force_merge(ADMIN_TIMEOUT).await
        })
        .await
        .map(|_| ())
    }
}
