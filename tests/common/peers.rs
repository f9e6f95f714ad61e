//! The real peers, as Debian packages them (installed by `bash scripts/setup.sh`):
//! node_exporter, single-node VictoriaMetrics, vmagent, Prometheus, vmalert and
//! Alertmanager. Each runs on a free loopback port with its data and config in
//! a temporary directory and is killed when dropped. A missing binary fails
//! the test, never skips it.

use super::process::{Process, wait_until_ready};
use std::path::{Path, PathBuf};
use std::time::Duration;
use tempfile::TempDir;

/// How long a peer may take to answer its readiness URL.
const READY_TIMEOUT: Duration = Duration::from_secs(30);
/// Start attempts, each on a new port, in case another test took the port.
const START_ATTEMPTS: usize = 3;

/// `/usr/bin/prometheus-node-exporter` (Debian's node_exporter 1.5).
pub const NODE_EXPORTER: &str = "/usr/bin/prometheus-node-exporter";
/// `/usr/bin/victoria-metrics` (Debian's single-node VictoriaMetrics 1.79).
pub const VICTORIA_METRICS: &str = "/usr/bin/victoria-metrics";
/// `/usr/bin/vmagent` (Debian's vmagent 1.79).
pub const VMAGENT: &str = "/usr/bin/vmagent";
/// `/usr/bin/prometheus` (Debian's Prometheus 2.42).
pub const PROMETHEUS: &str = "/usr/bin/prometheus";

/// One running peer.
pub struct Peer {
    /// The port it serves HTTP on.
    pub port: u16,
    process: Process,
    dir: TempDir,
}

