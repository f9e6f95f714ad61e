//! A rolling restart of the storage nodes under load loses nothing and
//! costs vmagent nothing.
//!
//! Debian's vmagent scrapes Debian's node_exporter every second and writes
//! to the cluster (through insert-1) and to an `estuary single`, the
//! expectation. The three storage nodes are restarted one at a time, as an
//! operator would: SIGTERM, wait for the exit, start on the same data
//! directory and ports, wait for `/ready`, let it run a few seconds, next.
//! Afterwards: vmagent's queues are drained and it dropped no packet; the
//! cluster exports and answers exactly as the single node does; every
//! sample is held by at least 2 storage nodes.

mod common;

use common::cluster::Cluster;
use common::mirror::{ALL, Mirror, TENANT};
use common::now_ms;
use common::replicas::Replicas;
use std::thread;
use std::time::Duration;

/// Scrapes before the first restart.
const SCRAPES_BEFORE: usize = 8;
/// Samples this much older than the first restart were written while all
/// nodes were up, so the nodes holding them are their series's home.
const HOME_MARGIN_MS: i64 = 5_000;
/// Time a restarted node runs before the next one goes down.
const SETTLE: Duration = Duration::from_secs(3);
/// Load after the last restart, before the window closes.
const LOAD_AFTER: Duration = Duration::from_secs(5);
/// How long repairs may take.
const REPAIR_TIMEOUT: Duration = Duration::from_secs(60);

#[test]
fn cluster_rolling_restart() {
    let mut cluster = Cluster::start();
    let mut mirror = Mirror::start(&cluster);
    mirror.wait_for_scrapes(SCRAPES_BEFORE);

    let first_restart_at = now_ms();
    for index in 0..cluster.storage.len() {
        let node = &mut cluster.storage[index];
        let status = node.stop();
        assert!(
            status.success(),
            "{} exited with {status} on SIGTERM\n{}",
            node.name(),
            node.log_tail()
        );
        node.restart();
        eprintln!("{} restarted", node.name());
        thread::sleep(SETTLE);
        cluster.assert_running();
    }
    thread::sleep(LOAD_AFTER);

    let window = mirror.window_until_now();
    let reference = mirror.assert_same_data(&mut cluster, window);
    mirror.assert_same_answers(&cluster, window);
    let queues = mirror.assert_nothing_dropped();
    eprintln!("vmagent: {queues:?}");

    let replicas = Replicas::start(&cluster);
    replicas.wait_repaired(
        TENANT,
        &[ALL],
        window,
        &reference,
        first_restart_at - HOME_MARGIN_MS,
        cluster.replication_factor,
        REPAIR_TIMEOUT,
    );
    cluster.wait_hints_delivered(REPAIR_TIMEOUT);
}
