//! A storage node that hangs (SIGSTOP: its sockets stay open, it answers
//! nothing) must not hang the cluster.
//!
//! A writer sends numbered samples through the insert nodes continuously.
//! One storage node (chosen from the printed seed) is frozen for a while;
//! meanwhile every write is acknowledged and every query and export answers
//! within 10 s, complete (`isPartial` not true, since only 1 of 3 nodes is
//! missing with replication factor 2: every series has a live copy), holding
//! every sample acknowledged before it was asked. Then the node is thawed
//! (SIGCONT; a guard does it even when the test fails), and every
//! acknowledged sample is readable from both select nodes and held by at
//! least 2 storage nodes once repairs are done.

mod common;

use common::answers::{self, Answer};
use common::api::{parse_export, self_metric_sum};
use common::cluster::Cluster;
use common::numbered::Ledger;
use common::replicas::Replicas;
use common::writer::{Writer, WriterConfig};
use common::{Rng, now_ms};
use std::ops::Range;
use std::time::{Duration, Instant};

const TENANT: &str = "5";
/// Bound on any one write or read while the node is frozen.
const REQUEST_BOUND: Duration = Duration::from_secs(10);
/// How long the node stays frozen.
const FROZEN_FOR: Duration = Duration::from_secs(12);
/// Pause between two rounds of reads while frozen.
const READ_PACE: Duration = Duration::from_millis(500);
/// How long repairs may take after the thaw.
const REPAIR_TIMEOUT: Duration = Duration::from_secs(60);
const SERIES: u64 = 24;

