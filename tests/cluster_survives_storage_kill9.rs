//! A storage node dies with `kill -9` under real load and comes back on the
//! same data directory some seconds later; nothing is lost and every sample
//! ends up on two storage nodes again.
//!
//! Debian's vmagent scrapes Debian's node_exporter every second and writes
//! every block both to the cluster (3 storage, 2 insert, 2 select nodes,
//! replication factor 2) and to an `estuary single`, the expectation. While
//! it writes, one storage node (chosen from the printed seed) is killed with
//! SIGKILL and restarted 5 s later. Once vmagent's queues are drained:
//! - both select nodes export exactly what the single node exports for the
//!   run's window (same series, same samples);
//! - PromQL instant and range queries answer the same on both sides;
//! - every sample is held by at least 2 storage nodes (the copies the dead
//!   node missed are repaired), counted through one-node select views;
//! - vmagent dropped nothing, and insert-1 says it rerouted rows away from
//!   the dead node and delivered them back (hinted handoff).

mod common;

use common::api::self_metric_sum;
use common::cluster::Cluster;
use common::mirror::{ALL, Mirror, TENANT};
use common::replicas::Replicas;
use common::{Rng, now_ms};
use std::thread;
use std::time::Duration;

/// Scrapes before the kill.
const SCRAPES_BEFORE_KILL: usize = 8;
/// Samples this much older than the kill were written while all nodes were
/// up, so the nodes holding them are their series's home.
const HOME_MARGIN_MS: i64 = 5_000;
/// How long the killed node stays down.
const DOWN_FOR: Duration = Duration::from_secs(5);
/// Load after the restart, before the window closes.
const LOAD_AFTER_RESTART: Duration = Duration::from_secs(8);
/// How long repairs may take.
const REPAIR_TIMEOUT: Duration = Duration::from_secs(60);

#[test]
fn cluster_survives_storage_kill9() {
    let mut rng = Rng::from_env_or_clock("cluster_survives_storage_kill9");
    let mut cluster = Cluster::start();
    let mut mirror = Mirror::start(&cluster);
    mirror.wait_for_scrapes(SCRAPES_BEFORE_KILL);

    let victim = usize::try_from(rng.range(0, cluster.storage.len() as u64)).expect("index");
    let victim_addr = cluster.storage[victim].rpc_addr();
    eprintln!("killing {} ({victim_addr})", cluster.storage[victim].name());
    let killed_at = now_ms();
    cluster.storage[victim].kill9();
    thread::sleep(DOWN_FOR);
    cluster.storage[victim].restart();
    thread::sleep(LOAD_AFTER_RESTART);

    let window = mirror.window_until_now();
    let reference = mirror.assert_same_data(&mut cluster, window);
    mirror.assert_same_answers(&cluster, window);

    let replicas = Replicas::start(&cluster);
    replicas.wait_repaired(
        TENANT,
        &[ALL],
        window,
        &reference,
        killed_at - HOME_MARGIN_MS,
        cluster.replication_factor,
        REPAIR_TIMEOUT,
    );
    cluster.wait_hints_delivered(REPAIR_TIMEOUT);
    let queues = mirror.assert_nothing_dropped();
    eprintln!("vmagent: {queues:?}");

    // The failure path was taken, not avoided by luck.
    let insert = cluster.insert[0].base();
    let rerouted = self_metric_sum(
        &insert,
        "estuary_rows_rerouted_total",
        &[("node", &victim_addr)],
    );
    assert!(
        rerouted > 0.0,
        "insert-1 reports no rows rerouted away from the killed node {victim_addr} \
         (estuary_rows_rerouted_total); was it written to while down?\n{}",
        cluster.logs_tail()
    );
    let delivered: f64 = cluster
        .insert
        .iter()
        .map(|node| self_metric_sum(&node.base(), "estuary_hint_rows_delivered_total", &[]))
        .sum();
    eprintln!(
        "insert-1: {rerouted} rows rerouted from {victim_addr}; inserts: {delivered} hinted rows delivered"
    );
    assert!(
        delivered > 0.0,
        "the killed node's copies are back, but no insert node counts hinted rows delivered \
         (estuary_hint_rows_delivered_total)"
    );
}
