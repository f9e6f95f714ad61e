//! The storage engine of one node.
//!
//! A write appends one record to the write-ahead log ([`wal`]) and syncs it,
//! then puts the samples into the in-memory head ([`head`]) and adds the series
//! to the day's postings in RocksDB ([`index`], [`postings`]). Every ten minutes
//! (or when the WAL grows large) the head is flushed into compressed chunks
//! ([`flush`], using the `estuary-chunk` codec) and the WAL truncated. Reads
//! resolve matchers against the per-day postings and merge chunks with the head
//! ([`read`]). Background maintenance merges each finished day into a few
//! chunks per series, cut at aligned two-hour windows ([`merge`]), and drops
//! days past retention ([`retention`]).
//! A snapshot ([`Engine::create_snapshot`]) is a flush plus a RocksDB
//! checkpoint under `<storageDataPath>/snapshots/<name>`.
//!
//! The crate knows nothing of HTTP, RPC, PromQL or ingest protocols: it offers
//! [`Engine`] and, for the rest of the system, [`LocalStorage`], an
//! implementation of `estuary_storage_api::Storage`. Key layouts are drawn in
//! `docs/format/keys.md`, the WAL in `docs/format/wal.md`.

mod chunk_io;
mod config;
mod delete;
mod engine;
mod error;
pub mod flush;
pub mod head;
pub mod hints;
pub mod index;
mod keys;
mod local;
pub mod merge;
pub mod postings;
mod prehashed;
pub mod read;
mod registry;
pub mod retention;
mod snapshot;
mod tenant_days;
mod tsdb_status;
pub mod wal;
mod write;

pub use config::{BLOCK_CACHE_BYTES_DEFAULT, EngineConfig, RetentionPolicy};
pub use engine::{Engine, EngineStats, RESTORE_MARKER, now_ms};
pub use error::EngineError;
pub use hints::RocksHintStore;
pub use local::LocalStorage;
pub use snapshot::SNAPSHOTS_DIR;
