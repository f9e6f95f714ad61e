//! `estuary insert`: a stateless ingestion node. Requests are parsed and
//! validated here; each series is written to `-replicationFactor` storage
//! nodes before the request is acknowledged. This node also hands hinted rows
//! back to their storage nodes once they return.

use super::cluster_client::{self, RoleSettings};
use super::shared::insert_config;
use crate::flags::InsertArgs;
use crate::http::{self, Components};
use estuary_storage_api::Storage;
use std::sync::Arc;
use std::time::Duration;

/// Runs the insert node until SIGINT/SIGTERM.
pub async fn run(args: InsertArgs) -> Result<(), String> {
    let cluster = cluster_client::start(
        &args.cluster,
        RoleSettings {
            deliver_hints: true,
            write_timeout: args.write_timeout,
            dedup_interval: Duration::ZERO,
        },
    )?;
    crate::self_metrics::register("vminsert");
    let storage: Arc<dyn Storage> = cluster.clone();
    let insert = estuary_insert::routes(estuary_insert::InsertState::new(
        storage.clone(),
        insert_config(&args.insert),
    ));
    let readiness = Box::new(move || {
        let up = cluster.nodes_up();
        if up >= cluster.replication() {
            Ok(())
        } else {
            Err(format!(
                "{up} of {} storage nodes are up; writes need -replicationFactor={}",
                cluster.nodes_total(),
                cluster.replication()
            ))
        }
    });
    let app = http::app(Components {
        insert: Some(insert),
        select: None,
        storage: Some(storage),
        single_node: false,
        readiness: Some(readiness),
        snapshots: None,
    });
    http::serve(&args.http_listen_addr, app).await
}
