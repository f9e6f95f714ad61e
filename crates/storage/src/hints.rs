//! [`RocksHintStore`]: the rows a storage node keeps for other nodes (hinted
//! handoff), in a RocksDB instance of their own beside the engine's.
//!
//! Key: `u16 target length | target | u64 sequence` (big-endian), so each
//! target's batches sort oldest first. Value: `u64 row count | rows`. Every
//! batch is written with sync, as the write that carried it is acknowledged
//! only afterwards.
//!
//! Batches handed out by [`HintStore::peek`] are leased for
//! [`HINT_LEASE`]: other callers (the other insert nodes) skip them meanwhile,
//! so each batch is normally delivered once; if its deliverer dies, the lease
//! runs out and another one delivers it.

use estuary_storage_api::{Hint, HintStore, StorageError};
use parking_lot::Mutex;
use rocksdb::{DB, Direction, IteratorMode, Options, WriteBatch, WriteOptions};
use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::time::{Duration, Instant};

/// How long a peeked batch is reserved for its caller.
pub const HINT_LEASE: Duration = Duration::from_secs(30);

/// Durable hints in `<dir>`.
pub struct RocksHintStore {
    db: DB,
    state: Mutex<State>,
}

struct State {
    next_sequence: u64,
    /// Rows kept per target, and each kept batch's row count.
    pending: BTreeMap<String, BTreeMap<u64, u64>>,
    /// When the lease on a handed-out batch ends, by sequence.
    leases: HashMap<u64, Instant>,
}

fn internal(what: &str, error: impl std::fmt::Display) -> StorageError {
    StorageError::Internal(format!("hint store: {what}: {error}"))
}

fn key_prefix(target: &str) -> Result<Vec<u8>, StorageError> {
    let length = u16::try_from(target.len())
        .map_err(|_| StorageError::InvalidArgument("hint target name is too long".into()))?;
    let mut key = Vec::with_capacity(2 + target.len() + 8);
    key.extend_from_slice(&length.to_be_bytes());
    key.extend_from_slice(target.as_bytes());
    Ok(key)
}

fn key(target: &str, sequence: u64) -> Result<Vec<u8>, StorageError> {
    let mut key = key_prefix(target)?;
    key.extend_from_slice(&sequence.to_be_bytes());
    Ok(key)
}

/// `(target, sequence)` of a key, `None` when it is not one of ours.
fn parse_key(key: &[u8]) -> Option<(String, u64)> {
    let (length, rest) = key.split_first_chunk::<2>()?;
    let length = usize::from(u16::from_be_bytes(*length));
    let target = std::str::from_utf8(rest.get(..length)?).ok()?;
    let sequence = rest.get(length..)?.first_chunk::<8>()?;
    Some((target.to_string(), u64::from_be_bytes(*sequence)))
}

fn parse_value(value: &[u8]) -> Option<(u64, &[u8])> {
    let (count, rows) = value.split_first_chunk::<8>()?;
    Some((u64::from_be_bytes(*count), rows))
}

impl RocksHintStore {
    /// Opens (or creates) the store in `dir` and counts what it holds.
    pub fn open(dir: &Path) -> Result<Self, StorageError> {
        let mut options = Options::default();
        options.create_if_missing(true);
        options.set_keep_log_file_num(2);
        // The store is empty unless a node was down: do not preallocate
        // RocksDB's default 4 MiB manifest on every storage node.
        options.set_manifest_preallocation_size(64 << 10);
        let db = DB::open(&options, dir).map_err(|e| internal("open", e))?;
        let mut pending: BTreeMap<String, BTreeMap<u64, u64>> = BTreeMap::new();
        let mut next_sequence = 0;
        for entry in db.iterator(IteratorMode::Start) {
            let (key, value) = entry.map_err(|e| internal("scan", e))?;
            let (Some((target, sequence)), Some((rows, _))) =
                (parse_key(&key), parse_value(&value))
            else {
                return Err(internal("scan", "a key or value has a foreign layout"));
            };
            next_sequence = next_sequence.max(sequence + 1);
            pending.entry(target).or_default().insert(sequence, rows);
        }
        Ok(RocksHintStore {
            db,
            state: Mutex::new(State {
                next_sequence,
                pending,
                leases: HashMap::new(),
            }),
        })
    }
}

