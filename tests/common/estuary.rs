//! The server under test: `estuary single` on a free loopback port with its
//! data in a temporary directory that outlives restarts.

use super::process::{Process, wait_until_ready};
use std::path::{Path, PathBuf};
use std::process::ExitStatus;
use std::time::Duration;
use tempfile::TempDir;

/// How long start-up (RocksDB open, WAL replay) may take.
const START_TIMEOUT: Duration = Duration::from_secs(60);
/// How long a graceful stop (final flush) may take.
const STOP_TIMEOUT: Duration = Duration::from_secs(60);
/// Start attempts, each on a new port, in case another test took the port.
const START_ATTEMPTS: usize = 3;

/// A running (or stopped) `estuary single`.
pub struct Estuary {
    // Declared first so it is dropped (killed) before its directories go.
    process: Option<Process>,
    data_dir: TempDir,
    log_dir: TempDir,
    args: Vec<String>,
    port: u16,
}

impl Estuary {
    /// Starts with default flags on a new data directory.
    pub fn start() -> Estuary {
        Estuary::start_with(&[])
    }

    /// Starts with extra flags (e.g. `-retentionPeriod=1d`) on a new data
    /// directory.
    pub fn start_with(args: &[&str]) -> Estuary {
        let mut estuary = Estuary {
            process: None,
            data_dir: tempfile::Builder::new()
                .prefix("estuary-data-")
                .tempdir()
                .expect("create data dir"),
            log_dir: tempfile::Builder::new()
                .prefix("estuary-log-")
                .tempdir()
                .expect("create log dir"),
            args: args.iter().map(|a| a.to_string()).collect(),
            port: 0,
        };
        estuary.launch();
        estuary
    }

    /// `http://127.0.0.1:<port>`: the single-node paths (tenant 0:0) hang off it.
    pub fn base(&self) -> String {
        assert!(self.process.is_some(), "estuary is not running");
        format!("http://127.0.0.1:{}", self.port)
    }

    /// `http://127.0.0.1:<port><path>`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base())
    }

    /// The ingestion base of a tenant: `.../insert/<tenant>/prometheus`.
    pub fn insert_base(&self, tenant: &str) -> String {
        format!("{}/insert/{tenant}/prometheus", self.base())
    }

    /// The query base of a tenant: `.../select/<tenant>/prometheus`.
    pub fn select_base(&self, tenant: &str) -> String {
        format!("{}/select/{tenant}/prometheus", self.base())
    }

    /// The data directory (kept across restarts).
    pub fn data_path(&self) -> &Path {
        self.data_dir.path()
    }

    /// The server's log (all starts appended), for failure messages.
    pub fn log_tail(&self) -> String {
        super::process::log_tail(&self.log_path())
    }

    /// Kills the server with SIGKILL: no flush, no goodbye.
    pub fn kill9(&mut self) {
        let mut process = self.process.take().expect("kill9: estuary is not running");
        process.kill9();
    }

    /// Stops the server with SIGTERM and waits for a clean exit.
    pub fn stop(&mut self) -> ExitStatus {
        let mut process = self.process.take().expect("stop: estuary is not running");
        match process.terminate(STOP_TIMEOUT) {
            Some(status) => status,
            None => panic!(
                "estuary did not exit within {STOP_TIMEOUT:?} of SIGTERM\n{}",
                self.log_tail()
            ),
        }
    }

    /// Starts the stopped server again on the same data directory and flags.
    pub fn restart(&mut self) {
        assert!(
            self.process.is_none(),
            "restart: estuary is still running; stop or kill it first"
        );
        self.launch();
    }

    /// Starts the stopped server again on the same data directory with new
    /// extra flags.
    pub fn restart_with(&mut self, args: &[&str]) {
        self.args = args.iter().map(|a| a.to_string()).collect();
        self.restart();
    }

    fn log_path(&self) -> PathBuf {
        self.log_dir.path().join("estuary.log")
    }

    fn launch(&mut self) {
        let program = PathBuf::from(env!("CARGO_BIN_EXE_estuary"));
        let mut failures = Vec::new();
        for _ in 0..START_ATTEMPTS {
            let port = super::free_port();
            let mut args = vec![
                "single".to_string(),
                format!("-httpListenAddr=127.0.0.1:{port}"),
                format!("-storageDataPath={}", self.data_dir.path().display()),
            ];
            args.extend(self.args.iter().cloned());
            let mut process = Process::spawn("estuary", &program, &args, &self.log_path());
            match wait_until_ready(
                &mut process,
                &format!("http://127.0.0.1:{port}/health"),
                START_TIMEOUT,
            ) {
                Ok(()) => {
                    self.port = port;
                    self.process = Some(process);
                    return;
                }
                Err(error) => {
                    process.kill9();
                    failures.push(error);
                }
            }
        }
        panic!(
            "estuary did not start (args {:?}):\n{}",
            self.args,
            failures.join("\n")
        );
    }
}
