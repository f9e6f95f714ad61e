//! End-to-end load benchmark: Estuary against VictoriaMetrics single-node.
//!
//! Generates node_exporter-like data (hosts × ~420 series, half counters, half
//! gauges, scraped every 15 s and ending a minute ago), encodes it as
//! Prometheus remote-write bodies before any timer starts, then starts each
//! server in turn on its own port and temporary data directory and, for each:
//! sends every body with a few concurrent connections, measures wall time and
//! the server's CPU, forces a flush and a merge and waits until the server is
//! quiet, then measures the data directory and resident memory, and finally
//! counts what `/api/v1/export` returns. The comparison is printed and written
//! to `$CARGO_TARGET_DIR/load-report.json` (default `target/`).
//!
//! ```text
//! CARGO_TARGET_DIR=$HOME/.cache/estuary/target cargo bench --bench load
//! ESTUARY_LOAD_SERIES=5000 ESTUARY_LOAD_SCRAPES=20 cargo bench --bench load
//! ```
//!
//! Settings: `ESTUARY_LOAD_SERIES` (default 50 000), `ESTUARY_LOAD_SCRAPES`
//! (120), `ESTUARY_LOAD_THREADS` (4 client connections), `ESTUARY_LOAD_VM_BIN`
//! (`/usr/bin/victoria-metrics`), `ESTUARY_LOAD_KEEP` (if set, each server's
//! data directory and log are kept in the temporary directory for inspection).
//!
//! It fails if any request fails or if Estuary exports a different number of
//! samples or series than it was sent. Missed targets are reported, not
//! failed: this is a measurement, not a test.
//!
//! Without `--bench` (as `cargo test --benches` runs it) it only builds and
//! checks a small data set, without starting servers.

#[path = "load/mod.rs"]
mod load;

use load::bench_env::{report_path, write_report};
use load::server::{Peer, Server};
use load::{client, measure, report, verdict, workload};
use std::process::ExitCode;
use workload::Settings;

fn main() -> ExitCode {
    let bench_mode = workload::bench_mode();
    let settings = Settings::from_env(bench_mode);
    let (dataset, payloads) = workload::prepare("load", settings);
    if !bench_mode {
        println!("load: payloads verified; run `cargo bench --bench load` to measure");
        return ExitCode::SUCCESS;
    }
    let client = client::http_client();
    let measure_peer = |peer| {
        let mut server = Server::start(peer, &client);
        measure::measure(&mut server, &client, &payloads, settings.threads)
    };
    let estuary = measure_peer(Peer::Estuary);
    let vm = measure_peer(Peer::VictoriaMetrics);
    println!("\n{}", report::table(&estuary, &vm));
    let settings_json = workload::settings_json(settings, &dataset, &payloads);
    let report = report::to_json(settings_json, &estuary, &vm);
    let path = report_path("load-report.json");
    write_report(&path, &report);
    println!("report written to {}", path.display());
    verdict::verdict(&[&estuary], &[&vm], &payloads)
}
