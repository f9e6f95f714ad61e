//! One load measurement of a system under test, whether one process or a
//! cluster of several: send every body, measure wall time and the CPU of
//! every process, force a flush and a merge and wait until all is quiet, then
//! measure disk and memory and count what the export returns.

use super::client;
use super::proc_stats::{self, DiskUsage};
use super::remote_write::Payloads;
use super::report::Measurement;
use super::server::Server;
use reqwest::blocking::Client;
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// Kinds of file listed per server (all are in the JSON report).
const DISK_KINDS_SHOWN: usize = 8;
/// How long flush plus merge may take to go quiet before measuring anyway.
const SETTLE_TIMEOUT: Duration = Duration::from_secs(300);

/// What the measurement needs of a system under test.
pub trait UnderTest {
    /// Name in messages and in the report.
    fn name(&self) -> String;
    /// Every process whose CPU and memory count.
    fn pids(&self) -> Vec<u32>;
    /// Prometheus bases (`.../api/v1/write` appended) the client connections
    /// are spread over.
    fn write_bases(&self) -> Vec<String>;
    /// The Prometheus base that serves `/api/v1/export`.
    fn read_base(&self) -> String;
    /// The base whose `/internal/force_flush` and `/internal/force_merge`
    /// reach all of the stored data.
    fn admin_base(&self) -> String;
    /// Every data directory.
    fn data_dirs(&self) -> Vec<PathBuf>;
    /// Copies of every sample kept (the replication factor).
    fn copies(&self) -> u64;
    /// Panics (with the log) unless every process is still running.
    fn assert_running(&mut self);
    /// Waits until every process is idle and its data directory unchanged;
    /// false if that did not happen within `timeout` for each.
    fn wait_until_settled(&mut self, timeout: Duration) -> bool;
    /// The last lines of the logs, for error messages.
    fn log_tail(&self) -> String;
}

impl UnderTest for Server {
    fn name(&self) -> String {
        self.name.clone()
    }

    fn pids(&self) -> Vec<u32> {
        vec![self.pid()]
    }

    fn write_bases(&self) -> Vec<String> {
        vec![self.base_url.clone()]
    }

    fn read_base(&self) -> String {
        self.base_url.clone()
    }

    fn admin_base(&self) -> String {
        self.base_url.clone()
    }

    fn data_dirs(&self) -> Vec<PathBuf> {
        vec![self.data_dir.clone()]
    }

    fn copies(&self) -> u64 {
        1
    }

    fn assert_running(&mut self) {
        Server::assert_running(self);
    }

    fn wait_until_settled(&mut self, timeout: Duration) -> bool {
        Server::wait_until_settled(self, timeout)
    }

    fn log_tail(&self) -> String {
        Server::log_tail(self)
    }
}

/// Runs the whole measurement on a started system; the caller stops it.
pub fn measure(
    target: &mut impl UnderTest,
    client: &Client,
    payloads: &Payloads,
    threads: usize,
) -> Measurement {
    let name = target.name();
    let pids = target.pids();
    let write_bases = target.write_bases();
    println!(
        "{name}: writing to {} with {threads} connections",
        write_bases.join(" and ")
    );
    let cpu_start = proc_stats::total_cpu_seconds(&pids);
    let sent = client::send_all(client, &write_bases, &payloads.bodies, threads);
    let ingest_cpu_seconds = proc_stats::total_cpu_seconds(&pids) - cpu_start;
    target.assert_running();
    println!(
        "{name}: {} requests ok, {} failed in {:.1} s, {:.1} CPU s",
        sent.ok_count,
        sent.failed_count,
        sent.wall.as_secs_f64(),
        ingest_cpu_seconds
    );
    let settled = flush_and_merge(target, client);
    let total_cpu_seconds = proc_stats::total_cpu_seconds(&pids) - cpu_start;
    let data_dirs = target.data_dirs();
    let disk_by_kind = proc_stats::disk_usage_by_kind(&data_dirs);
    let disk: DiskUsage = disk_by_kind.iter().map(|(_, usage)| *usage).sum();
    let memory = proc_stats::total_memory(&pids);
    print_disk_usage(&name, data_dirs.len(), disk, &disk_by_kind);
    let export = client::count_export(
        client,
        &target.read_base(),
        payloads.timestamp_min_ms,
        payloads.timestamp_max_ms,
    );
    println!("{name}: export {export:?}");
    Measurement {
        name,
        copies: target.copies(),
        sample_count: payloads.sample_count,
        series_count: payloads.series_count as u64,
        requests_ok: sent.ok_count,
        requests_failed: sent.failed_count,
        first_error: sent.first_error,
        ingest_wall_seconds: sent.wall.as_secs_f64(),
        ingest_cpu_seconds,
        total_cpu_seconds,
        disk,
        disk_by_kind,
        memory,
        settled,
        export,
    }
}

/// Prints the data directories' size and their largest kinds of file.
fn print_disk_usage(
    name: &str,
    dir_count: usize,
    total: DiskUsage,
    by_kind: &[(String, DiskUsage)],
) {
    println!(
        "{name}: {dir_count} data director{} {} bytes apparent, {} allocated, {} files; largest:",
        if dir_count == 1 { "y" } else { "ies" },
        total.apparent_bytes,
        total.allocated_bytes,
        total.file_count
    );
    for (kind, usage) in by_kind.iter().take(DISK_KINDS_SHOWN) {
        println!(
            "    {kind:<40} {:>12} apparent {:>12} allocated {:>6} files",
            usage.apparent_bytes, usage.allocated_bytes, usage.file_count
        );
    }
}

/// Forces a flush, then a merge, waiting after each until the system is
/// quiet (VictoriaMetrics merges in the background after answering). Returns
/// whether it went quiet in time.
fn flush_and_merge(target: &mut impl UnderTest, client: &Client) -> bool {
    let started = Instant::now();
    let mut settled = true;
    for path in ["/internal/force_flush", "/internal/force_merge"] {
        if let Err(error) = client::admin(client, &target.admin_base(), path) {
            panic!("{}: {error}\n{}", target.name(), target.log_tail());
        }
        settled &= target.wait_until_settled(SETTLE_TIMEOUT);
    }
    println!(
        "{}: flushed and merged in {:.1} s{}",
        target.name(),
        started.elapsed().as_secs_f64(),
        if settled {
            ""
        } else {
            " (still busy at the timeout)"
        }
    );
    settled
}
