//! Counting copies: how many storage nodes hold each sample.
//!
//! For each storage node a select node that sees only that node (replication
//! factor 1) exports what the node holds; a sample is counted once per node
//! whose export has it with the same timestamp and value.

use super::api::{LabelSet, SeriesMap, export, same_value};
use super::cluster::{Cluster, Node};
use std::collections::BTreeMap;

/// Differences quoted in one message.
const SHOWN_MAX: usize = 10;

/// One read-only view per storage node.
pub struct Replicas {
    views: Vec<Node>,
}

impl Replicas {
    /// Starts one one-node select per storage node of `cluster`.
    pub fn start(cluster: &Cluster) -> Replicas {
        Replicas {
            views: (0..cluster.storage.len())
                .map(|i| cluster.one_node_select(i))
                .collect(),
        }
    }

    /// What each storage node holds of `matches` in `range`, node by node.
    pub fn per_node(&self, tenant: &str, matches: &[&str], range: (i64, i64)) -> Vec<SeriesMap> {
        self.views
            .iter()
            .map(|view| export(&view.select_base(tenant), matches, Some(range)))
            .collect()
    }

    /// The samples of `expected` held by fewer than `min_copies` storage
    /// nodes, described for a failure message (empty when all are held).
    pub fn under_replicated(
        &self,
        tenant: &str,
        matches: &[&str],
        range: (i64, i64),
        expected: &SeriesMap,
        min_copies: usize,
    ) -> Vec<String> {
        let per_node = self.per_node(tenant, matches, range);
        let mut problems = Vec::new();
        let mut short_samples = 0usize;
        for (labels, samples) in expected {
            let held: Vec<BTreeMap<i64, f64>> = per_node
                .iter()
                .map(|node| {
                    node.get(labels)
                        .map(|s| s.iter().copied().collect())
                        .unwrap_or_default()
                })
                .collect();
            for &(ts, value) in samples {
                let copies = held
                    .iter()
                    .filter(|node| node.get(&ts).is_some_and(|v| same_value(*v, value)))
                    .count();
                if copies < min_copies {
                    short_samples += 1;
                    if problems.len() < SHOWN_MAX {
                        problems.push(format!(
                            "{} at {ts} (value {value}) is on {copies} node(s): {}",
                            describe(labels),
                            holders(&held, ts)
                        ));
                    }
                }
            }
        }
        if short_samples > problems.len() {
            problems.push(format!(
                "... {short_samples} under-replicated samples in all"
            ));
        }
        problems
    }
}

fn holders(held: &[BTreeMap<i64, f64>], ts: i64) -> String {
    held.iter()
        .enumerate()
        .map(|(i, node)| match node.get(&ts) {
            Some(value) => format!("storage-{}={value}", i + 1),
            None => format!("storage-{}=absent", i + 1),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn describe(labels: &LabelSet) -> String {
    let inner: Vec<String> = labels.iter().map(|(n, v)| format!("{n}={v:?}")).collect();
    format!("{{{}}}", inner.join(","))
}
