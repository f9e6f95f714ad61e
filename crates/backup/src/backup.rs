//! `estuary backup`: a snapshot of a storage node, copied incrementally to a
//! backup location.

use crate::error::{BackupError, StoreContext};
use crate::layout::{BACKUP_COMPLETE, BACKUP_METADATA};
use crate::location::{Access, Location, S3Options};
use crate::plan::{BackupPlan, plan_backup, plan_sync};
use crate::{local_files, remote, snapshot_client, transfer};
use estuary_types::SnapshotName;
use futures::{StreamExt, TryStreamExt};
use object_store::{ObjectStoreExt, PutPayload};
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

/// What `estuary backup` was asked to do.
#[derive(Debug, Clone)]
pub struct BackupArgs {
    /// `-storageDataPath`.
    pub storage_data_path: PathBuf,
    /// `-snapshot.createURL`.
    pub snapshot_create_url: Option<String>,
    /// `-snapshot.deleteURL` (default: derived from the create URL).
    pub snapshot_delete_url: Option<String>,
    /// `-snapshotName`: back up an existing snapshot instead.
    pub snapshot_name: Option<String>,
    /// `-dst`.
    pub dst: String,
    /// `-origin`: an earlier backup in the same bucket to copy from.
    pub origin: Option<String>,
    /// `-concurrency`: files moved at once.
    pub concurrency: usize,
    /// S3 access.
    pub s3: S3Options,
}

/// What a backup did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct BackupSummary {
    /// The snapshot backed up, or the origin copied.
    pub source: String,
    /// Files uploaded.
    pub uploaded_files: usize,
    /// Bytes uploaded.
    pub uploaded_bytes: u64,
    /// Files copied server-side from the origin.
    pub copied_files: usize,
    /// Files already in the destination.
    pub reused_files: usize,
    /// Objects deleted from the destination.
    pub deleted_objects: usize,
}

/// Runs a backup. The snapshot is deleted afterwards if this run created it,
/// whether the backup succeeded or not.
pub async fn run(args: &BackupArgs) -> Result<BackupSummary, BackupError> {
    let dst = Location::open(&args.dst, &args.s3, Access::Write)?;
    dst.refuse_inside(&args.storage_data_path)?;
    let origin = match &args.origin {
        Some(url) => {
            let origin = Location::open(url, &args.s3, Access::Read)?;
            let (a, b) = (origin.prefix.as_ref(), dst.prefix.as_ref());
            let nested = |outer: &str, inner: &str| {
                outer.is_empty() || inner == outer || inner.starts_with(&format!("{outer}/"))
            };
            if origin.container == dst.container && (nested(a, b) || nested(b, a)) {
                return Err(BackupError::Config(format!(
                    "-origin {url} and -dst {} overlap; give them separate prefixes",
                    args.dst
                )));
            }
            if origin.container != dst.container {
                return Err(BackupError::Config(format!(
                    "-origin {url} and -dst {} must be in the same bucket for server-side copies",
                    args.dst
                )));
            }
            Some(origin)
        }
        None => None,
    };
    let (name, created) = match (&args.snapshot_name, &args.snapshot_create_url, &origin) {
        (Some(name), _, _) => (parse_name(name)?, false),
        (None, Some(url), _) => (snapshot_client::create(url).await?, true),
        (None, None, Some(origin)) => return sync_from_origin(args, &dst, origin).await,
        (None, None, None) => {
            return Err(BackupError::Config(
                "set -snapshot.createURL (or -snapshotName for an existing snapshot, \
                 or -origin alone to copy an existing backup)"
                    .into(),
            ));
        }
    };
    tracing::info!(snapshot = %name, dst = %args.dst, "backup started");
    let result = copy_snapshot(args, &name, &dst, origin.as_ref()).await;
    if created && let Some(create_url) = &args.snapshot_create_url {
        let deleted =
            snapshot_client::delete(args.snapshot_delete_url.as_deref(), create_url, &name).await;
        if let Err(error) = deleted {
            tracing::warn!(%error, snapshot = %name, "cannot delete the snapshot");
        }
    }
    result
}

fn parse_name(name: &str) -> Result<SnapshotName, BackupError> {
    SnapshotName::parse(name).map_err(|e| BackupError::Config(format!("-snapshotName: {e}")))
}