impl HintStore for RocksHintStore {
    fn add(&self, target: &str, rows: &[u8], row_count: u64) -> Result<(), StorageError> {
        let sequence = {
            let mut state = self.state.lock();
            let sequence = state.next_sequence;
            state.next_sequence += 1;
            sequence
        };
        let mut value = Vec::with_capacity(8 + rows.len());
        value.extend_from_slice(&row_count.to_be_bytes());
        value.extend_from_slice(rows);
        let mut sync = WriteOptions::default();
        sync.set_sync(true);
        self.db
            .put_opt(key(target, sequence)?, value, &sync)
            .map_err(|e| internal("write", e))?;
        self.state
            .lock()
            .pending
            .entry(target.to_string())
            .or_default()
            .insert(sequence, row_count);
        Ok(())
    }

    fn peek(&self, target: &str, bytes_max: usize) -> Result<Vec<Hint>, StorageError> {
        let prefix = key_prefix(target)?;
        let now = Instant::now();
        let mut hints = Vec::new();
        let mut bytes = 0usize;
        let mut state = self.state.lock();
        state.leases.retain(|_, until| *until > now);
        let iterator = self
            .db
            .iterator(IteratorMode::From(&prefix, Direction::Forward));
        for entry in iterator {
            let (key, value) = entry.map_err(|e| internal("read", e))?;
            if !key.starts_with(&prefix) {
                break;
            }
            let (Some((_, sequence)), Some((row_count, rows))) =
                (parse_key(&key), parse_value(&value))
            else {
                return Err(internal("read", "a key or value has a foreign layout"));
            };
            if state.leases.contains_key(&sequence) {
                continue;
            }
            if !hints.is_empty() && bytes + rows.len() > bytes_max {
                break;
            }
            state.leases.insert(sequence, now + HINT_LEASE);
            bytes += rows.len();
            hints.push(Hint {
                sequence,
                rows: rows.to_vec(),
                row_count,
            });
        }
        Ok(hints)
    }

    fn remove(&self, target: &str, sequences: &[u64]) -> Result<(), StorageError> {
        let mut batch = WriteBatch::default();
        for &sequence in sequences {
            batch.delete(key(target, sequence)?);
        }
        self.db.write(batch).map_err(|e| internal("delete", e))?;
        let mut state = self.state.lock();
        for sequence in sequences {
            state.leases.remove(sequence);
        }
        if let Some(kept) = state.pending.get_mut(target) {
            for sequence in sequences {
                kept.remove(sequence);
            }
            if kept.is_empty() {
                state.pending.remove(target);
            }
        }
        Ok(())
    }

    fn pending_rows(&self) -> Vec<(String, u64)> {
        self.state
            .lock()
            .pending
            .iter()
            .map(|(target, kept)| (target.clone(), kept.values().sum()))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hints_are_kept_per_target_in_order_and_survive_reopen() {
        let dir = tempfile::tempdir().expect("temp dir");
        {
            let store = RocksHintStore::open(dir.path()).expect("open");
            store.add("n1:8400", b"aaa", 2).expect("add");
            store.add("n2:8400", b"bbb", 1).expect("add");
            store.add("n1:8400", b"ccc", 3).expect("add");
            assert_eq!(
                store.pending_rows(),
                vec![("n1:8400".to_string(), 5), ("n2:8400".to_string(), 1)]
            );
        }
        let store = RocksHintStore::open(dir.path()).expect("reopen");
        // A budget smaller than one batch still returns one.
        let first = store.peek("n1:8400", 1).expect("peek");
        assert_eq!(first.len(), 1);
        assert_eq!(first[0].rows, b"aaa");
        // Leased batches are skipped by the next caller.
        let rest = store.peek("n1:8400", 1 << 20).expect("peek");
        let rows: Vec<&[u8]> = rest.iter().map(|h| h.rows.as_slice()).collect();
        assert_eq!(rows, [b"ccc".as_slice()]);
        assert!(store.peek("n1:8400", 1 << 20).expect("peek").is_empty());
        store
            .remove("n1:8400", &[first[0].sequence])
            .expect("remove");
        store
            .remove("n1:8400", &[first[0].sequence])
            .expect("repeated remove");
        assert_eq!(
            store.pending_rows(),
            vec![("n1:8400".to_string(), 3), ("n2:8400".to_string(), 1)]
        );
        store.add("n1:8400", b"ddd", 1).expect("add after reopen");
        let after = store.peek("n1:8400", 1 << 20).expect("peek");
        assert_eq!(after.len(), 1);
        assert!(
            after[0].sequence > rest[0].sequence,
            "sequences keep increasing"
        );
        // A target whose name is a prefix of another's does not see its hints.
        assert!(store.peek("n1:840", 1 << 20).expect("peek").is_empty());
    }
}
