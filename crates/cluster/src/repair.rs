//! Hinted handoff: rows a node stored for another (because that node was
//! down or failed a write) are written to their node once it is up again,
//! then dropped from the holder. Re-delivery is harmless (samples are
//! deduplicated by timestamp), so two insert nodes may deliver at once.

use crate::node::{Node, is_node_failure};
use bytes::Bytes;
use estuary_metrics::Counter;
use std::sync::Arc;
use std::time::Duration;

/// Bytes of hinted rows fetched per call.
const PEEK_BYTES_MAX: usize = 4 << 20;
/// Batches of hints handed over per holder and target in one round, so one
/// large backlog does not starve the others.
const ROUNDS_PER_PAIR_MAX: usize = 16;

/// Delivers hints every `interval` until the task is dropped.
pub async fn deliver_forever(
    nodes: Vec<Arc<Node>>,
    interval: Duration,
    timeout: Duration,
    delivered_rows: Arc<Counter>,
) {
    let mut ticker = tokio::time::interval(interval);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticker.tick().await;
        for target in &nodes {
            for holder in &nodes {
                if Arc::ptr_eq(target, holder)
                    || !target.is_up()
                    || !holder.is_up()
                    || holder.hints_held_for(target.address()) == 0
                {
                    continue;
                }
                if let Err(error) = deliver(holder, target, timeout, &delivered_rows).await {
                    tracing::warn!(
                        holder = holder.address(),
                        target = target.address(),
                        "hinted handoff paused: {error}"
                    );
                }
            }
        }
    }
}

/// Hands the hints `holder` keeps for `target` over, oldest first.
async fn deliver(
    holder: &Node,
    target: &Node,
    timeout: Duration,
    delivered_rows: &Counter,
) -> Result<(), estuary_storage_api::StorageError> {
    let mut delivered = 0u64;
    for _ in 0..ROUNDS_PER_PAIR_MAX {
        let hints = holder
            .call(
                "hints",
                holder
                    .client()
                    .peek_hints(target.address(), PEEK_BYTES_MAX, timeout),
            )
            .await?;
        if hints.is_empty() {
            break;
        }
        let mut sequences = Vec::with_capacity(hints.len());
        for hint in hints {
            let rows = hint.row_count;
            let written = target
                .call(
                    "write",
                    target
                        .client()
                        .write_rows(Bytes::from(hint.rows), None, timeout),
                )
                .await;
            match written {
                Ok(_) => {
                    delivered += rows;
                    delivered_rows.add(rows);
                }
                Err(error) if is_node_failure(&error) => return Err(error),
                // The target refuses these rows for good (e.g. older than its
                // retention): keeping them would block the rest.
                Err(error) => tracing::warn!(
                    holder = holder.address(),
                    target = target.address(),
                    "dropping {rows} hinted rows the target refuses: {error}"
                ),
            }
            sequences.push(hint.sequence);
        }
        holder
            .call(
                "hints",
                holder
                    .client()
                    .drop_hints(target.address(), sequences, timeout),
            )
            .await?;
    }
    if delivered > 0 {
        tracing::info!(
            holder = holder.address(),
            target = target.address(),
            rows = delivered,
            "hinted rows handed over"
        );
    }
    Ok(())
}
