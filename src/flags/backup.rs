//! Flags of `estuary backup` and `estuary restore`, named as vmbackup and
//! vmrestore name them.

use clap::Args;
use std::path::PathBuf;

/// How to reach S3 (shared by backup and restore).
#[derive(Debug, Args)]
pub struct S3Flags {
    /// S3-compatible endpoint (MinIO, Ceph, a local server), e.g.
    /// `http://127.0.0.1:9000`; the URL then names only bucket and prefix.
    #[arg(long = "customS3Endpoint")]
    pub custom_s3_endpoint: Option<String>,

    /// Address buckets as `endpoint/bucket` rather than `bucket.endpoint`.
    #[arg(long = "s3ForcePathStyle", num_args = 0..=1, default_value_t = true, default_missing_value = "true")]
    pub s3_force_path_style: bool,

    /// An AWS shared credentials file; without it the AWS_ACCESS_KEY_ID,
    /// AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN) variables are used.
    #[arg(long = "credsFilePath")]
    pub creds_file_path: Option<PathBuf>,

    /// The profile to read from `-credsFilePath`.
    #[arg(long = "configProfile")]
    pub config_profile: Option<String>,

    /// Files uploaded or downloaded at once.
    #[arg(long = "concurrency", default_value_t = 10)]
    pub concurrency: usize,
}

impl S3Flags {
    /// The S3 options of the backup crate.
    pub fn options(&self) -> estuary_backup::S3Options {
        estuary_backup::S3Options {
            custom_endpoint: self.custom_s3_endpoint.clone(),
            force_path_style: self.s3_force_path_style,
            creds_file_path: self.creds_file_path.clone(),
            config_profile: self.config_profile.clone(),
        }
    }
}

/// Flags of `estuary backup`.
#[derive(Debug, Args)]
pub struct BackupCliArgs {
    /// The storage node's data directory (its snapshots are read from
    /// `<storageDataPath>/snapshots`).
    #[arg(long = "storageDataPath", required = true)]
    pub storage_data_path: PathBuf,

    /// The node's `/snapshot/create` URL, e.g.
    /// `http://127.0.0.1:8482/snapshot/create`.
    #[arg(long = "snapshot.createURL")]
    pub snapshot_create_url: Option<String>,

    /// The node's `/snapshot/delete` URL; by default derived from
    /// `-snapshot.createURL`.
    #[arg(long = "snapshot.deleteURL")]
    pub snapshot_delete_url: Option<String>,

    /// Back up this existing snapshot instead of creating one (it is kept).
    #[arg(long = "snapshotName")]
    pub snapshot_name: Option<String>,

    /// Where to put the backup: `s3://bucket/prefix`, `fs:///dir` or a path.
    #[arg(long = "dst", required = true)]
    pub dst: String,

    /// An earlier backup in the same bucket: files it holds are copied
    /// server-side instead of uploaded.
    #[arg(long = "origin")]
    pub origin: Option<String>,

    #[command(flatten)]
    pub s3: S3Flags,
}

/// Flags of `estuary restore`.
#[derive(Debug, Args)]
pub struct RestoreCliArgs {
    /// The backup: `s3://bucket/prefix`, `fs:///dir` or a path.
    #[arg(long = "src", required = true)]
    pub src: String,

    /// The (stopped) node's data directory, made equal to the backup.
    #[arg(long = "storageDataPath", required = true)]
    pub storage_data_path: PathBuf,

    /// Restore even if the backup lacks `backup_complete.ignore`.
    #[arg(long = "skipBackupCompleteCheck", num_args = 0..=1, default_value_t = false, default_missing_value = "true")]
    pub skip_backup_complete_check: bool,

    #[command(flatten)]
    pub s3: S3Flags,
}
