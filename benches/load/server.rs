//! A server under test: a child process on a free local port with its own
//! temporary data directory, killed when dropped. [`Server::start`] runs one
//! of the two compared single-node servers; [`Server::launch`] any command
//! line, such as one role of an Estuary cluster.

use super::proc_stats;
use reqwest::blocking::Client;
use std::fs::File;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use tempfile::TempDir;

/// How long a server may take to answer its readiness path after start.
const START_TIMEOUT: Duration = Duration::from_secs(60);
/// Interval between checks while waiting for a server to settle.
const SETTLE_POLL: Duration = Duration::from_secs(1);
/// Consecutive quiet checks that count as settled.
const SETTLE_QUIET_CHECKS: u32 = 3;
/// CPU seconds per check below which a server counts as idle (5 % of a core).
const SETTLE_IDLE_CPU_SECONDS: f64 = 0.05;

/// The two servers compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Peer {
    /// This repository's binary, `estuary single`.
    Estuary,
    /// The VictoriaMetrics single-node binary.
    VictoriaMetrics,
}

impl Peer {
    /// Name in the report.
    pub fn name(self) -> &'static str {
        match self {
            Peer::Estuary => "estuary",
            Peer::VictoriaMetrics => "victoria-metrics",
        }
    }

    /// The command line that serves `data_dir` on `port`.
    fn command(self, port: u16, data_dir: &Path) -> Command {
        let listen = format!("-httpListenAddr=127.0.0.1:{port}");
        let storage = format!("-storageDataPath={}", data_dir.display());
        match self {
            Peer::Estuary => {
                let mut command = Command::new(estuary_binary());
                command.args(["single", &listen, &storage]);
                command
            }
            Peer::VictoriaMetrics => {
                let mut command = Command::new(victoria_metrics_binary());
                command.args([&listen, &storage]);
                command
            }
        }
    }
}

/// This repository's binary as cargo built it for the benchmark.
pub fn estuary_binary() -> &'static str {
    env!("CARGO_BIN_EXE_estuary")
}

/// The VictoriaMetrics binary: `$ESTUARY_LOAD_VM_BIN`, else Debian's.
pub fn victoria_metrics_binary() -> PathBuf {
    std::env::var_os("ESTUARY_LOAD_VM_BIN")
        .map_or_else(|| PathBuf::from("/usr/bin/victoria-metrics"), PathBuf::from)
}

/// A running server.
pub struct Server {
    /// Its name in messages and in the report.
    pub name: String,
    /// `http://127.0.0.1:<port>`.
    pub base_url: String,
    /// Its `-storageDataPath`.
    pub data_dir: PathBuf,
    log_path: PathBuf,
    child: Child,
    /// Holds the data directory and the log; removed after the child is killed
    /// unless `ESTUARY_LOAD_KEEP` is set.
    root: Option<TempDir>,
}

impl Server {
    /// Starts `peer` on a free port and waits until it answers `/health`.
    pub fn start(peer: Peer, client: &Client) -> Server {
        Server::launch(peer.name(), "/health", client, |port, data_dir| {
            peer.command(port, data_dir)
        })
    }

    /// Starts the command that `command` builds for a free HTTP port and a
    /// fresh data directory (which it may leave unused), and waits until
    /// `ready_path` on that port answers 2xx.
    pub fn launch(
        name: &str,
        ready_path: &str,
        client: &Client,
        command: impl FnOnce(u16, &Path) -> Command,
    ) -> Server {
        let root = tempfile::Builder::new()
            .prefix(&format!("estuary-load-{name}-"))
            .tempdir()
            .expect("create a temporary directory for the server");
        let data_dir = root.path().join("data");
        let log_path = root.path().join("server.log");
        let log = File::create(&log_path).expect("create the server log");
        let port = free_port();
        let child = command(port, &data_dir)
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("clone the server log handle"))
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| panic!("start {name}: {e}"));
        let mut server = Server {
            name: name.to_string(),
            base_url: format!("http://127.0.0.1:{port}"),
            data_dir,
            log_path,
            child,
            root: Some(root),
        };
        server.wait_ready(client, ready_path);
        server
    }

    /// The server's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The last lines of the server's output, for error messages.
    pub fn log_tail(&self) -> String {
        let log = std::fs::read_to_string(&self.log_path).unwrap_or_default();
        let lines: Vec<&str> = log.lines().collect();
        lines[lines.len().saturating_sub(20)..].join("\n")
    }

    /// Panics (with the log) unless the process is still running.
    pub fn assert_running(&mut self) {
        if let Ok(Some(status)) = self.child.try_wait() {
            panic!(
                "{} exited with {status}; its log ends with:\n{}",
                self.name,
                self.log_tail()
            );
        }
    }

    /// Waits until the data directory stops changing and the process is idle
    /// for a few seconds in a row (background merges finished). Returns false
    /// if that did not happen within `timeout`.
    pub fn wait_until_settled(&mut self, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        let mut quiet_checks = 0;
        let mut last_usage = proc_stats::disk_usage(&self.data_dir);
        let mut last_cpu = proc_stats::cpu_seconds(self.pid());
        while Instant::now() < deadline {
            std::thread::sleep(SETTLE_POLL);
            self.assert_running();
            let usage = proc_stats::disk_usage(&self.data_dir);
            let cpu = proc_stats::cpu_seconds(self.pid());
            let quiet = usage == last_usage && cpu - last_cpu <= SETTLE_IDLE_CPU_SECONDS;
            quiet_checks = if quiet { quiet_checks + 1 } else { 0 };
            if quiet_checks >= SETTLE_QUIET_CHECKS {
                return true;
            }
            (last_usage, last_cpu) = (usage, cpu);
        }
        false
    }

    fn wait_ready(&mut self, client: &Client, ready_path: &str) {
        let deadline = Instant::now() + START_TIMEOUT;
        let url = format!("{}{ready_path}", self.base_url);
        while Instant::now() < deadline {
            self.assert_running();
            let ready = client
                .get(&url)
                .timeout(Duration::from_secs(2))
                .send()
                .is_ok_and(|r| r.status().is_success());
            if ready {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!(
            "{} did not answer {url} within {START_TIMEOUT:?}; its log ends with:\n{}",
            self.name,
            self.log_tail()
        );
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if std::env::var_os("ESTUARY_LOAD_KEEP").is_some()
            && let Some(root) = self.root.take()
        {
            println!("{}: kept {}", self.name, root.keep().display());
        }
    }
}

/// A port nothing listens on right now. The OS picks it and it is released
/// before the server binds it; should another process take it meanwhile, the
/// server fails to start and the benchmark says so.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|addr| addr.port())
        .expect("find a free local port")
}
