//! The RPC between the stateless roles and storage nodes (gRPC with tonic,
//! `proto/estuary/storage.proto`).
//!
//! - [`rows`] and [`series_wire`]: the compact byte layouts bulk data travels
//!   in (docs/format/rpc.md): writes as rows, search answers as chunks.
//! - [`convert`]: requests, statistics and errors to and from messages.
//! - [`server`]: [`StorageService`], a storage node's side, over any
//!   [`Storage`](estuary_storage_api::Storage) and
//!   [`HintStore`](estuary_storage_api::HintStore).
//! - [`client`]: [`NodeClient`], typed calls to one node with timeouts.

pub mod client;
pub mod convert;
pub mod error;
pub mod rows;
pub mod series_wire;
pub mod server;

pub use client::NodeClient;
pub use error::WireError;
pub use server::StorageService;

/// The generated messages, server and client.
#[allow(missing_docs, clippy::all, clippy::pedantic, clippy::unwrap_used)]
pub mod proto {
    tonic::include_proto!("estuary.storage.v1");
}

/// The largest message either side accepts: above the largest insert request
/// (`-maxInsertRequestSize`, 32 MiB by default) in row form.
pub const MESSAGE_BYTES_MAX: usize = 256 << 20;

/// Target size of one message of a search answer.
pub const SEARCH_BATCH_BYTES: usize = 1 << 20;
