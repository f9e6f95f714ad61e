//! `estuary storage`: one storage node of a cluster. The engine serves insert
//! and select nodes over gRPC (`-rpcListenAddr`); HTTP carries health,
//! readiness, metrics and the admin calls. Rows it stands in for other nodes
//! are kept in `<storageDataPath>/hints` until an insert node hands them over.

use super::shared::{close_engine, expire_snapshots, open_engine, register_storage_metrics};
use crate::flags::StorageArgs;
use crate::http::{self, Components};
use estuary_rpc::StorageService;
use estuary_storage::{LocalStorage, RocksHintStore};
use estuary_storage_api::{HintStore, Storage};
use std::sync::Arc;
use tokio::sync::watch;

/// Runs the storage node until SIGINT/SIGTERM, then stops serving and
/// flushes.
pub async fn run(args: StorageArgs) -> Result<(), String> {
    let data_path = args.storage_data_path.clone();
    let engine = open_engine(&data_path, &args.storage).await?;
    register_storage_metrics(&engine, &data_path);
    expire_snapshots(&engine, args.storage.snapshots_max_age);
    crate::self_metrics::register("vmstorage");
    let hints_dir = data_path.join("hints");
    let hints: Arc<dyn HintStore> = Arc::new(
        tokio::task::spawn_blocking(move || RocksHintStore::open(&hints_dir))
            .await
            .map_err(|e| format!("hint store start-up task failed: {e}"))?
            .map_err(|e| format!("cannot open the hint store: {e}"))?,
    );
    let weak_hints = Arc::downgrade(&hints);
    estuary_metrics::global().gauge_fn("estuary_hint_rows_pending", move || {
        weak_hints.upgrade().map_or(0.0, |h| {
            h.pending_rows().iter().map(|(_, rows)| *rows as f64).sum()
        })
    });

    let storage: Arc<dyn Storage> = Arc::new(LocalStorage::new(engine.clone()));
    let (stop, stopped) = watch::channel(false);
    let stop_on_signal = stop.clone();
    let signal = tokio::spawn(async move {
        http::shutdown_signal().await;
        let _ = stop_on_signal.send(true);
    });
    let until_stopped = move || {
        let mut stopped = stopped.clone();
        async move {
            let _ = stopped.wait_for(|stop| *stop).await;
        }
    };

    let rpc_bind = http::bind_address(&args.rpc_listen_addr);
    let listener = tokio::net::TcpListener::bind(&rpc_bind)
        .await
        .map_err(|e| format!("cannot listen for RPC on {rpc_bind}: {e}"))?;
    tracing::info!("listening for RPC on {rpc_bind}");
    let rpc = tonic::transport::Server::builder()
        .add_service(StorageService::new(storage.clone(), hints).into_server())
        .serve_with_incoming_shutdown(
            tokio_stream::wrappers::TcpListenerStream::new(listener),
            until_stopped(),
        );
    let app = http::app(Components {
        insert: None,
        select: None,
        storage: Some(storage),
        single_node: false,
        readiness: None,
        snapshots: Some(crate::http::snapshot::SnapshotAdmin {
            engine: engine.clone(),
            auth_key: args.storage.snapshot_auth_key.clone(),
        }),
    });
    // Whichever server ends first (a signal, or a failure such as a taken
    // port) stops the other, so the node never runs half-served.
    let stop_rpc = stop.clone();
    let stop_http = stop.clone();
    let (rpc_result, http_result) = tokio::join!(
        async move {
            let result = rpc.await;
            let _ = stop_rpc.send(true);
            result
        },
        async move {
            let result = http::serve_until(&args.http_listen_addr, app, until_stopped()).await;
            let _ = stop_http.send(true);
            result
        }
    );
    signal.abort();
    let closed = close_engine(engine).await;
    rpc_result.map_err(|e| format!("RPC server on {rpc_bind} failed: {e}"))?;
    http_result?;
    closed
}
