//! Health probes: every node is pinged each interval; an answer marks it up,
//! a failure marks it down. The ping also reports the hinted rows each node
//! holds, which the hand-off loop and the metrics use.

use crate::node::Node;
use estuary_metrics::{Registry, series_name};
use futures_util::future::join_all;
use std::sync::Arc;
use std::time::Duration;

/// Probes `nodes` every `interval` until the task is dropped. Rows each node
/// keeps for another go to `estuary_hint_rows_pending{node,target}`.
pub async fn probe_forever(nodes: Vec<Arc<Node>>, interval: Duration, registry: &'static Registry) {
    let timeout = interval.max(Duration::from_millis(500));
    let mut ticker = tokio::time::interval(interval);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticker.tick().await;
        join_all(
            nodes
                .iter()
                .map(|node| probe(node, &nodes, timeout, registry)),
        )
        .await;
    }
}

async fn probe(node: &Arc<Node>, all: &[Arc<Node>], timeout: Duration, registry: &Registry) {
    match node.client().ping(timeout).await {
        Ok(hints) => {
            node.mark_up();
            for target in all {
                let rows = hints
                    .iter()
                    .find(|(name, _)| name == target.address())
                    .map_or(0, |(_, rows)| *rows);
                let gauge = registry.gauge(&series_name(
                    "estuary_hint_rows_pending",
                    &[("node", node.address()), ("target", target.address())],
                ));
                gauge.set(rows as f64);
            }
            node.set_hints_held(hints);
        }
        Err(error) => node.mark_down(&error),
    }
}