fn selector(ledger: &Ledger) -> String {
    format!(r#"{{__name__="{}"}}"#, ledger.metric)
}

/// One round of reads on `select_base`: a count, an instant query and an
/// export, each within [`REQUEST_BOUND`] and complete w.r.t. the
/// `acknowledged` first samples. Returns what was wrong.
fn read_round(
    select_base: &str,
    ledger: &Ledger,
    acknowledged: u64,
    writer: &Writer,
) -> Vec<String> {
    let mut problems = Vec::new();
    let client_timeout = REQUEST_BOUND + Duration::from_secs(5);
    let count_query = format!("sum(count_over_time({}[4h]))", selector(ledger));
    let count = answers::instant(select_base, &count_query, now_ms(), &[], client_timeout);
    if let Some(answer) = check("count", &count, &mut problems) {
        let counted = answer
            .result()
            .ok()
            .and_then(|r| r.values().next().and_then(|s| s.first()).map(|p| p.1))
            .unwrap_or(0.0);
        if counted < acknowledged as f64 {
            problems.push(format!(
                "count: {counted} samples visible, {acknowledged} were acknowledged"
            ));
        }
    }
    let series_sel = selector(ledger);
    let export = answers::timed(
        &format!("{select_base}/api/v1/export"),
        &[("match[]", series_sel.as_str())],
        client_timeout,
    );
    if let Some(answer) = check("export", &export, &mut problems) {
        let sent_bound = writer.acknowledged_samples() + 10 * batch_size();
        // One writer thread, batches acknowledged in order: exactly the
        // first `acknowledged` samples are acknowledged.
        let acknowledged_ranges = [Range {
            start: 0,
            end: acknowledged,
        }];
        problems.extend(
            ledger
                .problems(
                    &parse_export(&answer.reply.body),
                    &acknowledged_ranges,
                    sent_bound,
                )
                .into_iter()
                .map(|p| format!("export: {p}")),
        );
    }
    problems
}

/// The answer when it is a timely, complete success; otherwise records why
/// not in `problems`.
fn check(
    what: &str,
    answer: &Result<Answer, String>,
    problems: &mut Vec<String>,
) -> Option<Answer> {
    match answer {
        Err(e) => problems.push(format!("{what}: {e}")),
        Ok(a) if a.took > REQUEST_BOUND => {
            problems.push(format!("{what}: took {:?}", a.took));
        }
        Ok(a) if a.reply.status != 200 => problems.push(format!(
            "{what}: status {} {}",
            a.reply.status,
            a.reply.body.trim()
        )),
        Ok(a) if a.is_partial() == Some(true) => {
            problems.push(format!("{what}: isPartial with only one node missing"));
        }
        Ok(a) => return Some(a.clone()),
    }
    None
}

fn batch_size() -> u64 {
    2 * SERIES
}

#[test]
fn cluster_sigstop_storage_node() {
    let mut rng = Rng::from_env_or_clock("cluster_sigstop_storage_node");
    let mut cluster = Cluster::start();
    let ledger = Ledger::new("frozen_node_probe", SERIES, 2 * 3_600_000);
    let writer = Writer::spawn(
        ledger.clone(),
        WriterConfig {
            urls: cluster.write_urls(TENANT),
            batch: batch_size(),
            pace: Duration::from_millis(20),
            request_timeout: REQUEST_BOUND + Duration::from_secs(20),
            // At most 2 h of one-second samples per series: never in the future.
            max_samples: SERIES * 6_000,
            max_duration: Duration::from_secs(90),
        },
    );
    writer.wait_for_progress(
        0,
        1_000,
        Duration::from_secs(30),
        "writes before the freeze",
    );

    let victim = usize::try_from(rng.range(0, cluster.storage.len() as u64)).expect("index");
    let select_bases: Vec<String> = cluster
        .select
        .iter()
        .map(|n| n.select_base(TENANT))
        .collect();
    let victim_name = cluster.storage[victim].name().to_string();
    eprintln!("freezing {victim_name}");
    let mut frozen_problems = Vec::new();
    let mut rounds = 0;
    let mut slowest_round = Duration::ZERO;
    let acked_at_freeze = writer.acknowledged_samples();
    {
        let paused = cluster.storage[victim].pause();
        let until = Instant::now() + FROZEN_FOR;
        while Instant::now() < until && rounds < 100 {
            let acknowledged = writer.acknowledged_samples();
            for base in &select_bases {
                let started = Instant::now();
                frozen_problems.extend(read_round(base, &ledger, acknowledged, &writer));
                slowest_round = slowest_round.max(started.elapsed());
            }
            rounds += 1;
            std::thread::sleep(READ_PACE);
        }
        paused.resume();
    }
    let acked_while_frozen = writer.acknowledged_samples() - acked_at_freeze;
    eprintln!(
        "{victim_name} thawed after {rounds} read rounds (slowest round of count + export: \
         {slowest_round:?}); {acked_while_frozen} samples acknowledged meanwhile"
    );
    writer.wait_for_progress(
        writer.acknowledged_samples(),
        500,
        Duration::from_secs(30),
        "writes after the thaw",
    );
    let report = writer.stop();

    assert!(
        frozen_problems.is_empty(),
        "reads while {victim_name} was frozen failed {} times:\n{}\n{}",
        frozen_problems.len(),
        frozen_problems
            .iter()
            .take(15)
            .map(|p| format!("  {p}"))
            .collect::<Vec<_>>()
            .join("\n"),
        cluster.logs_tail()
    );
    assert!(
        report.failures.is_empty() && report.unacknowledged.is_none(),
        "writes while {victim_name} was frozen were refused or failed ({} of {} requests):\n{}\n{}",
        report.failures.len(),
        report.requests,
        report.failures_text(),
        cluster.logs_tail()
    );
    assert!(
        report.slowest <= REQUEST_BOUND,
        "the slowest write took {:?}, more than {REQUEST_BOUND:?}",
        report.slowest
    );
    assert!(
        acked_while_frozen > 0,
        "no write was acknowledged while {victim_name} was frozen"
    );

    cluster.force_flush();
    let expected = ledger.expected(0..report.sent);
    let selector = selector(&ledger);
    let range = (ledger.base_ms - 1_000, now_ms());
    for base in &select_bases {
        let exported = common::api::export(base, &[&selector], Some(range));
        let problems = ledger.problems(&exported, &report.acknowledged, report.sent);
        assert!(
            problems.is_empty(),
            "after the thaw, {base} is wrong:\n{}\n{}",
            problems.join("\n"),
            cluster.logs_tail()
        );
    }
    let replicas = Replicas::start(&cluster);
    // Each series's first sample was written before the freeze.
    replicas.wait_repaired(
        TENANT,
        &[&selector],
        range,
        &expected,
        ledger.sample(acked_at_freeze.min(SERIES * 10)).1,
        cluster.replication_factor,
        REPAIR_TIMEOUT,
    );
    cluster.wait_hints_delivered(REPAIR_TIMEOUT);
    // The freeze was felt: rows meant for the frozen node went elsewhere
    // and were handed back.
    let victim_addr = cluster.storage[victim].rpc_addr();
    let insert_sum = |name: &str, filter: &[(&str, &str)]| -> f64 {
        cluster
            .insert
            .iter()
            .map(|node| self_metric_sum(&node.base(), name, filter))
            .sum()
    };
    let rerouted = insert_sum("estuary_rows_rerouted_total", &[("node", &victim_addr)]);
    let delivered = insert_sum("estuary_hint_rows_delivered_total", &[]);
    for node in &cluster.insert {
        eprintln!(
            "{}: {} rows rerouted from {victim_addr}, {} hinted rows delivered",
            node.name(),
            self_metric_sum(
                &node.base(),
                "estuary_rows_rerouted_total",
                &[("node", &victim_addr)]
            ),
            self_metric_sum(&node.base(), "estuary_hint_rows_delivered_total", &[])
        );
    }
    eprintln!(
        "inserts: {rerouted} rows rerouted from {victim_addr}, {delivered} hinted rows delivered"
    );
    assert!(
        rerouted > 0.0 && delivered > 0.0,
        "expected rows rerouted away from the frozen {victim_name} and hinted rows delivered, \
         got estuary_rows_rerouted_total{{node=\"{victim_addr}\"}} {rerouted} and \
         estuary_hint_rows_delivered_total {delivered}"
    );
    eprintln!(
        "{} samples acknowledged in {} requests, slowest {:?}; {rounds} read rounds while frozen",
        report.acknowledged_samples(),
        report.requests,
        report.slowest
    );
}
