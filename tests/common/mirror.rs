//! One vmagent, two destinations: Debian's vmagent scrapes Debian's
//! node_exporter every second and remote-writes every block both to the
//! cluster (through insert-1) and to an `estuary single`, under the same
//! tenant. Whatever happens to the cluster, the single node is the
//! expectation: after the run the cluster must hold and answer exactly what
//! the single node holds and answers.

use super::answers::{self, Answer};
use super::api::{SeriesMap, diff_series, export, force_flush};
use super::cluster::Cluster;
use super::estuary::Estuary;
use super::peers::{self, Peer, VmagentQueues, vmagent_queues};
use super::{eventually, now_ms};
use std::time::Duration;

/// The tenant both destinations are written under.
pub const TENANT: &str = "3";
/// Every series.
pub const ALL: &str = r#"{__name__!=""}"#;
/// Samples newer than this at the cut may still be in flight in vmagent.
const CUT_LAG_MS: i64 = 3_000;
/// How long the cluster may take to catch up with the single node.
const CONVERGE_TIMEOUT: Duration = Duration::from_secs(90);
/// Time bound of one query.
const QUERY_TIMEOUT: Duration = Duration::from_secs(30);
/// Differences quoted in one message.
const SHOWN_MAX: usize = 15;

/// Instant queries compared at the end of the window.
const INSTANT_QUERIES: &[&str] = &[
    "up",
    r#"count({__name__=~"node_.+"})"#,
    "sum by (mode) (rate(node_cpu_seconds_total[10s]))",
    "max_over_time(node_load1[30s])",
    "count_over_time(scrape_samples_scraped[1m])",
    "sum by (instance) (node_memory_MemTotal_bytes)",
    "topk(3, node_network_receive_bytes_total)",
    "increase(node_network_transmit_packets_total[20s])",
    r#"count by (__name__) ({__name__=~"node_(cpu|memory|filesystem)_.+"})"#,
];

/// Range queries compared over the window.
const RANGE_QUERIES: &[&str] = &[
    "rate(node_cpu_seconds_total[5s])",
    "sum(scrape_duration_seconds)",
    "node_load1",
    "count_over_time(up[10s])",
    "avg by (device) (irate(node_network_receive_bytes_total[5s]))",
];

/// The peers and the single node of a mirrored run.
pub struct Mirror {
    /// The scrape target.
    pub node_exporter: Peer,
    /// The expectation.
    pub single: Estuary,
    /// The writer: URL #1 is the cluster, URL #2 the single node.
    pub vmagent: Peer,
    /// When the run started (ms): the window starts here.
    pub started_ms: i64,
}

impl Mirror {
    /// Starts node_exporter, the single node and vmagent writing to
    /// insert-1 of `cluster` and to the single node.
    pub fn start(cluster: &Cluster) -> Mirror {
        let started_ms = now_ms();
        let node_exporter = peers::node_exporter();
        let single = Estuary::start();
        let scrape = peers::scrape_config("node", &[node_exporter.host_port()], 1);
        let vmagent = peers::vmagent(
            &scrape,
            &[
                format!("{}/api/v1/write", cluster.insert[0].insert_base(TENANT)),
                format!("{}/api/v1/write", single.insert_base(TENANT)),
            ],
        );
        Mirror {
            node_exporter,
            single,
            vmagent,
            started_ms,
        }
    }

    /// Waits until the single node holds `scrapes` samples of `up`.
    pub fn wait_for_scrapes(&mut self, scrapes: usize) {
        let base = self.single.select_base(TENANT);
        let vmagent = &mut self.vmagent;
        eventually(
            Duration::from_secs(60),
            "vmagent scrapes and writes",
            || {
                vmagent.assert_running();
                let got = export(&base, &["up"], None)
                    .values()
                    .map(Vec::len)
                    .max()
                    .unwrap_or(0);
                if got >= scrapes {
                    Ok(())
                } else {
                    Err(format!("{got} of {scrapes} scrapes of `up` so far"))
                }
            },
        );
    }

    /// The window to compare: from the start until a little before now, so
    /// that everything in it has been scraped and handed to the queues.
    pub fn window_until_now(&self) -> (i64, i64) {
        (self.started_ms, now_ms() - CUT_LAG_MS)
    }

