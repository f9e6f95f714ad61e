//! `estuary backup` and `estuary restore`: one-shot commands around the
//! `estuary-backup` crate.

use crate::flags::{BackupCliArgs, RestoreCliArgs};

/// Runs one backup.
pub async fn run_backup(args: BackupCliArgs) -> Result<(), String> {
    let args = estuary_backup::BackupArgs {
        storage_data_path: args.storage_data_path,
        snapshot_create_url: args.snapshot_create_url,
        snapshot_delete_url: args.snapshot_delete_url,
        snapshot_name: args.snapshot_name,
        dst: args.dst,
        origin: args.origin,
        concurrency: args.s3.concurrency,
        s3: args.s3.options(),
    };
    estuary_backup::backup::run(&args)
        .await
        .map(|_| ())
        .map_err(|e| format!("backup to {} failed: {e}", args.dst))
}

/// Runs one restore.
pub async fn run_restore(args: RestoreCliArgs) -> Result<(), String> {
    let args = estuary_backup::RestoreArgs {
        src: args.src,
        storage_data_path: args.storage_data_path,
        skip_backup_complete_check: args.skip_backup_complete_check,
        concurrency: args.s3.concurrency,
        s3: args.s3.options(),
    };
    estuary_backup::restore::run(&args)
        .await
        .map(|_| ())
        .map_err(|e| format!("restore from {} failed: {e}", args.src))
}
