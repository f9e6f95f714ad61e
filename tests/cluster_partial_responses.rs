//! Partial answers are marked, or refused on request, and only when they
//! really are partial.
//!
//! Numbered samples are written to a 3-node cluster with replication factor
//! 2, so every series lives on 2 nodes. With 1 storage node down every
//! series still has a copy: every fan-out read answers completely, with
//! `isPartial` not true, and PromQL answers equal what was written. With 2
//! down (as many as the replication factor) reads answer 200 with
//! `isPartial: true` (a warning is allowed), and answer 503 when asked with
//! `deny_partial_response=1` or served by a select node started with
//! `-search.denyPartialResponse`. Once the nodes are back, answers are
//! complete again.
//!
//! Alongside: writes are acknowledged with 1 node down and refused with 503
//! with 2 down (and insert-1's `/ready` is then not 200), and the frontends'
//! `estuary_storage_node_up` follows which nodes are down.

mod common;

use common::answers::{self, Answer, check_expectations};
use common::api::{
    PROMETHEUS_HEADERS, Reply, assert_ingested, remote_write, self_metric_sum, try_get_within,
    try_post_within,
};
use common::cluster::Cluster;
use common::numbered::Ledger;
use common::remote_write::{series, snappy_body};
use common::{eventually, now_ms};
use std::time::Duration;

const TENANT: &str = "9";
const SERIES: u64 = 24;
/// Samples written, in requests of `BATCH`.
const SAMPLES: u64 = SERIES * 300;
const BATCH: u64 = SERIES * 20;
/// Bound on one read.
const READ_BOUND: Duration = Duration::from_secs(10);
const DENY: (&str, &str) = ("deny_partial_response", "1");

