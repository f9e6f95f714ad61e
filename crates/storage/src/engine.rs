//! The engine: owns RocksDB, the WAL, the head and the series registry, opens
//! and recovers them, and runs background maintenance. The write, flush, read,
//! merge and retention paths live in their own modules as `impl Engine` blocks.

use crate::config::EngineConfig;
use crate::error::{EngineError, IoContext, RocksContext};
use crate::head::Head;
use crate::index::IndexReader;
use crate::keys;
use crate::postings;
use crate::registry::{DEFINITION_DURABLE, SeriesEntry, SeriesRegistry};
use crate::tenant_days::TenantDays;
use crate::wal::{self, reader::replay_segment, record, writer::WalWriter};
use estuary_types::{Sample, Tenant};
use parking_lot::{Mutex, RwLock};
use rocksdb::{
    BlockBasedOptions, Cache, ColumnFamily, ColumnFamilyDescriptor, DB, DBCompressionType, Options,
    WriteBatch,
};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Series ids reserved per meta write: the counter in RocksDB is advanced in
/// blocks so that creating a series costs no extra write; a restart skips at
/// most this many ids.
const SERIES_ID_BLOCK: u32 = 1024;
/// Name of the marker file a restore leaves while it runs.
pub const RESTORE_MARKER: &str = "restore-in-progress";

/// Counters the engine keeps about itself.
#[derive(Debug, Default)]
pub struct EngineStats {
    /// Samples stored since start.
    pub samples_added: AtomicU64,
    /// Samples refused as older than retention.
    pub samples_too_old: AtomicU64,
    /// Series created since start.
    pub series_created: AtomicU64,
    /// Head flushes done.
    pub flushes: AtomicU64,
    /// Day merges done.
    pub day_merges: AtomicU64,
    /// Samples rewritten by day merges.
    pub samples_merged: AtomicU64,
    /// Duplicate samples dropped by day merges.
    pub samples_deduplicated: AtomicU64,
    /// WAL records replayed at start-up.
    pub wal_records_replayed: AtomicU64,
    /// WAL bytes dropped at start-up because of a torn or corrupt tail.
    pub wal_bytes_dropped: AtomicU64,
}

struct SeriesIdAllocator {
    next: u32,
    reserved_until: u32,
}

/// The storage engine of one node.
pub struct Engine {
    pub(crate) db: DB,
    pub(crate) wal: WalWriter,
    pub(crate) head: Head,
    pub(crate) registry: SeriesRegistry,
    /// The days of each tenant that hold series (the index's `tenant_day`
    /// keys, in memory).
    pub(crate) tenant_days: TenantDays,
    /// Writers hold it shared from WAL append to head apply; a flush holds it
    /// exclusively while it rotates the WAL and snapshots the head, so every
    /// record in a closed segment is in the snapshot.
    pub(crate) apply_gate: RwLock<()>,
    /// One flush or merge at a time.
    pub(crate) maintenance_lock: Mutex<()>,
    series_ids: Mutex<SeriesIdAllocator>,
    pub(crate) sequence: AtomicU32,
    pub(crate) wal_position_at_flush: AtomicU64,
    pub(crate) last_flush: Mutex<Instant>,
    pub(crate) config: EngineConfig,
    /// Counters for `/metrics`.
    pub stats: EngineStats,
    stop: AtomicBool,
    background: Mutex<Option<std::thread::JoinHandle<()>>>,
}

