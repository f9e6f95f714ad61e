//! `estuary single`: storage, insert and select in one process, joined by
//! in-process calls through the same `Storage` trait the cluster uses over RPC.

use super::shared::{
    close_engine, expire_snapshots, insert_config, open_engine, register_storage_metrics,
    select_config,
};
use crate::flags::SingleArgs;
use crate::http::{self, Components};
use estuary_storage::LocalStorage;
use estuary_storage_api::Storage;
use std::sync::Arc;

/// Runs the single node until SIGINT/SIGTERM.
pub async fn run(args: SingleArgs) -> Result<(), String> {
    let engine = open_engine(&args.storage_data_path, &args.storage).await?;
    register_storage_metrics(&engine, &args.storage_data_path);
    expire_snapshots(&engine, args.storage.snapshots_max_age);
    crate::self_metrics::register("victoria-metrics");

    let storage: Arc<dyn Storage> = Arc::new(LocalStorage::new(engine.clone()));
    let insert = estuary_insert::routes(estuary_insert::InsertState::new(
        storage.clone(),
        insert_config(&args.insert),
    ));
    let select = estuary_select::routes(estuary_select::SelectState::new(
        storage.clone(),
        select_config(&args.select),
        estuary_metrics::global(),
    ));
    let app = http::app(Components {
        insert: Some(insert),
        select: Some(select),
        storage: Some(storage),
        single_node: true,
        readiness: None,
        snapshots: Some(crate::http::snapshot::SnapshotAdmin {
            engine: engine.clone(),
            auth_key: args.storage.snapshot_auth_key.clone(),
        }),
    });
    let served = http::serve(&args.http_listen_addr, app).await;

    let closed = close_engine(engine).await;
    served?;
    closed
}