    /// Waits until vmagent's queues are drained and every select node of
    /// the cluster exports exactly what the single node exports in
    /// `window`; returns that data.
    pub fn assert_same_data(&mut self, cluster: &mut Cluster, window: (i64, i64)) -> SeriesMap {
        let single_base = self.single.base();
        let single_select = self.single.select_base(TENANT);
        let vmagent = &mut self.vmagent;
        let reference = eventually(
            CONVERGE_TIMEOUT,
            "the cluster holds what the single node holds",
            || {
                vmagent.assert_running();
                cluster.assert_running();
                let queues = vmagent_queues(vmagent);
                if !queues.drained() {
                    return Err(format!("vmagent's queues are not drained: {queues:?}"));
                }
                force_flush(&single_base);
                cluster.force_flush();
                let reference = cut(export(&single_select, &[ALL], Some(window)), window);
                for select in &cluster.select {
                    let ours = cut(
                        export(&select.select_base(TENANT), &[ALL], Some(window)),
                        window,
                    );
                    let diffs = diff_series(&reference, &ours);
                    if !diffs.is_empty() {
                        return Err(format!(
                            "{} differs from the single node ({} vs {} series) in {} ways:\n{}",
                            select.name(),
                            ours.len(),
                            reference.len(),
                            diffs.len(),
                            shown(&diffs)
                        ));
                    }
                }
                Ok(reference)
            },
        );
        let samples: usize = reference.values().map(Vec::len).sum();
        assert!(
            reference.len() > 100 && samples > 10 * reference.len(),
            "the comparison is nearly empty: {} series, {samples} samples in {window:?}\n{}",
            reference.len(),
            self.vmagent.log_tail()
        );
        eprintln!(
            "cluster and single agree on {} series, {samples} samples",
            reference.len()
        );
        reference
    }

    /// Every query of [`INSTANT_QUERIES`] (at the end of `window`) and
    /// [`RANGE_QUERIES`] (over it) answers the same on every select node as
    /// on the single node, and `isPartial` is not true.
    pub fn assert_same_answers(&self, cluster: &Cluster, window: (i64, i64)) {
        let single = self.single.select_base(TENANT);
        let mut problems = Vec::new();
        let mut non_empty = 0;
        let range_window = (window.0 + 10_000, window.1);
        for select in &cluster.select {
            let ours = select.select_base(TENANT);
            for query in INSTANT_QUERIES {
                let ask = |base: &str| answers::instant(base, query, window.1, &[], QUERY_TIMEOUT);
                non_empty += compare(
                    &ask(&single),
                    &ask(&ours),
                    select.name(),
                    query,
                    &mut problems,
                );
            }
            for query in RANGE_QUERIES {
                let ask =
                    |base: &str| answers::range(base, query, range_window, 2, &[], QUERY_TIMEOUT);
                non_empty += compare(
                    &ask(&single),
                    &ask(&ours),
                    select.name(),
                    query,
                    &mut problems,
                );
            }
        }
        assert!(
            problems.is_empty(),
            "{} query answers differ between the cluster and the single node:\n{}",
            problems.len(),
            shown(&problems)
        );
        let asked = cluster.select.len() * (INSTANT_QUERIES.len() + RANGE_QUERIES.len());
        assert!(
            non_empty == asked,
            "only {non_empty} of {asked} answers were non-empty: the comparison is too weak"
        );
    }

    /// The queues are drained and vmagent dropped nothing.
    pub fn assert_nothing_dropped(&self) -> VmagentQueues {
        let queues = vmagent_queues(&self.vmagent);
        assert!(
            queues.drained() && queues.packets_dropped == 0.0 && queues.blocks_dropped == 0.0,
            "vmagent dropped or still holds data: {queues:?}\n{}",
            self.vmagent.log_tail()
        );
        queues
    }
}

/// Compares one answer pair; returns 1 when the expectation is non-empty.
fn compare(
    single: &Result<Answer, String>,
    ours: &Result<Answer, String>,
    select: &str,
    query: &str,
    problems: &mut Vec<String>,
) -> usize {
    let expected = match single.clone().and_then(|answer| answer.result()) {
        Ok(expected) => expected,
        Err(e) => {
            problems.push(format!("{query}: the single node failed: {e}"));
            return 0;
        }
    };
    match ours {
        Err(e) => problems.push(format!("{query} on {select}: {e}")),
        Ok(answer) => {
            if answer.is_partial() == Some(true) {
                problems.push(format!("{query} on {select}: isPartial is true"));
            }
            match answer.result() {
                Err(e) => problems.push(format!("{query} on {select}: {e}")),
                Ok(got) => {
                    let diffs = diff_series(&expected, &got);
                    if !diffs.is_empty() {
                        problems.push(format!(
                            "{query} on {select}: {} differences, first: {}",
                            diffs.len(),
                            diffs[0]
                        ));
                    }
                }
            }
        }
    }
    usize::from(!expected.is_empty())
}

/// The export restricted to `window` (inclusive); empty series removed.
pub fn cut(mut series: SeriesMap, (start, end): (i64, i64)) -> SeriesMap {
    for samples in series.values_mut() {
        samples.retain(|(ts, _)| *ts >= start && *ts <= end);
    }
    series.retain(|_, samples| !samples.is_empty());
    series
}

fn shown(lines: &[String]) -> String {
    let mut out: Vec<String> = lines
        .iter()
        .take(SHOWN_MAX)
        .map(|l| format!("  {l}"))
        .collect();
    if lines.len() > SHOWN_MAX {
        out.push(format!("  ... and {} more", lines.len() - SHOWN_MAX));
    }
    out.join("\n")
}
