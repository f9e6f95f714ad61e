//! Cluster ingest benchmark: an Estuary cluster on loopback (3 storage nodes,
//! replication 2) against `estuary single` and VictoriaMetrics single-node.
//!
//! Encodes the load benchmark's node_exporter-like data set once as
//! remote-write bodies, then in turn, each alone on the machine:
//!
//! 1. starts the cluster: 3 × `estuary storage`, `estuary insert` (1 by
//!    default) and 1 × `estuary select`, all with `-replicationFactor=2`,
//!    each on free loopback ports with its own temporary directory, waits for
//!    `/ready` on each, sends every body to `/insert/0/prometheus/api/v1/write`
//!    (the connections spread over the insert nodes), flushes and merges
//!    through the insert node (which fans out to every storage node) and
//!    counts `/select/0/prometheus/api/v1/export`;
//! 2. does the same with `estuary single`;
//! 3. and with Debian's VictoriaMetrics 1.79 single node.
//!
//! CPU is the sum over every process of the system (user + system from
//! `/proc/<pid>/stat`), disk the sum over the storage nodes' data
//! directories (about two copies of everything with replication 2: "per copy"
//! divides by the replication factor), memory the sum of resident sizes. The
//! table shows each figure and the ratios cluster/single and cluster/VM; it is
//! also written to `$CARGO_TARGET_DIR/cluster-load-report.json`.
//!
//! ```text
//! CARGO_TARGET_DIR=$HOME/.cache/estuary/target-cbench cargo bench --bench cluster_load
//! ESTUARY_LOAD_SERIES=5000 ESTUARY_LOAD_SCRAPES=20 cargo bench --bench cluster_load
//! ```
//!
//! Settings: those of the load benchmark (`ESTUARY_LOAD_SERIES`,
//! `ESTUARY_LOAD_SCRAPES`, `ESTUARY_LOAD_THREADS`, `ESTUARY_LOAD_VM_BIN`,
//! `ESTUARY_LOAD_KEEP`) and `ESTUARY_CLUSTER_INSERT_NODES` (default 1).
//!
//! It fails if any request fails or if the cluster or `estuary single`
//! exports other series or sample counts than were sent: that is
//! correctness. The speed figures are reported, not judged.
//!
//! Without `--bench` (as `cargo test --benches` runs it) it only builds and
//! checks a small data set, without starting servers.

#[path = "load/mod.rs"]
mod load;

use load::bench_env::{env_usize, report_path, write_report};
use load::cluster::{Cluster, Topology};
use load::report::Ratio;
use load::server::{Peer, Server};
use load::{client, measure, proc_stats, report, verdict, workload};
use serde_json::json;
use std::process::ExitCode;
use std::time::Instant;
use workload::Settings;

/// Storage nodes of the measured cluster.
const STORAGE_NODES: usize = 3;
/// Copies of every series in the measured cluster.
const REPLICATION: usize = 2;

fn main() -> ExitCode {
    let bench_mode = workload::bench_mode();
    let settings = Settings::from_env(bench_mode);
    let topology = Topology {
        storage_nodes: STORAGE_NODES,
        insert_nodes: env_usize("ESTUARY_CLUSTER_INSERT_NODES", 1),
        replication: REPLICATION,
    };
    let (dataset, payloads) = workload::prepare("cluster_load", settings);
    if !bench_mode {
        println!(
            "cluster_load: payloads verified; run `cargo bench --bench cluster_load` to measure"
        );
        return ExitCode::SUCCESS;
    }
    let started = Instant::now();
    let client = client::http_client();
    let cluster = {
        let mut cluster = Cluster::start(topology, &client);
        measure::measure(&mut cluster, &client, &payloads, settings.threads)
    };
    let measure_peer = |peer| {
        let mut server = Server::start(peer, &client);
        measure::measure(&mut server, &client, &payloads, settings.threads)
    };
    let single = measure_peer(Peer::Estuary);
    let vm = measure_peer(Peer::VictoriaMetrics);
    let measurements = [&cluster, &single, &vm];
    let ratios = [Ratio { of: 0, to: 1 }, Ratio { of: 0, to: 2 }];
    println!(
        "\n{} storage nodes, {} insert node(s), 1 select node, replication {}; \
         {} client connections; whole run {:.0} s, load average {}",
        topology.storage_nodes,
        topology.insert_nodes,
        topology.replication,
        settings.threads,
        started.elapsed().as_secs_f64(),
        proc_stats::load_average()
    );
    println!("{}", report::ratio_table(&measurements, &ratios));
    let mut settings_json = workload::settings_json(settings, &dataset, &payloads);
    settings_json["cluster"] = json!({
        "storage_nodes": topology.storage_nodes,
        "insert_nodes": topology.insert_nodes,
        "select_nodes": 1,
        "replication": topology.replication,
    });
    settings_json["run_seconds"] = json!(started.elapsed().as_secs_f64());
    let report = report::ratio_json(settings_json, &measurements, &ratios);
    let path = report_path("cluster-load-report.json");
    write_report(&path, &report);
    println!("report written to {}", path.display());
    verdict::verdict(&[&cluster, &single], &[&vm], &payloads)
}