impl Engine {
    /// Opens (or creates) the engine in `config.data_path`, replays the WAL and,
    /// if configured, starts background maintenance.
    pub fn open(config: EngineConfig) -> Result<Arc<Engine>, EngineError> {
        let root = &config.data_path;
        std::fs::create_dir_all(root)
            .io_context(|| format!("create data directory {}", root.display()))?;
        let marker = root.join(RESTORE_MARKER);
        if marker.exists() {
            return Err(EngineError::RestoreInProgress(format!(
                "{} exists: a restore into this directory did not finish; run the restore again",
                marker.display()
            )));
        }
        let db = open_db(&root.join("db"), config.block_cache_bytes)?;
        let meta = cf(&db, keys::CF_META);
        let reserved = read_u32(&db, meta, keys::META_NEXT_SERIES_ID)?;
        let sequence = read_u32(&db, meta, keys::META_SEQUENCE)?;

        let wal_dir = root.join("wal");
        std::fs::create_dir_all(&wal_dir).io_context(|| format!("create {}", wal_dir.display()))?;
        let segments =
            wal::list_segments(&wal_dir).io_context(|| format!("list {}", wal_dir.display()))?;
        let next_segment = segments.last().map_or(1, |last| last + 1);
        let wal = WalWriter::create(&wal_dir, next_segment, config.wal_segment_bytes_max)
            .io_context(|| format!("create WAL segment in {}", wal_dir.display()))?;

        let tenant_days = TenantDays::load(&IndexReader::new(&db, cf(&db, keys::CF_INDEX)))?;
        let engine = Arc::new(Engine {
            db,
            wal,
            head: Head::default(),
            registry: SeriesRegistry::default(),
            tenant_days,
            apply_gate: RwLock::new(()),
            maintenance_lock: Mutex::new(()),
            series_ids: Mutex::new(SeriesIdAllocator {
                next: reserved,
                reserved_until: reserved,
            }),
            sequence: AtomicU32::new(sequence),
            wal_position_at_flush: AtomicU64::new(0),
            last_flush: Mutex::new(Instant::now()),
            config,
            stats: EngineStats::default(),
            stop: AtomicBool::new(false),
            background: Mutex::new(None),
        });
        if !segments.is_empty() {
            engine.replay(&wal_dir, &segments)?;
            // Persist what was replayed and drop the old segments right away.
            engine.flush()?;
        }
        if engine.config.background_maintenance {
            let weak = Arc::downgrade(&engine);
            let handle = std::thread::Builder::new()
                .name("estuary-maintenance".into())
                .spawn(move || maintenance_loop(weak))
                .io_context(|| "start the maintenance thread".into())?;
            *engine.background.lock() = Some(handle);
        }
        Ok(engine)
    }

    /// Flushes the head and stops background work. Acknowledged data is safe
    /// without it (it is in the WAL); closing only shortens the next start-up.
    pub fn close(&self) -> Result<(), EngineError> {
        self.stop.store(true, Ordering::Release);
        if let Some(handle) = self.background.lock().take() {
            let _ = handle.join();
        }
        self.flush()
    }

    pub(crate) fn cf(&self, name: &str) -> &ColumnFamily {
        cf(&self.db, name)
    }

