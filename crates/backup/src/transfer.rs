//! Moving one file's bytes: upload as parts, download parts into a file,
//! server-side copy of parts.

use crate::error::{BackupError, IoContext, StoreContext};
use crate::layout::{self, Part};
use crate::location::Location;
use futures::StreamExt;
use object_store::ObjectStoreExt;
use object_store::buffered::BufWriter;
use std::path::PathBuf;
use tokio::io::{AsyncReadExt, AsyncSeekExt, AsyncWriteExt};

/// Uploads `local` (a file of `size` bytes) as the parts of `relative`.
pub async fn upload(
    location: &Location,
    local: PathBuf,
    relative: &str,
    size: u64,
) -> Result<(), BackupError> {
    let local = local.as_path();
    for part in layout::parts_of(size, layout::CHUNK_BYTES_MAX) {
        let key = location.key(&layout::part_key(relative, &part));
        let mut file = tokio::fs::File::open(local)
            .await
            .io_context(|| format!("open {}", local.display()))?;
        file.seek(std::io::SeekFrom::Start(part.offset))
            .await
            .io_context(|| format!("seek in {}", local.display()))?;
        let mut writer = BufWriter::new(location.store.clone(), key.clone());
        let copied = tokio::io::copy(&mut file.take(part.len), &mut writer).await;
        let finished = match copied {
            Ok(n) if n == part.len => writer.shutdown().await,
            Ok(n) => Err(std::io::Error::other(format!(
                "{} shrank while uploading: read {n} of {} bytes at offset {}",
                local.display(),
                part.len,
                part.offset
            ))),
            Err(error) => Err(error),
        };
        if let Err(error) = finished {
            let _ = writer.abort().await;
            return Err(error).io_context(|| format!("upload {} to {key}", local.display()));
        }
    }
    Ok(())
}

/// Downloads the parts of a file into `local`, replacing it, and syncs it.
pub async fn download(
    location: &Location,
    relative: &str,
    parts: &[Part],
    local: PathBuf,
) -> Result<(), BackupError> {
    let local = local.as_path();
    if let Some(parent) = local.parent() {
        tokio::fs::create_dir_all(parent)
            .await
            .io_context(|| format!("create {}", parent.display()))?;
    }
    let mut file = tokio::fs::File::create(local)
        .await
        .io_context(|| format!("create {}", local.display()))?;
    for part in parts {
        let key = location.key(&layout::part_key(relative, part));
        let mut stream = location
            .store
            .get(&key)
            .await
            .store_context(|| format!("download {key}"))?
            .into_stream();
        let mut written = 0u64;
        while let Some(bytes) = stream.next().await {
            let bytes = bytes.store_context(|| format!("download {key}"))?;
            written += bytes.len() as u64;
            file.write_all(&bytes)
                .await
                .io_context(|| format!("write {}", local.display()))?;
        }
        if written != part.len {
            return Err(BackupError::Backup(format!(
                "object {key} holds {written} bytes, its name says {}",
                part.len
            )));
        }
    }
    file.sync_all()
        .await
        .io_context(|| format!("sync {}", local.display()))
}

/// Copies the parts of `relative` from `origin` to `dst` inside one store.
pub async fn copy(
    origin: &Location,
    dst: &Location,
    relative: &str,
    parts: &[Part],
) -> Result<(), BackupError> {
    for part in parts {
        let name = layout::part_key(relative, part);
        let (from, to) = (origin.key(&name), dst.key(&name));
        dst.store
            .copy(&from, &to)
            .await
            .store_context(|| format!("copy {from} to {to}"))?;
    }
    Ok(())
}
