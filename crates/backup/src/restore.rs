//! `estuary restore`: make a stopped node's data directory equal to a backup.

use crate::error::{BackupError, IoContext};
use crate::location::{Access, Location, S3Options};
use crate::plan::plan_restore;
use crate::{local_files, remote, transfer};
use estuary_storage::RESTORE_MARKER;
use futures::{StreamExt, TryStreamExt};
use std::path::PathBuf;

/// What `estuary restore` was asked to do.
#[derive(Debug, Clone)]
pub struct RestoreArgs {
    /// `-src`.
    pub src: String,
    /// `-storageDataPath`.
    pub storage_data_path: PathBuf,
    /// `-skipBackupCompleteCheck`: restore even without the completion marker.
    pub skip_backup_complete_check: bool,
    /// `-concurrency`: files moved at once.
    pub concurrency: usize,
    /// S3 access.
    pub s3: S3Options,
}

/// What a restore did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct RestoreSummary {
    /// Files downloaded.
    pub downloaded_files: usize,
    /// Bytes downloaded.
    pub downloaded_bytes: u64,
    /// Local files that already matched.
    pub kept_files: usize,
    /// Local files deleted.
    pub deleted_files: usize,
}

/// Runs a restore. The node must be stopped: the marker written first keeps
/// it from starting until the data directory is whole again.
pub async fn run(args: &RestoreArgs) -> Result<RestoreSummary, BackupError> {
    let src = Location::open(&args.src, &args.s3, Access::Read)?;
    let data = &args.storage_data_path;
    std::fs::create_dir_all(data).io_context(|| format!("create {}", data.display()))?;
    src.refuse_inside(data)?;
    let listing = remote::list(&src).await?;
    if listing.files.is_empty() && !listing.is_complete() {
        return Err(BackupError::Backup(format!("{} holds no backup", args.src)));
    }
    if !listing.is_complete() && !args.skip_backup_complete_check {
        return Err(BackupError::Backup(format!(
            "{} has no {}: the backup is incomplete or still running; \
             finish it, or pass -skipBackupCompleteCheck to restore it anyway",
            args.src,
            crate::layout::BACKUP_COMPLETE
        )));
    }
    for foreign in &listing.foreign {
        tracing::warn!(object = %foreign, "ignoring an object that is not part of a backup");
    }

    let marker = data.join(RESTORE_MARKER);
    std::fs::write(&marker, b"")
        .io_context(|| format!("write the restore marker {}", marker.display()))?;
    sync_dir(data)?;

    let local = local_files::walk(data, &[RESTORE_MARKER])?;
    let plan = plan_restore(&listing, &local).map_err(BackupError::Backup)?;
    for path in &plan.delete {
        let file = data.join(path);
        std::fs::remove_file(&file).io_context(|| format!("delete {}", file.display()))?;
    }
    local_files::remove_empty_dirs(data)?;
    futures::stream::iter(plan.download.iter().map(|(file, parts)| {
        tracing::debug!(file = %file.path, bytes = file.size, "downloading");
        transfer::download(&src, &file.path, parts, data.join(&file.path))
    }))
    .buffer_unordered(args.concurrency.max(1))
    .try_collect::<Vec<()>>()
    .await?;
    for (file, _) in &plan.download {
        if let Some(parent) = data.join(&file.path).parent() {
            sync_dir(parent)?;
        }
    }

    std::fs::remove_file(&marker)
        .io_context(|| format!("remove the restore marker {}", marker.display()))?;
    sync_dir(data)?;
    let summary = RestoreSummary {
        downloaded_files: plan.download.len(),
        downloaded_bytes: plan.download.iter().map(|(f, _)| f.size).sum(),
        kept_files: plan.kept.len(),
        deleted_files: plan.delete.len(),
    };
    tracing::info!(
        src = %args.src,
        downloaded_files = summary.downloaded_files,
        downloaded_bytes = summary.downloaded_bytes,
        kept_files = summary.kept_files,
        deleted_files = summary.deleted_files,
        "restore complete"
    );
    Ok(summary)
}

fn sync_dir(dir: &std::path::Path) -> Result<(), BackupError> {
    std::fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .io_context(|| format!("sync directory {}", dir.display()))
}