    pub(crate) fn index(&self) -> IndexReader<'_> {
        IndexReader::new(&self.db, self.cf(keys::CF_INDEX))
    }

    /// Hands out a new series id, advancing the persisted reservation in blocks.
    pub(crate) fn allocate_series_id(&self) -> Result<u32, EngineError> {
        let mut ids = self.series_ids.lock();
        if ids.next >= ids.reserved_until {
            let until = ids
                .next
                .checked_add(SERIES_ID_BLOCK)
                .ok_or(EngineError::SeriesIdsExhausted)?;
            // The write is ordered after every earlier reservation (same mutex),
            // so the stored value only grows.
            self.db
                .put_cf(
                    self.cf(keys::CF_META),
                    keys::META_NEXT_SERIES_ID,
                    until.to_be_bytes(),
                )
                .context(|| "reserve series ids".into())?;
            ids.reserved_until = until;
        }
        let id = ids.next;
        ids.next += 1;
        Ok(id)
    }

    fn note_replayed_series_id(&self, id: u32) {
        let mut ids = self.series_ids.lock();
        if id >= ids.next {
            ids.next = id.saturating_add(1);
            // Force a fresh reservation before the next allocation.
            ids.reserved_until = ids.reserved_until.min(ids.next);
        }
    }

    /// Replays WAL segments into the head and the index.
    fn replay(&self, dir: &std::path::Path, segments: &[u64]) -> Result<(), EngineError> {
        for &index in segments {
            let path = wal::segment_path(dir, index);
            let outcome = replay_segment(&path, |payload| {
                let mut definitions = Vec::new();
                let mut runs = Vec::new();
                record::decode(
                    payload,
                    |d| definitions.push(d),
                    |id, tenant, samples| {
                        runs.push((id, tenant, samples));
                    },
                )
                .map_err(|e| e.to_string())?;
                self.replay_record(definitions, runs)
                    .map_err(|e| e.to_string())
            })?;
            self.stats
                .wal_records_replayed
                .fetch_add(outcome.records, Ordering::Relaxed);
            self.stats
                .wal_bytes_dropped
                .fetch_add(outcome.bytes_dropped, Ordering::Relaxed);
            if outcome.bytes_dropped > 0 {
                tracing::warn!(
                    segment = %path.display(),
                    bytes = outcome.bytes_dropped,
                    "dropped a torn or corrupt WAL tail (never acknowledged)"
                );
            }
        }
        Ok(())
    }

    fn replay_record(
        &self,
        definitions: Vec<record::SeriesDefinition>,
        runs: Vec<(u32, Tenant, Vec<Sample>)>,
    ) -> Result<(), EngineError> {
        if !definitions.is_empty() {
            let index_cf = self.cf(keys::CF_INDEX);
            let mut batch = WriteBatch::default();
            for definition in &definitions {
                let encoded = definition.labels.to_bytes();
                batch.put_cf(
                    index_cf,
                    keys::series_by_labels(definition.tenant, &encoded),
                    definition.series_id.to_be_bytes(),
                );
                batch.put_cf(
                    index_cf,
                    keys::labels_by_series(definition.tenant, definition.series_id),
                    &encoded,
                );
                self.note_replayed_series_id(definition.series_id);
                let _ = self.registry.get_or_insert_with::<EngineError>(
                    definition.tenant,
                    &encoded,
                    None,
                    || Ok(SeriesEntry::new(definition.series_id, DEFINITION_DURABLE)),
                );
            }
            self.db
                .write(batch)
                .context(|| "replay series definitions".into())?;
        }
        let mut postings = crate::write::PostingsBatch::default();
        for (series_id, tenant, samples) in runs {
            let Some(labels) = self.index().labels_of(tenant, series_id)? else {
                return Err(EngineError::Corrupt {
                    what: "WAL",
                    detail: format!(
                        "samples for series {series_id} of tenant {tenant} without a definition"
                    ),
                });
            };
            postings.add_series(
                tenant,
                series_id,
                labels.iter().map(|l| (l.name.as_str(), l.value.as_str())),
                &samples,
                None,
            );
            self.head.append(series_id, tenant, &samples);
        }
        postings.write(self)
    }
}

impl Drop for Engine {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Release);
    }
}

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

fn cf<'a>(db: &'a DB, name: &str) -> &'a ColumnFamily {
    match db.cf_handle(name) {
        Some(handle) => handle,
        None => panic!("BUG: column family {name} was not opened"),
    }
}

fn read_u32(db: &DB, cf: &ColumnFamily, key: &[u8]) -> Result<u32, EngineError> {
    match db
        .get_cf(cf, key)
        .context(|| format!("read meta key {}", String::from_utf8_lossy(key)))?
    {
        None => Ok(0),
        Some(bytes) => {
            let bytes: [u8; 4] = bytes
                .as_slice()
                .try_into()
                .map_err(|_| EngineError::Corrupt {
                    what: "meta value",
                    detail: format!("{} has {} bytes", String::from_utf8_lossy(key), bytes.len()),
                })?;
            Ok(u32::from_be_bytes(bytes))
        }
    }
}

/// RocksDB block size of the chunks family: larger blocks compress better.
const CHUNK_BLOCK_BYTES: usize = 16 << 10;

