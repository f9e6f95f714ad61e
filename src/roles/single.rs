//! `estuary single`: storage, insert and select in one process, joined by
//! in-process calls through the same `Storage` trait the cluster uses over RPC.

use crate::flags::{SingleArgs, default_concurrency};
use crate::http::{self, Components};
use estuary_storage::{Engine, EngineConfig, LocalStorage, RetentionPolicy};
use estuary_storage_api::Storage;
use std::sync::Arc;
use std::sync::atomic::Ordering;

/// Runs the single node until SIGINT/SIGTERM.
pub async fn run(args: SingleArgs) -> Result<(), String> {
    if !args.storage.downsampling_period.is_empty() {
        return Err("-downsampling.period is not supported by Estuary; remove the flag".into());
    }
    let mut config = EngineConfig::new(&args.storage_data_path);
    config.retention = retention_policy(&args);
    config.head_flush_interval = args.storage.head_flush_interval;
    let engine = tokio::task::spawn_blocking(move || Engine::open(config))
        .await
        .map_err(|e| format!("storage start-up task failed: {e}"))?
        .map_err(|e| {
            format!(
                "cannot open storage at {}: {e}",
                args.storage_data_path.display()
            )
        })?;
    register_storage_metrics(&engine, &args.storage_data_path);
    crate::self_metrics::register("victoria-metrics");

    let storage: Arc<dyn Storage> = Arc::new(LocalStorage::new(engine.clone()));
    let insert = estuary_insert::routes(estuary_insert::InsertState::new(
        storage.clone(),
        insert_config(&args),
    ));
    let select = estuary_select::routes(estuary_select::SelectState::new(
        storage.clone(),
        select_config(&args),
        estuary_metrics::global(),
    ));
    let app = http::app(Components {
        insert: Some(insert),
        select: Some(select),
        storage: Some(storage),
        single_node: true,
    });
    let served = http::serve(&args.http_listen_addr, app).await;

    let closed = tokio::task::spawn_blocking(move || engine.close())
        .await
        .map_err(|e| format!("storage shutdown task failed: {e}"))?;
    served?;
    closed.map_err(|e| format!("cannot flush storage on shutdown: {e}"))
}

fn retention_policy(args: &SingleArgs) -> RetentionPolicy {
    let as_ms = |d: std::time::Duration| i64::try_from(d.as_millis()).unwrap_or(i64::MAX);
    RetentionPolicy {
        default_ms: as_ms(args.storage.retention_period),
        overrides: args
            .storage
            .retention_filter
            .iter()
            .map(|f| (f.account_id, f.project_id, as_ms(f.retention)))
            .collect(),
    }
}

fn insert_config(args: &SingleArgs) -> estuary_insert::InsertConfig {
    estuary_insert::InsertConfig {
        request_bytes_max: args.insert.max_insert_request_size,
        labels_per_series_max: args.insert.max_labels_per_timeseries,
        label_name_bytes_max: args.insert.max_label_name_len,
        label_value_bytes_max: args.insert.max_label_value_len,
        concurrent_inserts_max: args
            .insert
            .max_concurrent_inserts
            .unwrap_or_else(default_concurrency),
        queue_duration_max: args.insert.insert_max_queue_duration,
        ..Default::default()
    }
}

fn select_config(args: &SingleArgs) -> estuary_select::SelectConfig {
    estuary_select::SelectConfig {
        max_series: args.select.max_series,
        max_samples_per_query: args.select.max_samples_per_query,
        max_query_duration: args.select.max_query_duration,
        max_concurrent_requests: args
            .select
            .max_concurrent_requests
            .unwrap_or_else(default_concurrency),
        max_queue_duration: args.select.max_queue_duration,
        ..Default::default()
    }
}

/// Exposes the engine's counters under VictoriaMetrics's storage metric names.
fn register_storage_metrics(engine: &Arc<Engine>, data_path: &std::path::Path) {
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
    let path = data_path.to_path_buf();
    registry.gauge_fn("vm_data_size_bytes{type=\"storage/big\"}", move || {
        dir_bytes(&path) as f64
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
