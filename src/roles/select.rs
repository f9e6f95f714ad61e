//! `estuary select`: a stateless query node. Every read fans out to all
//! storage nodes; replicas are merged, and answers say `isPartial` when more
//! nodes are missing than replication covers.

use super::cluster_client::{self, RoleSettings};
use super::shared::select_config;
use crate::flags::SelectArgs;
use crate::http::{self, Components};
use estuary_storage_api::Storage;
use std::sync::Arc;
use std::time::Duration;

/// Runs the select node until SIGINT/SIGTERM.
pub async fn run(args: SelectArgs) -> Result<(), String> {
    let cluster = cluster_client::start(
        &args.cluster,
        RoleSettings {
            deliver_hints: false,
            // Select never writes; reads are bounded by each request's deadline.
            write_timeout: Duration::from_secs(5),
            dedup_interval: args.dedup_min_scrape_interval,
        },
    )?;
    crate::self_metrics::register("vmselect");
    let storage: Arc<dyn Storage> = cluster.clone();
    let mut config = select_config(&args.select);
    config.deny_partial_response = args.deny_partial_response;
    let select = estuary_select::routes(estuary_select::SelectState::new(
        storage.clone(),
        config,
        estuary_metrics::global(),
    ));
    let readiness = Box::new(move || {
        if cluster.nodes_up() > 0 {
            Ok(())
        } else {
            Err("no storage node is up".to_string())
        }
    });
    let app = http::app(Components {
        insert: None,
        select: Some(select),
        storage: Some(storage),
        single_node: false,
        readiness: Some(readiness),
        snapshots: None,
    });
    http::serve(&args.http_listen_addr, app).await
}