fn open_db(path: &std::path::Path, block_cache_bytes: usize) -> Result<DB, EngineError> {
    let block_cache = Cache::new_lru_cache(block_cache_bytes);
    let mut options = Options::default();
    options.create_if_missing(true);
    options.create_missing_column_families(true);
    options.set_max_background_jobs(2);
    // RocksDB's own log holds only index and meta writes between our flushes;
    // past this size RocksDB flushes the column families that pin old log
    // files, so the log cannot grow without bound.
    options.set_max_total_wal_size(64 << 20);
    // Its informational log is for debugging RocksDB itself; warnings suffice.
    options.set_log_level(rocksdb::LogLevel::Warn);
    options.set_keep_log_file_num(2);
    options.set_max_log_file_size(1 << 20);
    options.set_manifest_preallocation_size(64 << 10);

    let mut index = Options::default();
    index.set_merge_operator_associative(postings::MERGE_OPERATOR_NAME, postings::union_merge);
    // Only zstd is linked into RocksDB (the `zstd` feature): it also gives the
    // smallest index on disk.
    index.set_compression_type(DBCompressionType::Zstd);
    let mut table = BlockBasedOptions::default();
    table.set_bloom_filter(10.0, false);
    table.set_block_cache(&block_cache);
    index.set_block_based_table_factory(&table);

    // Chunk bodies are stored uncompressed (`chunk_io`): RocksDB compresses a
    // block of many chunks at once, which costs less per chunk than a zstd
    // frame each, and a read served from the block cache decompresses nothing.
    let mut chunks = Options::default();
    chunks.set_compression_type(DBCompressionType::Zstd);
    let mut chunk_table = BlockBasedOptions::default();
    chunk_table.set_bloom_filter(10.0, false);
    chunk_table.set_block_cache(&block_cache);
    chunk_table.set_block_size(CHUNK_BLOCK_BYTES);
    chunks.set_block_based_table_factory(&chunk_table);

    let mut meta = Options::default();
    let mut meta_table = BlockBasedOptions::default();
    meta_table.set_block_cache(&block_cache);
    meta.set_block_based_table_factory(&meta_table);

    let descriptors = vec![
        ColumnFamilyDescriptor::new(keys::CF_INDEX, index),
        ColumnFamilyDescriptor::new(keys::CF_CHUNKS, chunks),
        ColumnFamilyDescriptor::new(keys::CF_META, meta),
    ];
    DB::open_cf_descriptors(&options, path, descriptors)
        .context(|| format!("open RocksDB at {}", path.display()))
}

fn maintenance_loop(engine: std::sync::Weak<Engine>) {
    let tick = Duration::from_millis(500);
    let mut last_maintenance = Instant::now();
    loop {
        std::thread::sleep(tick);
        let Some(engine) = engine.upgrade() else {
            return;
        };
        if engine.stop.load(Ordering::Acquire) {
            return;
        }
        let wal_growth = engine
            .wal
            .position()
            .saturating_sub(engine.wal_position_at_flush.load(Ordering::Acquire));
        let due = engine.last_flush.lock().elapsed() >= engine.config.head_flush_interval;
        if (due || wal_growth >= engine.config.wal_bytes_flush_threshold)
            && let Err(error) = engine.flush()
        {
            tracing::error!(%error, "head flush failed; will retry");
        }
        if last_maintenance.elapsed() >= engine.config.maintenance_interval {
            last_maintenance = Instant::now();
            if let Err(error) = engine.merge_pending_days(false) {
                tracing::error!(%error, "day merge failed; will retry");
            }
            if let Err(error) = engine.apply_retention() {
                tracing::error!(%error, "retention sweep failed; will retry");
            }
        }
    }
}

impl Engine {
    /// Series and samples in the head (waiting for the next flush).
    pub fn head_stats(&self) -> (u64, u64) {
        self.head.stats()
    }
}
