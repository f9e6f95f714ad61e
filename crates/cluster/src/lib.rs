//! Cluster mode for the stateless roles: insert and select reach the storage
//! nodes through [`ClusterStorage`], a [`Storage`](estuary_storage_api::Storage)
//! over RPC.
//!
//! - [`placement`]: rendezvous hashing of a series onto nodes.
//! - [`node`]: one node's client, up/down state, call metrics.
//! - [`write`]: replicated writes that reroute around failed nodes with hints.
//! - [`read`] and [`merge`]: fan-out reads, replica merging, partial answers.
//! - [`tsdb_status`]: exact cardinality statistics over replicas.
//! - [`health`] and [`repair`]: probes, and hinted handoff once a node is back.

pub mod config;
pub mod health;
pub mod merge;
pub mod node;
pub mod placement;
pub mod read;
pub mod repair;
pub mod storage;
pub mod tsdb_status;
pub mod write;

pub use config::{ClusterConfig, ConfigError};
pub use storage::{ClusterStorage, StartError};
