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
            let held = held_by_node(&per_node, labels);
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

/// A series's home: the storage nodes that hold its first sample, written
/// while every node was up. Placement is fixed for a fixed node list, so
/// once repairs are done every later sample of the series must be on every
/// home node too, even those written while a home node was down or frozen.
impl Replicas {
    /// The samples of `expected` missing from a home node of their series,
    /// described for a failure message (empty when all are home). Only
    /// series whose first sample is older than `homes_known_before_ms` are
    /// judged (their home is known); panics when none is, or when a home
    /// has fewer than `min_copies` nodes.
    pub fn not_home(
        &self,
        tenant: &str,
        matches: &[&str],
        range: (i64, i64),
        expected: &SeriesMap,
        homes_known_before_ms: i64,
        min_copies: usize,
    ) -> Vec<String> {
        let per_node = self.per_node(tenant, matches, range);
        let mut problems = Vec::new();
        let mut judged = 0usize;
        let mut missing = 0usize;
        for (labels, samples) in expected {
            let Some(&(first_ts, first_value)) = samples.first() else {
                continue;
            };
            if first_ts >= homes_known_before_ms {
                continue;
            }
            judged += 1;
            let held = held_by_node(&per_node, labels);
            let home: Vec<usize> = (0..held.len())
                .filter(|&i| {
                    held[i]
                        .get(&first_ts)
                        .is_some_and(|v| same_value(*v, first_value))
                })
                .collect();
            if home.len() < min_copies {
                problems.push(format!(
                    "{}: its first sample at {first_ts} is on {} node(s): {}",
                    describe(labels),
                    home.len(),
                    holders(&held, first_ts)
                ));
                continue;
            }
            for &(ts, value) in samples {
                let absent: Vec<usize> = home
                    .iter()
                    .copied()
                    .filter(|&i| !held[i].get(&ts).is_some_and(|v| same_value(*v, value)))
                    .collect();
                if !absent.is_empty() {
                    missing += 1;
                    if problems.len() < SHOWN_MAX {
                        problems.push(format!(
                            "{} at {ts} (value {value}) is not back on home node(s) {}: {}",
                            describe(labels),
                            absent
                                .iter()
                                .map(|i| format!("storage-{}", i + 1))
                                .collect::<Vec<_>>()
                                .join(","),
                            holders(&held, ts)
                        ));
                    }
                }
            }
        }
        assert!(
            judged > 0,
            "no series has a sample older than {homes_known_before_ms}: no home is known"
        );
        if missing > problems.len() {
            problems.push(format!(
                "... {missing} samples missing from a home node in all ({judged} series judged)"
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

impl Replicas {
    /// Waits (up to `timeout`) until every sample of `expected` is on at
    /// least `min_copies` storage nodes and on every home node of its series
    /// (see [`Replicas::not_home`]): the copies missed during a failure have
    /// been repaired.
    #[allow(clippy::too_many_arguments)]
    pub fn wait_repaired(
        &self,
        tenant: &str,
        matches: &[&str],
        range: (i64, i64),
        expected: &SeriesMap,
        homes_known_before_ms: i64,
        min_copies: usize,
        timeout: std::time::Duration,
    ) {
        let mut polls = 0usize;
        let started = std::time::Instant::now();
        super::eventually(timeout, "every copy is repaired", || {
            polls += 1;
            let mut problems = self.under_replicated(tenant, matches, range, expected, min_copies);
            problems.extend(self.not_home(
                tenant,
                matches,
                range,
                expected,
                homes_known_before_ms,
                min_copies,
            ));
            if problems.is_empty() {
                eprintln!(
                    "copies repaired after {polls} check(s), {:?}",
                    started.elapsed()
                );
                Ok(())
            } else {
                if polls == 1 {
                    eprintln!("copies not yet repaired: {}", problems[0]);
                }
                Err(problems.join("\n"))
            }
        });
    }
}

/// Each node's samples of the series `labels` (empty where it has none), by
/// timestamp.
fn held_by_node(per_node: &[SeriesMap], labels: &LabelSet) -> Vec<BTreeMap<i64, f64>> {
    per_node
        .iter()
        .map(|node| {
            node.get(labels)
                .map(|s| s.iter().copied().collect())
                .unwrap_or_default()
        })
        .collect()
}
