//! Backups of a storage node's snapshots to object storage, and restores from
//! them, compatible in behaviour and flags with vmbackup and vmrestore.
//!
//! A backup lists the snapshot's files and the destination, and plans
//! ([`plan`]) what to delete, copy server-side from `-origin` and upload:
//! RocksDB's table files never change, so a file already stored with the same
//! size is reused and backups are incremental by file. Objects are named as
//! [`layout`] says; `backup_complete.ignore` is written last. A restore makes
//! the data directory equal to the backup, with the engine's
//! restore-in-progress marker present until it has.
//!
//! - [`location`]: `s3://`, `fs://` and local paths as object stores
//! - [`credentials`]: the AWS shared credentials file
//! - [`local_files`], [`remote`]: listing both sides
//! - [`transfer`]: one file's upload, download or copy
//! - [`snapshot_client`]: `/snapshot/create` and `/snapshot/delete`
//! - [`backup`], [`restore`]: the two commands

pub mod backup;
pub mod credentials;
mod error;
pub mod layout;
pub mod local_files;
pub mod location;
pub mod plan;
pub mod remote;
pub mod restore;
pub mod snapshot_client;
pub mod transfer;

pub use backup::{BackupArgs, BackupSummary};
pub use error::BackupError;
pub use location::S3Options;
pub use restore::{RestoreArgs, RestoreSummary};
