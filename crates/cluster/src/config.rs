//! [`ClusterConfig`]: what insert and select know about the storage nodes.

use std::time::Duration;
use thiserror::Error;

/// The most storage nodes one cluster may list (placement tracks the nodes a
/// write tried in a 64-bit set).
pub const NODES_MAX: usize = 64;

/// How an insert or select node reaches the storage nodes.
#[derive(Debug, Clone)]
pub struct ClusterConfig {
    /// `-storageNode`: every storage node's RPC address, `host:port`. Every
    /// insert and select node must list the same addresses: they name the
    /// nodes in placement and in hinted handoff.
    pub nodes: Vec<String>,
    /// `-replicationFactor`: copies of every series, on distinct nodes.
    pub replication: usize,
    /// `-storageNode.writeTimeout`: the longest one write call may take before
    /// its rows go to the next node.
    pub write_timeout: Duration,
    /// `-storageNode.healthCheckInterval`: how often every node is probed; a
    /// node that fails a probe is skipped until one succeeds.
    pub probe_interval: Duration,
    /// `-dedup.minScrapeInterval` in milliseconds: keep one sample per interval
    /// per series when reading; 0 keeps every distinct timestamp.
    pub dedup_interval_ms: i64,
    /// Whether this process hands hinted rows to their nodes (insert does).
    pub deliver_hints: bool,
}

/// A configuration that cannot work.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum ConfigError {
    /// No `-storageNode` was given.
    #[error("no storage nodes: pass -storageNode=host:port,...")]
    NoNodes,
    /// More nodes than supported.
    #[error("{0} storage nodes listed; at most {NODES_MAX} are supported")]
    TooManyNodes(usize),
    /// The same address twice.
    #[error("storage node {0} is listed twice")]
    Duplicate(String),
    /// Replication is zero or exceeds the nodes.
    #[error(
        "-replicationFactor={replication} needs between 1 and {nodes} (the number of storage nodes)"
    )]
    Replication {
        /// The factor asked for.
        replication: usize,
        /// The nodes listed.
        nodes: usize,
    },
}

impl ClusterConfig {
    /// Checks the configuration.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.nodes.is_empty() {
            return Err(ConfigError::NoNodes);
        }
        if self.nodes.len() > NODES_MAX {
            return Err(ConfigError::TooManyNodes(self.nodes.len()));
        }
        for (i, node) in self.nodes.iter().enumerate() {
            if self.nodes[..i].contains(node) {
                return Err(ConfigError::Duplicate(node.clone()));
            }
        }
        if self.replication == 0 || self.replication > self.nodes.len() {
            return Err(ConfigError::Replication {
                replication: self.replication,
                nodes: self.nodes.len(),
            });
        }
        Ok(())
    }
}
