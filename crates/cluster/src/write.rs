//! Replicated writes: every series of a batch goes to `replication` distinct
//! nodes; the call returns only when each series is durable on that many.
//!
//! A series' copies go to the first `replication` nodes of its placement
//! ranking. A copy whose node is down, or whose call fails, goes to the next
//! node in the ranking not yet holding the series, marked as a hint for the
//! node it was meant for; that node gets it back by hinted handoff
//! (`repair`). Nodes believed down are tried last, in case they are back.

use crate::node::{Node, is_node_failure};
use crate::placement::Placement;
use bytes::Bytes;
use estuary_rpc::rows::encode_row;
use estuary_storage_api::{SeriesSamples, StorageError, WriteOutcome};
use estuary_types::series_hash_of_encoded;
use futures_util::future::join_all;
use std::collections::BTreeMap;
use std::ops::Range;
use std::sync::Arc;
use std::time::Duration;

/// Writes batches over the cluster's nodes.
pub struct Replicator {
    nodes: Vec<Arc<Node>>,
    placement: Placement,
    replication: usize,
    timeout: Duration,
}

/// One copy still to be placed: which series, and the node meant to hold it.
#[derive(Debug, Clone, Copy)]
struct Copy {
    series: usize,
    meant_for: usize,
}

/// Per series: its ranking, the nodes tried so far (a bit set) and the copies
/// stored.
struct SeriesState {
    ranking: Vec<usize>,
    tried: u64,
    stored: usize,
}

impl Replicator {
    /// A replicator over `nodes` (in `-storageNode` order).
    pub fn new(
        nodes: Vec<Arc<Node>>,
        placement: Placement,
        replication: usize,
        timeout: Duration,
    ) -> Self {
        Replicator {
            nodes,
            placement,
            replication,
            timeout,
        }
    }

    /// Stores `batch` on `replication` nodes per series. The outcome's counts
    /// are per series, not per copy.
    pub async fn write(&self, batch: Vec<SeriesSamples>) -> Result<WriteOutcome, StorageError> {
        if batch.is_empty() {
            return Ok(WriteOutcome::default());
        }
        let mut encoded = Vec::new();
        let mut spans: Vec<Range<usize>> = Vec::with_capacity(batch.len());
        let mut states = Vec::with_capacity(batch.len());
        let mut pending = Vec::with_capacity(batch.len() * self.replication);
        for (index, series) in batch.iter().enumerate() {
            let start = encoded.len();
            let labels = encode_row(series, &mut encoded);
            spans.push(start..encoded.len());
            let ranking = self
                .placement
                .ranking(series_hash_of_encoded(series.tenant, &encoded[labels]));
            pending.extend(ranking[..self.replication].iter().map(|&meant_for| Copy {
                series: index,
                meant_for,
            }));
            states.push(SeriesState {
                ranking,
                tried: 0,
                stored: 0,
            });
        }
        drop(batch);

        let mut totals = WriteOutcome::default();
        let mut last_error: Option<StorageError> = None;
        while !pending.is_empty() {
            // (target node, hint target) -> copies
            let mut groups: BTreeMap<(usize, Option<usize>), Vec<usize>> = BTreeMap::new();
            for copy in pending.drain(..) {
                let state = &mut states[copy.series];
                let Some(target) = self.choose_target(copy.meant_for, state) else {
                    let reason = last_error
                        .as_ref()
                        .map_or_else(|| "no storage node is up".to_string(), ToString::to_string);
                    return Err(StorageError::Unavailable(format!(
                        "a series could be stored on only {} of -replicationFactor={} storage nodes: {reason}",
                        state.stored, self.replication
                    )));
                };
                state.tried |= 1 << target;
                let hint_for = (target != copy.meant_for).then_some(copy.meant_for);
                if let Some(meant_for) = hint_for {
                    self.nodes[meant_for].count_rerouted(1);
                }
                groups
                    .entry((target, hint_for))
                    .or_default()
                    .push(copy.series);
            }
            let calls = groups.into_iter().map(|((target, hint_for), series)| {
                let mut rows = Vec::with_capacity(series.iter().map(|&s| spans[s].len()).sum());
                for &s in &series {
                    rows.extend_from_slice(&encoded[spans[s].clone()]);
                }
                let node = &self.nodes[target];
                let hint_name = hint_for.map(|i| self.nodes[i].address());
                async move {
                    let result = node
                        .call(
                            "write",
                            node.client()
                                .write_rows(Bytes::from(rows), hint_name, self.timeout),
                        )
                        .await;
                    (target, hint_for, series, result)
                }
            });
            for (target, hint_for, series, result) in join_all(calls).await {
                match result {
                    Ok(outcome) => {
                        totals.samples_stored += outcome.samples_stored;
                        totals.samples_too_old += outcome.samples_too_old;
                        totals.series_created += outcome.series_created;
                        for s in series {
                            states[s].stored += 1;
                        }
                    }
                    Err(error) if is_node_failure(&error) => {
                        let meant_for = hint_for.unwrap_or(target);
                        pending.extend(series.into_iter().map(|s| Copy {
                            series: s,
                            meant_for,
                        }));
                        last_error = Some(error);
                    }
                    Err(error) => return Err(error),
                }
            }
        }
        let copies = self.replication as u64;
        Ok(WriteOutcome {
            samples_stored: totals.samples_stored / copies,
            samples_too_old: totals.samples_too_old / copies,
            series_created: totals.series_created.div_ceil(copies),
        })
    }

    /// Where the copy meant for `meant_for` goes: that node while it is up
    /// and untried, else the first untried stand-in after the preferred
    /// nodes that is up, else any untried node believed down.
    fn choose_target(&self, meant_for: usize, state: &SeriesState) -> Option<usize> {
        let untried = |node: usize| state.tried & (1 << node) == 0;
        if untried(meant_for) && self.nodes[meant_for].is_up() {
            return Some(meant_for);
        }
        let stand_ins = &state.ranking[self.replication..];
        stand_ins
            .iter()
            .copied()
            .find(|&node| untried(node) && self.nodes[node].is_up())
            .or_else(|| {
                std::iter::once(meant_for)
                    .chain(stand_ins.iter().copied())
                    .find(|&node| untried(node))
            })
    }
}