impl Peer {
    /// `http://127.0.0.1:<port>`.
    pub fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// `127.0.0.1:<port>`, for scrape targets.
    pub fn host_port(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// The peer's last log lines, for failure messages.
    pub fn log_tail(&self) -> String {
        self.process.log_tail()
    }

    /// The peer's private directory.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// Stops the peer with SIGTERM (so it can flush), SIGKILL after `timeout`.
    /// Returns whether it exited by itself.
    pub fn stop(&mut self, timeout: Duration) -> bool {
        self.process.terminate(timeout).is_some()
    }

    /// Panics with the log if the peer has exited.
    pub fn assert_running(&mut self) {
        if let Some(status) = self.process.exited() {
            panic!("peer exited with {status}\n{}", self.process.log_tail());
        }
    }
}

/// Starts `program` with the arguments `args(port, dir)` and waits until
/// `ready_path` answers 200; retries on a new port when the start fails.
fn start(
    name: &str,
    program: &str,
    ready_path: &str,
    args: impl Fn(u16, &Path) -> Vec<String>,
) -> Peer {
    let program = PathBuf::from(program);
    let mut failures = Vec::new();
    for _ in 0..START_ATTEMPTS {
        let dir = tempfile::Builder::new()
            .prefix(&format!("{name}-"))
            .tempdir()
            .expect("create peer dir");
        let port = super::free_port();
        let mut process = Process::spawn(
            name,
            &program,
            &args(port, dir.path()),
            &dir.path().join(format!("{name}.log")),
        );
        match wait_until_ready(
            &mut process,
            &format!("http://127.0.0.1:{port}{ready_path}"),
            READY_TIMEOUT,
        ) {
            Ok(()) => return Peer { port, process, dir },
            Err(error) => {
                process.kill9();
                failures.push(error);
            }
        }
    }
    panic!("{name} did not start:\n{}", failures.join("\n"));
}

/// node_exporter with its default collectors.
pub fn node_exporter() -> Peer {
    start("node_exporter", NODE_EXPORTER, "/metrics", |port, _| {
        vec![format!("--web.listen-address=127.0.0.1:{port}")]
    })
}

/// Single-node VictoriaMetrics.
pub fn victoria_metrics() -> Peer {
    start(
        "victoria-metrics",
        VICTORIA_METRICS,
        "/health",
        |port, dir| {
            vec![
                format!("-httpListenAddr=127.0.0.1:{port}"),
                format!("-storageDataPath={}", dir.join("data").display()),
                "-retentionPeriod=1".to_string(),
            ]
        },
    )
}

/// A scrape config scraping `targets` as job `job` every `interval_s` seconds.
pub fn scrape_config(job: &str, targets: &[String], interval_s: u32) -> String {
    let targets: Vec<String> = targets.iter().map(|t| format!("'{t}'")).collect();
    format!(
        "global:\n  scrape_interval: {interval_s}s\n  scrape_timeout: {interval_s}s\nscrape_configs:\n  - job_name: {job}\n    static_configs:\n      - targets: [{}]\n",
        targets.join(", ")
    )
}

/// vmagent scraping with `scrape_yaml` and remote-writing to every URL in
/// `remote_write_urls`, flushing every second.
pub fn vmagent(scrape_yaml: &str, remote_write_urls: &[String]) -> Peer {
    start("vmagent", VMAGENT, "/health", |port, dir| {
        let config = dir.join("scrape.yml");
        std::fs::write(&config, scrape_yaml).expect("write vmagent scrape config");
        let mut args = vec![
            format!("-httpListenAddr=127.0.0.1:{port}"),
            format!("-promscrape.config={}", config.display()),
            format!("-remoteWrite.tmpDataPath={}", dir.join("queue").display()),
            "-remoteWrite.flushInterval=1s".to_string(),
        ];
        args.extend(
            remote_write_urls
                .iter()
                .map(|url| format!("-remoteWrite.url={url}")),
        );
        args
    })
}

/// Prometheus with the given full config file (scrape and `remote_write`).
pub fn prometheus(config_yaml: &str) -> Peer {
    start("prometheus", PROMETHEUS, "/-/ready", |port, dir| {
        let config = dir.join("prometheus.yml");
        std::fs::write(&config, config_yaml).expect("write prometheus config");
        vec![
            format!("--config.file={}", config.display()),
            format!("--storage.tsdb.path={}", dir.join("tsdb").display()),
            format!("--web.listen-address=127.0.0.1:{port}"),
        ]
    })
}

/// `/usr/bin/vmalert` (Debian's vmalert 1.79, shipped with victoria-metrics).
pub const VMALERT: &str = "/usr/bin/vmalert";
/// `/usr/bin/prometheus-alertmanager` (Debian's Alertmanager 0.25).
pub const ALERTMANAGER: &str = "/usr/bin/prometheus-alertmanager";

/// The Alertmanager config the tests use: one route to one receiver that
/// notifies nobody, so alerts are only held and listed.
pub const ALERTMANAGER_CONFIG: &str = "route:\n  receiver: blackhole\n  group_wait: 0s\n  group_interval: 1s\n  repeat_interval: 1h\nreceivers:\n  - name: blackhole\n";

/// A standalone Alertmanager (clustering disabled) with `config_yaml`.
pub fn alertmanager(config_yaml: &str) -> Peer {
    start("alertmanager", ALERTMANAGER, "/-/ready", |port, dir| {
        let config = dir.join("alertmanager.yml");
        std::fs::write(&config, config_yaml).expect("write alertmanager config");
        vec![
            format!("--config.file={}", config.display()),
            format!("--storage.path={}", dir.join("data").display()),
            format!("--web.listen-address=127.0.0.1:{port}"),
            // Empty: no gossip listener, a single standalone instance.
            "--cluster.listen-address=".to_string(),
        ]
    })
}

/// vmalert evaluating `rules_yaml` every second: queries `datasource_url`
/// (a `.../select/<t>/prometheus` base), writes recording results and
/// `ALERTS` to `remote_write_url` (a `.../insert/<t>/prometheus` base,
/// flushed every second) and sends alerts to `notifier_url` when given.
pub fn vmalert(
    rules_yaml: &str,
    datasource_url: &str,
    remote_write_url: &str,
    notifier_url: Option<&str>,
) -> Peer {
    start("vmalert", VMALERT, "/health", |port, dir| {
        let rules = dir.join("rules.yml");
        std::fs::write(&rules, rules_yaml).expect("write vmalert rules");
        let mut args = vec![
            format!("-httpListenAddr=127.0.0.1:{port}"),
            format!("-rule={}", rules.display()),
            format!("-datasource.url={datasource_url}"),
            format!("-remoteWrite.url={remote_write_url}"),
            "-remoteWrite.flushInterval=1s".to_string(),
            "-evaluationInterval=1s".to_string(),
        ];
        if let Some(url) = notifier_url {
            args.push(format!("-notifier.url={url}"));
        }
        args
    })
}

/// Prometheus with no scrape jobs that accepts remote write at `/api/v1/write`
/// (`--web.enable-remote-write-receiver`), for differential query tests.
pub fn prometheus_receiver() -> Peer {
    start("prometheus", PROMETHEUS, "/-/ready", |port, dir| {
        let config = dir.join("prometheus.yml");
        std::fs::write(&config, "global:\n  scrape_interval: 15s\n")
            .expect("write prometheus config");
        vec![
            format!("--config.file={}", config.display()),
            format!("--storage.tsdb.path={}", dir.join("tsdb").display()),
            format!("--web.listen-address=127.0.0.1:{port}"),
            "--web.enable-remote-write-receiver".to_string(),
        ]
    })
}

/// The state of vmagent's remote-write queues, from its `/metrics` (names
/// as vmagent 1.79 exposes them).
#[derive(Debug, Clone, PartialEq)]
pub struct VmagentQueues {
    /// `vmagent_remotewrite_pending_data_bytes`, summed over the URLs: bytes
    /// waiting in memory or on disk (a block being sent is not counted).
    pub pending_bytes: f64,
    /// `vm_persistentqueue_bytes_pending`, summed over the queues.
    pub persisted_pending_bytes: f64,
    /// `vmagent_remotewrite_packets_dropped_total`, summed over the URLs.
    pub packets_dropped: f64,
    /// `vm_persistentqueue_blocks_dropped_total`, summed over the queues.
    pub blocks_dropped: f64,
    /// `vmagent_remotewrite_retries_count_total`, summed over the URLs.
    pub retries: f64,
    /// `vmagent_remotewrite_requests_total{status_code="2XX"}`, summed.
    pub requests_2xx: f64,
}

impl VmagentQueues {
    /// Whether nothing is waiting to be sent.
    pub fn drained(&self) -> bool {
        self.pending_bytes == 0.0 && self.persisted_pending_bytes == 0.0
    }
}

/// Reads vmagent's queue metrics.
pub fn vmagent_queues(vmagent: &Peer) -> VmagentQueues {
    let metrics = super::api::self_metrics(&vmagent.base());
    let sum = |name: &str, filter: &[(&str, &str)]| super::api::metric_sum(&metrics, name, filter);
    VmagentQueues {
        pending_bytes: sum("vmagent_remotewrite_pending_data_bytes", &[]),
        persisted_pending_bytes: sum("vm_persistentqueue_bytes_pending", &[]),
        packets_dropped: sum("vmagent_remotewrite_packets_dropped_total", &[]),
        blocks_dropped: sum("vm_persistentqueue_blocks_dropped_total", &[]),
        retries: sum("vmagent_remotewrite_retries_count_total", &[]),
        requests_2xx: sum(
            "vmagent_remotewrite_requests_total",
            &[("status_code", "2XX")],
        ),
    }
}