/// Query pairs of a read.
type Pairs = Vec<(&'static str, String)>;

/// The fan-out reads that must carry `isPartial`: name, path, query pairs.
fn reads(ledger: &Ledger) -> Vec<(&'static str, &'static str, Pairs)> {
    let selector = format!(r#"{{__name__="{}"}}"#, ledger.metric);
    let at = common::ms_to_param(ledger.sample(SAMPLES - 1).1 + 1_000);
    let start = common::ms_to_param(ledger.base_ms);
    vec![
        (
            "query",
            "/api/v1/query",
            vec![
                ("query", format!("count({selector})")),
                ("time", at.clone()),
            ],
        ),
        (
            "query_range",
            "/api/v1/query_range",
            vec![
                ("query", selector.clone()),
                ("start", start.clone()),
                ("end", at.clone()),
                ("step", "60".to_string()),
            ],
        ),
        (
            "series",
            "/api/v1/series",
            vec![
                ("match[]", selector.clone()),
                ("start", start.clone()),
                ("end", at.clone()),
            ],
        ),
        (
            "labels",
            "/api/v1/labels",
            vec![
                ("match[]", selector.clone()),
                ("start", start.clone()),
                ("end", at.clone()),
            ],
        ),
        (
            "label values",
            "/api/v1/label/series/values",
            vec![
                ("match[]", selector.clone()),
                ("start", start.clone()),
                ("end", at.clone()),
            ],
        ),
    ]
}

/// GET of one read on `select_base`, with `extra` pairs; panics on a
/// transport error or when it takes longer than [`READ_BOUND`].
fn read(
    select_base: &str,
    path: &str,
    query: &[(&'static str, String)],
    extra: &[(&str, &str)],
) -> Answer {
    let mut pairs: Vec<(&str, &str)> = query.iter().map(|(n, v)| (*n, v.as_str())).collect();
    pairs.extend_from_slice(extra);
    let url = format!("{select_base}{path}");
    let answer = answers::timed(&url, &pairs, READ_BOUND + Duration::from_secs(5))
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        answer.took <= READ_BOUND,
        "GET {url} took {:?}, more than {READ_BOUND:?}",
        answer.took
    );
    answer
}

#[test]
fn cluster_partial_responses() {
    let mut cluster = Cluster::start();
    let deny_select = cluster.extra_select("select-deny", &["-search.denyPartialResponse"]);
    let ledger = Ledger::new("partial_probe", SERIES, 2 * 3_600_000);
    let write_url = format!("{}/api/v1/write", cluster.insert[0].insert_base(TENANT));
    let mut first = 0;
    while first < SAMPLES {
        let reply = remote_write(&write_url, ledger.batch(first..first + BATCH));
        assert_ingested(&reply, &format!("samples {first}.."));
        first += BATCH;
    }
    cluster.force_flush();
    let expectations = ledger.expectations(SAMPLES);
    let select_bases = [
        cluster.select[0].select_base(TENANT),
        cluster.select[1].select_base(TENANT),
        deny_select.select_base(TENANT),
    ];
    let complete = |what: &str| {
        for base in &select_bases {
            for extra in [&[][..], &[DENY][..]] {
                let problems = check_expectations(base, &expectations, extra, READ_BOUND);
                assert!(
                    problems.is_empty(),
                    "{what}: answers are not complete:\n{}",
                    problems.join("\n")
                );
            }
            for (name, path, query) in reads(&ledger) {
                let answer = read(base, path, &query, &[]);
                assert_eq!(
                    answer.reply.status, 200,
                    "{what}: {name} on {base}: {:?}",
                    answer.reply
                );
                assert_ne!(
                    answer.is_partial(),
                    Some(true),
                    "{what}: {name} on {base} says isPartial: {}",
                    answer.reply.body
                );
            }
        }
    };
    complete("all nodes up");

    cluster.storage[0].kill9();
    complete("1 of 3 storage nodes down");
    let down = [cluster.storage[0].rpc_addr()];
    wait_node_up_metrics(&cluster, &down, "1 of 3 down");
    let reply = try_write(&write_url, "partial_probe_one_down");
    assert!(
        (200..300).contains(&reply.status),
        "1 of 3 down: a write must still be acknowledged (2 nodes can take it): {reply:?}"
    );

    cluster.storage[1].kill9();
    let down = [cluster.storage[0].rpc_addr(), cluster.storage[1].rpc_addr()];
    wait_node_up_metrics(&cluster, &down, "2 of 3 down");
    let reply = try_write(&write_url, "partial_probe_refused");
    assert_eq!(
        reply.status, 503,
        "2 of 3 down: a write cannot reach 2 nodes and must be refused with 503: {reply:?}"
    );
    let ready = try_get_within(&cluster.insert[0].url("/ready"), &[], READ_BOUND)
        .unwrap_or_else(|e| panic!("insert-1 /ready: {e}"));
    assert_ne!(
        ready.status, 200,
        "2 of 3 down: insert-1 must not say it is ready with fewer than replicationFactor nodes up"
    );
    let partial_base = &select_bases[0];
    let deny_base = &select_bases[2];
    for (name, path, query) in reads(&ledger) {
        let answer = read(partial_base, path, &query, &[]);
        assert_eq!(
            answer.reply.status, 200,
            "2 of 3 down: {name} should answer 200 marked partial: {:?}",
            answer.reply
        );
        let json = answer.reply.json();
        assert_eq!(json["status"], "success", "2 of 3 down: {name}: {json}");
        assert_eq!(
            answer.is_partial(),
            Some(true),
            "2 of 3 down: {name} must say isPartial: true: {}",
            answer.reply.body
        );
        let denied = read(partial_base, path, &query, &[DENY]);
        assert_eq!(
            denied.reply.status, 503,
            "2 of 3 down: {name} with deny_partial_response=1 must answer 503: {:?}",
            denied.reply
        );
        let denied = read(deny_base, path, &query, &[]);
        assert_eq!(
            denied.reply.status, 503,
            "2 of 3 down: {name} on a select with -search.denyPartialResponse must answer 503: {:?}",
            denied.reply
        );
    }
    let selector = format!(r#"{{__name__="{}"}}"#, ledger.metric);
    let export_query = [("match[]", selector)];
    let denied = read(partial_base, "/api/v1/export", &export_query, &[DENY]);
    assert_eq!(
        denied.reply.status,
        503,
        "2 of 3 down: export with deny_partial_response=1 must answer 503, got {} {:?}",
        denied.reply.status,
        denied.reply.body.chars().take(300).collect::<String>()
    );

    cluster.storage[0].restart();
    cluster.storage[1].restart();
    eventually(
        Duration::from_secs(30),
        "complete answers once the nodes are back",
        || {
            let problems = check_expectations(partial_base, &expectations, &[], READ_BOUND);
            if problems.is_empty() {
                Ok(())
            } else {
                Err(problems.join("\n"))
            }
        },
    );
    wait_node_up_metrics(&cluster, &[], "all nodes back");
    let reply = try_write(&write_url, "partial_probe_back");
    assert!(
        (200..300).contains(&reply.status),
        "all nodes back: a write must be acknowledged: {reply:?}"
    );
    complete("all nodes back");
}

/// One sample of a series named `metric`, sent with a time bound; panics on
/// a transport error.
fn try_write(url: &str, metric: &str) -> Reply {
    let body = snappy_body(vec![series(
        &[("__name__", metric)],
        &[(now_ms() - 60_000, 1.0)],
    )]);
    try_post_within(url, &PROMETHEUS_HEADERS, body, READ_BOUND)
        .unwrap_or_else(|e| panic!("write of {metric}: {e}"))
}

/// Waits until insert-1 and select-1 report `estuary_storage_node_up` 0 for
/// the storage nodes in `down` and 1 for the others.
fn wait_node_up_metrics(cluster: &Cluster, down: &[String], what: &str) {
    let frontends = [&cluster.insert[0], &cluster.select[0]];
    eventually(Duration::from_secs(30), what, || {
        for frontend in frontends {
            for node in &cluster.storage {
                let addr = node.rpc_addr();
                let want = if down.contains(&addr) { 0.0 } else { 1.0 };
                let got = self_metric_sum(
                    &frontend.base(),
                    "estuary_storage_node_up",
                    &[("node", &addr)],
                );
                if got != want {
                    return Err(format!(
                        "{}: estuary_storage_node_up{{node=\"{addr}\"}} is {got}, expected {want}",
                        frontend.name()
                    ));
                }
            }
        }
        Ok(())
    });
}
