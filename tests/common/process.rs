//! One child process started by a test, with stdout and stderr appended to a
//! log file. Dropping it kills the process (SIGKILL) and reaps it, so no test
//! leaves processes behind, even when it panics. Only this PID is ever
//! signalled.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// Bytes of a log quoted in a failure message.
const LOG_TAIL_BYTES: u64 = 4096;

/// A running child process.
pub struct Process {
    name: String,
    child: Child,
    log_path: PathBuf,
}

impl Process {
    /// Starts `program` with `args`, appending its output to `log_path`.
    /// Panics when the program is missing, naming the setup script.
    pub fn spawn(name: &str, program: &Path, args: &[String], log_path: &Path) -> Process {
        if !program.exists() {
            panic!(
                "{name}: {} is not installed; run `bash scripts/setup.sh` first (CI runs it before the tests)",
                program.display()
            );
        }
        let log = open_log(log_path);
        let log_err = log.try_clone().expect("clone log file handle");
        let child = Command::new(program)
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::from(log))
            .stderr(Stdio::from(log_err))
            .spawn()
            .unwrap_or_else(|e| panic!("{name}: cannot start {}: {e}", program.display()));
        Process {
            name: name.to_string(),
            child,
            log_path: log_path.to_path_buf(),
        }
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The exit status if the process has exited.
    pub fn exited(&mut self) -> Option<ExitStatus> {
        self.child
            .try_wait()
            .unwrap_or_else(|e| panic!("{}: cannot poll the child: {e}", self.name))
    }

    /// SIGKILL, then reap.
    pub fn kill9(&mut self) {
        if self.exited().is_none() {
            // `Child::kill` sends SIGKILL on Unix.
            let _ = self.child.kill();
        }
        let _ = self.child.wait();
    }

    /// SIGTERM, then wait up to `timeout` for the exit. Returns the exit
    /// status, or `None` when the process did not exit in time (it is then
    /// killed with SIGKILL).
    pub fn terminate(&mut self, timeout: Duration) -> Option<ExitStatus> {
        if let Some(status) = self.exited() {
            return Some(status);
        }
        let sent = Command::new("kill")
            .args(["-TERM", &self.pid().to_string()])
            .status()
            .unwrap_or_else(|e| panic!("{}: cannot run kill -TERM: {e}", self.name));
        assert!(
            sent.success(),
            "{}: kill -TERM {} failed",
            self.name,
            self.pid()
        );
        let deadline = Instant::now() + timeout;
        while Instant::now() < deadline {
            if let Some(status) = self.exited() {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        self.kill9();
        None
    }

    /// Sends the signal `name` (`STOP`, `CONT`, `TERM`, ...) to this process
    /// only, with `kill -<name> <pid>`. Refuses when the process has already
    /// exited (its PID may belong to someone else by now).
    pub fn signal(&mut self, name: &str) -> Result<(), String> {
        if let Some(status) = self.exited() {
            return Err(format!(
                "{}: not sending SIG{name}, it already exited with {status}",
                self.name
            ));
        }
        let sent = Command::new("kill")
            .args([format!("-{name}"), self.pid().to_string()])
            .status()
            .map_err(|e| format!("{}: cannot run kill -{name}: {e}", self.name))?;
        if sent.success() {
            Ok(())
        } else {
            Err(format!("{}: kill -{name} {} failed", self.name, self.pid()))
        }
    }

    /// The last few KiB of the process's log, for failure messages.
    pub fn log_tail(&self) -> String {
        log_tail(&self.log_path)
    }

    /// The log file.
    pub fn log_path(&self) -> &Path {
        &self.log_path
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        self.kill9();
    }
}

fn open_log(path: &Path) -> File {
    OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .unwrap_or_else(|e| panic!("cannot open log {}: {e}", path.display()))
}

/// The last few KiB of a log file.
pub fn log_tail(path: &Path) -> String {
    let Ok(mut file) = File::open(path) else {
        return format!("(no log at {})", path.display());
    };
    let len = file.metadata().map(|m| m.len()).unwrap_or(0);
    let _ = file.seek(SeekFrom::Start(len.saturating_sub(LOG_TAIL_BYTES)));
    let mut bytes = Vec::new();
    let _ = file.read_to_end(&mut bytes);
    format!(
        "--- last {} bytes of {} ---\n{}",
        bytes.len(),
        path.display(),
        String::from_utf8_lossy(&bytes)
    )
}

/// Polls `url` until it answers 200, failing early (with the log) when the
/// process exits.
pub fn wait_until_ready(process: &mut Process, url: &str, timeout: Duration) -> Result<(), String> {
    let client = reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(2))
        .build()
        .expect("build HTTP client");
    let deadline = Instant::now() + timeout;
    let mut last = String::from("no answer yet");
    while Instant::now() < deadline {
        if let Some(status) = process.exited() {
            return Err(format!(
                "{} exited with {status} before {url} answered\n{}",
                process.name,
                process.log_tail()
            ));
        }
        match client.get(url).send() {
            Ok(response) if response.status().as_u16() == 200 => return Ok(()),
            Ok(response) => last = format!("status {}", response.status()),
            Err(error) => last = error.to_string(),
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Err(format!(
        "{} did not answer 200 on {url} within {timeout:?} (last: {last})\n{}",
        process.name,
        process.log_tail()
    ))
}
