//! What several roles set up the same way: the storage engine and its
//! metrics, and the insert and select configurations from flags.

use crate::flags::{InsertFlags, SelectFlags, StorageFlags, default_concurrency};
use estuary_storage::{Engine, EngineConfig, RetentionPolicy};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::Ordering;

/// Opens the engine in `data_path` with the storage flags (WAL replay runs
/// here, on the blocking pool).
pub async fn open_engine(data_path: &Path, flags: &StorageFlags) -> Result<Arc<Engine>, String> {
    if !flags.downsampling_period.is_empty() {
        return Err("-downsampling.period is not supported by Estuary; remove the flag".into());
    }
    let mut config = EngineConfig::new(data_path);
    config.retention = retention_policy(flags);
    config.head_flush_interval = flags.head_flush_interval;
    config.block_cache_bytes = flags.block_cache_size;
    tokio::task::spawn_blocking(move || Engine::open(config))
        .await
        .map_err(|e| format!("storage start-up task failed: {e}"))?
        .map_err(|e| format!("cannot open storage at {}: {e}", data_path.display()))
}

/// Deletes snapshots older than `max_age` every minute, for as long as the
/// engine is open; nothing when `max_age` is zero (`-snapshotsMaxAge`).
pub fn expire_snapshots(engine: &Arc<Engine>, max_age: std::time::Duration) {
    if max_age.is_zero() {
        return;
    }
    let weak = Arc::downgrade(engine);
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(60));
        loop {
            tick.tick().await;
            let Some(engine) = weak.upgrade() else {
                return;
            };
            let swept =
                tokio::task::spawn_blocking(move || engine.delete_snapshots_older_than(max_age))
                    .await;
            match swept {
                Ok(Ok(0)) => {}
                Ok(Ok(deleted)) => {
                    tracing::info!(deleted, "deleted snapshots past -snapshotsMaxAge")
                }
                Ok(Err(error)) => tracing::error!(%error, "cannot delete old snapshots"),
                Err(error) => tracing::error!(%error, "snapshot expiry task failed"),
            }
        }
    });
}

/// Flushes and closes the engine.
pub async fn close_engine(engine: Arc<Engine>) -> Result<(), String> {
    tokio::task::spawn_blocking(move || engine.close())
        .await
        .map_err(|e| format!("storage shutdown task failed: {e}"))?
        .map_err(|e| format!("cannot flush storage on shutdown: {e}"))
}

fn retention_policy(flags: &StorageFlags) -> RetentionPolicy {
    let as_ms = |d: std::time::Duration| i64::try_from(d.as_millis()).unwrap_or(i64::MAX);
    RetentionPolicy {
        default_ms: as_ms(flags.retention_period),
        overrides: flags
            .retention_filter
            .iter()
            .map(|f| (f.account_id, f.project_id, as_ms(f.retention)))
            .collect(),
    }
}

/// The ingestion limits from flags.
pub fn insert_config(flags: &InsertFlags) -> estuary_insert::InsertConfig {
    estuary_insert::InsertConfig {
        request_bytes_max: flags.max_insert_request_size,
        labels_per_series_max: flags.max_labels_per_timeseries,
        label_name_bytes_max: flags.max_label_name_len,
        label_value_bytes_max: flags.max_label_value_len,
        concurrent_inserts_max: flags
            .max_concurrent_inserts
            .unwrap_or_else(default_concurrency),
        queue_duration_max: flags.insert_max_queue_duration,
        ..Default::default()
    }
}

/// The read-API limits from flags.
pub fn select_config(flags: &SelectFlags) -> estuary_select::SelectConfig {
    estuary_select::SelectConfig {
        max_series: flags.max_series,
        max_samples_per_query: flags.max_samples_per_query,
        max_query_duration: flags.max_query_duration,
        max_concurrent_requests: flags
            .max_concurrent_requests
            .unwrap_or_else(default_concurrency),
        max_queue_duration: flags.max_queue_duration,
        ..Default::default()
    }
}

/// Exposes the engine's counters under VictoriaMetrics's storage metric names.
pub fn register_storage_metrics(engine: &Arc<Engine>, data_path: &std::path::Path) {
    let registry = estuary_metrics::global();
    let counter = |name: &str, read: fn(&Engine) -> u64| {
        let weak = Arc::downgrade(engine);
        registry.gauge_fn(name, move || {
            weak.upgrade().map_or(0.0, |e| read(&e) as f64)
        });
    };
    counter("vm_rows_added_to_storage_total", |e| {
        e.stats.samples_added.load(Ordering::Relaxed)
    });
    counter("vm_new_timeseries_created_total", |e| {
        e.stats.series_created.load(Ordering::Relaxed)
    });
    counter(
        "vm_rows_ignored_total{reason=\"too_small_timestamp\"}",
        |e| e.stats.samples_too_old.load(Ordering::Relaxed),
    );
    counter("vm_deduplicated_samples_total{type=\"merge\"}", |e| {
        e.stats.samples_deduplicated.load(Ordering::Relaxed)
    });
    counter("vm_rows_merged_total{type=\"storage/big\"}", |e| {
        e.stats.samples_merged.load(Ordering::Relaxed)
    });
    counter("estuary_head_flushes_total", |e| {
        e.stats.flushes.load(Ordering::Relaxed)
    });
    counter("estuary_day_merges_total", |e| {
        e.stats.day_merges.load(Ordering::Relaxed)
    });
    counter("estuary_wal_records_replayed_total", |e| {
        e.stats.wal_records_replayed.load(Ordering::Relaxed)
    });
    counter("vm_pending_rows{type=\"storage\"}", |e| e.head_stats().1);
    counter("vm_cache_entries{type=\"storage/hour_metric_ids\"}", |e| {
        e.head_stats().0
    });
    let weak = Arc::downgrade(engine);
    registry.gauge_fn("vm_snapshots", move || {
        weak.upgrade()
            .and_then(|e| e.list_snapshots().ok())
            .map_or(0.0, |names| names.len() as f64)
    });
    let path = data_path.to_path_buf();
    // Snapshots are hard links of the live files: counting them would count
    // the same bytes twice.
    registry.gauge_fn("vm_data_size_bytes{type=\"storage/big\"}", move || {
        dir_bytes(&path) as f64 - dir_bytes(&path.join(estuary_storage::SNAPSHOTS_DIR)) as f64
    });
}

fn dir_bytes(path: &std::path::Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(path) else {
        return 0;
    };
    entries
        .flatten()
        .map(|entry| match entry.metadata() {
            Ok(meta) if meta.is_dir() => dir_bytes(&entry.path()),
            Ok(meta) => meta.len(),
            Err(_) => 0,
        })
        .sum()
}
