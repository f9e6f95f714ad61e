//! Snapshots: the head flushed, then a RocksDB checkpoint (hard links of the
//! immutable SST files plus copies of the small manifest files) under
//! `<storageDataPath>/snapshots/<name>/db`. Writes wait while the checkpoint
//! is taken, so a snapshot holds exactly the samples acknowledged before it
//! and opens, as a data directory of its own, with an empty WAL.

use crate::engine::Engine;
use crate::error::{EngineError, IoContext, RocksContext};
use crate::flush::WritesPaused;
use estuary_types::SnapshotName;
use rocksdb::checkpoint::Checkpoint;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The directory under the data path that holds the snapshots.
pub const SNAPSHOTS_DIR: &str = "snapshots";
/// Suffix of a snapshot still being written; never listed, never backed up.
const PARTIAL_SUFFIX: &str = ".partial";

impl Engine {
    /// `<storageDataPath>/snapshots`.
    pub fn snapshots_dir(&self) -> PathBuf {
        self.config.data_path.join(SNAPSHOTS_DIR)
    }

    /// Flushes the head and checkpoints RocksDB into a new snapshot; returns
    /// its name.
    pub fn create_snapshot(&self) -> Result<SnapshotName, EngineError> {
        let _maintenance = self.maintenance_lock.lock();
        // The bulk of the head goes first, with writes flowing...
        self.flush_locked(WritesPaused::No)?;
        // ...then whatever arrived meanwhile, with writes held until the
        // checkpoint has the same point in time as the flush.
        let _gate = self.apply_gate.write();
        self.flush_locked(WritesPaused::Yes)?;

        let name = SnapshotName::new(crate::now_ms());
        let dir = self.snapshots_dir();
        let partial = dir.join(format!("{name}{PARTIAL_SUFFIX}"));
        let done = dir.join(name.as_str());
        std::fs::create_dir_all(&partial)
            .io_context(|| format!("create snapshot directory {}", partial.display()))?;
        let taken = Checkpoint::new(&self.db)
            .and_then(|checkpoint| checkpoint.create_checkpoint(partial.join("db")))
            .context(|| format!("checkpoint RocksDB into {}", partial.display()))
            .and_then(|()| {
                std::fs::rename(&partial, &done)
                    .io_context(|| format!("rename {} to {}", partial.display(), done.display()))
            });
        if let Err(error) = taken {
            let _ = std::fs::remove_dir_all(&partial);
            return Err(error);
        }
        tracing::info!(snapshot = %name, "created snapshot");
        Ok(name)
    }

    /// The snapshots, oldest first.
    pub fn list_snapshots(&self) -> Result<Vec<SnapshotName>, EngineError> {
        list_snapshots_in(&self.snapshots_dir())
    }

    /// Deletes one snapshot; an unknown name is an error.
    pub fn delete_snapshot(&self, name: &SnapshotName) -> Result<(), EngineError> {
        let path = self.snapshots_dir().join(name.as_str());
        if !path.is_dir() {
            return Err(EngineError::InvalidArgument(format!(
                "snapshot {name} does not exist"
            )));
        }
        std::fs::remove_dir_all(&path)
            .io_context(|| format!("delete snapshot {}", path.display()))?;
        tracing::info!(snapshot = %name, "deleted snapshot");
        Ok(())
    }

    /// Deletes the snapshots created more than `max_age` ago (by their
    /// directory's modification time); returns how many went.
    pub fn delete_snapshots_older_than(&self, max_age: Duration) -> Result<usize, EngineError> {
        let mut deleted = 0;
        for name in self.list_snapshots()? {
            let path = self.snapshots_dir().join(name.as_str());
            let age = std::fs::metadata(&path)
                .and_then(|meta| meta.modified())
                .io_context(|| format!("inspect snapshot {}", path.display()))?
                .elapsed()
                .unwrap_or_default();
            if age >= max_age {
                self.delete_snapshot(&name)?;
                deleted += 1;
            }
        }
        Ok(deleted)
    }

    /// Deletes every snapshot (and any left half-written by a crash).
    pub fn delete_all_snapshots(&self) -> Result<(), EngineError> {
        let dir = self.snapshots_dir();
        let entries = match std::fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(error) => return Err(error).io_context(|| format!("list {}", dir.display())),
        };
        for entry in entries {
            let path = entry
                .io_context(|| format!("list {}", dir.display()))?
                .path();
            std::fs::remove_dir_all(&path)
                .io_context(|| format!("delete snapshot {}", path.display()))?;
        }
        Ok(())
    }
}

fn list_snapshots_in(dir: &Path) -> Result<Vec<SnapshotName>, EngineError> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(error) => return Err(error).io_context(|| format!("list {}", dir.display())),
    };
    let mut names = Vec::new();
    for entry in entries {
        let entry = entry.io_context(|| format!("list {}", dir.display()))?;
        if let Some(name) = entry
            .file_name()
            .to_str()
            .and_then(|text| SnapshotName::parse(text).ok())
        {
            names.push(name);
        }
    }
    names.sort();
    Ok(names)
}

#[cfg(test)]
mod tests {
    use crate::{Engine, EngineConfig};
    use estuary_storage_api::{Deadline, SeriesRequest, SeriesSamples};
    use estuary_types::{Labels, Sample, SnapshotName, Tenant, TimeRange};
    use std::time::Duration;

    fn write(engine: &Engine, name: &str, timestamp: i64) {
        let labels = Labels::from_pairs(&[("__name__", name)]);
        engine
            .write(vec![SeriesSamples {
                tenant: Tenant::default(),
                labels: labels.into(),
                samples: vec![Sample {
                    timestamp,
                    value: 1.0,
                }],
            }])
            .expect("write");
    }

    #[test]
    fn a_snapshot_opens_to_the_data_written_before_it() {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut config = EngineConfig::new(dir.path());
        config.background_maintenance = false;
        let engine = Engine::open(config).expect("open");
        let now = crate::now_ms();
        write(&engine, "before", now);
        let name = engine.create_snapshot().expect("snapshot");
        write(&engine, "after", now);
        assert_eq!(engine.list_snapshots().expect("list"), vec![name.clone()]);

        let copy = dir.path().join("snapshots").join(name.as_str());
        let mut config = EngineConfig::new(&copy);
        config.background_maintenance = false;
        let restored = Engine::open(config).expect("open the snapshot");
        let names = restored
            .label_values(
                &SeriesRequest {
                    tenant: Tenant::default(),
                    filters: Vec::new(),
                    range: TimeRange {
                        start: now - 1,
                        end: now + 1,
                    },
                    limit: 100,
                    deadline: Deadline::after(Duration::from_secs(10)),
                },
                "__name__",
            )
            .expect("label values");
        assert_eq!(names, vec!["before".to_string()]);
        drop(restored);
        // Opening created a WAL directory inside the snapshot; deleting it
        // must still work.
        engine.delete_snapshot(&name).expect("delete");
        assert!(engine.list_snapshots().expect("list").is_empty());
        let unknown = SnapshotName::new(now);
        assert!(engine.delete_snapshot(&unknown).is_err());
        engine.create_snapshot().expect("snapshot");
        let hour = Duration::from_secs(3600);
        assert_eq!(engine.delete_snapshots_older_than(hour).expect("expire"), 0);
        assert_eq!(
            engine
                .delete_snapshots_older_than(Duration::ZERO)
                .expect("expire"),
            1
        );
        engine.create_snapshot().expect("snapshot");
        engine.delete_all_snapshots().expect("delete all");
        assert!(engine.list_snapshots().expect("list").is_empty());
    }
}
