//! What insert and select share: the cluster client from flags.

use crate::flags::ClusterFlags;
use estuary_cluster::{ClusterConfig, ClusterStorage};
use std::sync::Arc;
use std::time::Duration;

/// Starts the client of the storage nodes named by `flags`.
pub fn start(
    flags: &ClusterFlags,
    deliver_hints: bool,
    dedup_interval: Duration,
) -> Result<Arc<ClusterStorage>, String> {
    let config = ClusterConfig {
        nodes: flags.node_addresses(),
        replication: flags.replication_factor,
        write_timeout: flags.write_timeout,
        probe_interval: flags.health_check_interval,
        dedup_interval_ms: i64::try_from(dedup_interval.as_millis()).unwrap_or(i64::MAX),
        deliver_hints,
    };
    tracing::info!(
        nodes = ?config.nodes,
        replication = config.replication,
        "storage nodes configured"
    );
    ClusterStorage::start(config, estuary_metrics::global()).map_err(|e| e.to_string())
}