async fn copy_snapshot(
    args: &BackupArgs,
    name: &SnapshotName,
    dst: &Location,
    origin: Option<&Location>,
) -> Result<BackupSummary, BackupError> {
    let root = args
        .storage_data_path
        .join(estuary_storage::SNAPSHOTS_DIR)
        .join(name.as_str());
    if !root.is_dir() {
        return Err(BackupError::Backup(format!(
            "snapshot {name} is not in {}",
            root.display()
        )));
    }
    let local = local_files::walk(&root, &[])?;
    let dst_listing = remote::list(dst).await?;
    let origin_listing = match origin {
        Some(origin) => Some(remote::list(origin).await?),
        None => None,
    };
    let plan = plan_backup(&local, &dst_listing, origin_listing.as_ref());
    execute(args, &plan, dst, origin, Some(&root), name.as_str()).await
}

/// `-origin` without a snapshot: make `dst` a copy of the complete backup at
/// `origin`, server-side.
async fn sync_from_origin(
    args: &BackupArgs,
    dst: &Location,
    origin: &Location,
) -> Result<BackupSummary, BackupError> {
    let origin_listing = remote::list(origin).await?;
    if !origin_listing.is_complete() {
        return Err(BackupError::Backup(format!(
            "-origin {} is not a complete backup (no {BACKUP_COMPLETE})",
            origin.url
        )));
    }
    tracing::info!(origin = %origin.url, dst = %args.dst, "server-side copy started");
    let plan = plan_sync(&origin_listing, &remote::list(dst).await?);
    execute(args, &plan, dst, Some(origin), None, &origin.url).await
}

/// Carries out a plan: the completion marker goes first and comes back last.
/// `root` is the snapshot directory uploads read from (none for a copy
/// between backups, which uploads nothing).
async fn execute(
    args: &BackupArgs,
    plan: &BackupPlan,
    dst: &Location,
    origin: Option<&Location>,
    root: Option<&Path>,
    source: &str,
) -> Result<BackupSummary, BackupError> {
    let started = unix_seconds();
    delete_key(dst, BACKUP_COMPLETE).await?;
    let concurrency = args.concurrency.max(1);
    futures::stream::iter(plan.delete.iter().map(|key| delete_key(dst, key)))
        .buffer_unordered(concurrency)
        .try_collect::<Vec<()>>()
        .await?;
    if let Some(origin) = origin {
        futures::stream::iter(
            plan.copy
                .iter()
                .map(|(path, parts)| transfer::copy(origin, dst, path, parts)),
        )
        .buffer_unordered(concurrency)
        .try_collect::<Vec<()>>()
        .await?;
    }
    if let Some(root) = root {
        futures::stream::iter(plan.upload.iter().map(|file| {
            tracing::debug!(file = %file.path, bytes = file.size, "uploading");
            transfer::upload(dst, root.join(&file.path), &file.path, file.size)
        }))
        .buffer_unordered(concurrency)
        .try_collect::<Vec<()>>()
        .await?;
    }

    let metadata = serde_json::json!({
        "source": source,
        "created_at": started,
        "completed_at": unix_seconds(),
    });
    put_marker(dst, BACKUP_METADATA, metadata.to_string().into_bytes()).await?;
    put_marker(dst, BACKUP_COMPLETE, Vec::new()).await?;
    let summary = BackupSummary {
        source: source.to_string(),
        uploaded_files: plan.upload.len(),
        uploaded_bytes: plan.upload.iter().map(|f| f.size).sum(),
        copied_files: plan.copy.len(),
        reused_files: plan.reused.len(),
        deleted_objects: plan.delete.len(),
    };
    tracing::info!(
        source,
        uploaded_files = summary.uploaded_files,
        uploaded_bytes = summary.uploaded_bytes,
        copied_files = summary.copied_files,
        reused_files = summary.reused_files,
        deleted_objects = summary.deleted_objects,
        "backup complete"
    );
    Ok(summary)
}

async fn delete_key(location: &Location, relative: &str) -> Result<(), BackupError> {
    let key = location.key(relative);
    match location.store.delete(&key).await {
        Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
        Err(source) => Err(BackupError::Store {
            context: format!("delete {key}"),
            source,
        }),
    }
}

async fn put_marker(location: &Location, name: &str, body: Vec<u8>) -> Result<(), BackupError> {
    let key = location.key(name);
    location
        .store
        .put(&key, PutPayload::from(body))
        .await
        .store_context(|| format!("write {key}"))
        .map(|_| ())
}

fn unix_seconds() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}
