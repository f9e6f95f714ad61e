//! What insert and select share: the cluster client from flags.

use crate::flags::ClusterFlags;
use estuary_cluster::{ClusterConfig, ClusterStorage};
use std::sync::Arc;
use std::time::Duration;

/// How the two stateless roles differ in their use of the storage nodes.
pub struct RoleSettings {
    /// Insert nodes hand hinted rows back; select nodes do not write.
    pub deliver_hints: bool,
    /// The bound on one write call (insert only).
    pub write_timeout: Duration,
    /// `-dedup.minScrapeInterval` (select only).
    pub dedup_interval: Duration,
}

/// Starts the client of the storage nodes named by `flags`.
pub fn start(flags: &ClusterFlags, role: RoleSettings) -> Result<Arc<ClusterStorage>, String> {
    let config = ClusterConfig {
        nodes: flags.node_addresses(),
        replication: flags.replication_factor,
        write_timeout: role.write_timeout,
        probe_interval: flags.health_check_interval,
        dedup_interval_ms: i64::try_from(role.dedup_interval.as_millis()).unwrap_or(i64::MAX),
        deliver_hints: role.deliver_hints,
    };
    tracing::info!(
        nodes = ?config.nodes,
        replication = config.replication,
        "storage nodes configured"
    );
    ClusterStorage::start(config, estuary_metrics::global()).map_err(|e| e.to_string())
}
