//! Losing an insert node or a select node loses nothing: the others carry on.
//!
//! A writer sends numbered samples to insert-1 and, like a load balancer,
//! moves to insert-2 when a connection fails, sending the failed batch
//! again. insert-1 is killed with SIGKILL mid-run. Every batch ends up
//! acknowledged, so what the cluster must hold is known exactly: both select
//! nodes must export it and answer a set of PromQL queries as computed from
//! it. Then select-1 is killed with SIGKILL and select-2 must still answer
//! everything correctly.

mod common;

use common::answers::check_expectations;
use common::api::{assert_series_eq, export};
use common::cluster::Cluster;
use common::now_ms;
use common::numbered::Ledger;
use common::writer::{Writer, WriterConfig};
use std::time::Duration;

const TENANT: &str = "7";
const SERIES: u64 = 24;
/// Samples acknowledged before insert-1 is killed, and again after.
const PROGRESS: u64 = 2_400;
/// Bound on one query.
const QUERY_BOUND: Duration = Duration::from_secs(10);

/// `select`'s export and query answers equal what `sent` samples make.
fn assert_select_correct(cluster: &Cluster, index: usize, ledger: &Ledger, sent: u64) {
    let select = &cluster.select[index];
    let base = select.select_base(TENANT);
    let selector = format!(r#"{{__name__="{}"}}"#, ledger.metric);
    let exported = export(
        &base,
        &[&selector],
        Some((ledger.base_ms - 1_000, now_ms())),
    );
    assert_series_eq(
        &ledger.expected(0..sent),
        &exported,
        &format!("export from {}", select.name()),
    );
    let problems = check_expectations(&base, &ledger.expectations(sent), &[], QUERY_BOUND);
    assert!(
        problems.is_empty(),
        "{} answers wrongly:\n{}\n{}",
        select.name(),
        problems.join("\n"),
        cluster.logs_tail()
    );
}

#[test]
fn cluster_insert_and_select_failover() {
    let mut cluster = Cluster::start();
    let ledger = Ledger::new("failover_probe", SERIES, 2 * 3_600_000);
    let writer = Writer::spawn(
        ledger.clone(),
        WriterConfig {
            urls: cluster.write_urls(TENANT),
            batch: 2 * SERIES,
            pace: Duration::from_millis(10),
            request_timeout: Duration::from_secs(30),
            // At most 2 h of one-second samples per series: never in the future.
            max_samples: SERIES * 6_000,
            max_duration: Duration::from_secs(60),
        },
    );
    writer.wait_for_progress(
        0,
        PROGRESS,
        Duration::from_secs(30),
        "writes through insert-1",
    );
    cluster.insert[0].kill9();
    let at_kill = writer.acknowledged_samples();
    writer.wait_for_progress(
        at_kill,
        PROGRESS,
        Duration::from_secs(30),
        "writes through insert-2 after insert-1 died",
    );
    let report = writer.stop();
    eprintln!(
        "{} samples acknowledged in {} requests ({} at the kill), {} failovers",
        report.acknowledged_samples(),
        report.requests,
        at_kill,
        report.failovers
    );

    assert!(
        report.unacknowledged.is_none() && report.acknowledged_samples() == report.sent,
        "some batch was never acknowledged: {:?} of {} sent\n{}",
        report.unacknowledged,
        report.sent,
        report.failures_text()
    );
    let unexpected: Vec<_> = report
        .failures
        .iter()
        .filter(|f| f.url != 0 || f.what.starts_with("status"))
        .collect();
    assert!(
        unexpected.is_empty(),
        "only connection failures to the killed insert-1 were expected, got:\n{}\n{}",
        report.failures_text(),
        cluster.logs_tail()
    );
    assert_eq!(
        report.failovers,
        1,
        "the writer should have moved to insert-2 exactly once:\n{}",
        report.failures_text()
    );

    cluster.force_flush();
    for index in 0..cluster.select.len() {
        assert_select_correct(&cluster, index, &ledger, report.sent);
    }
    cluster.select[0].kill9();
    assert_select_correct(&cluster, 1, &ledger, report.sent);
}
