//! Estuary in cluster mode on loopback: `estuary storage` nodes holding the
//! data, `estuary insert` nodes spreading writes over them with replication,
//! and `estuary select` nodes fanning queries out to them, each role its own
//! process of the one binary.
//!
//! Every node keeps its ports for its whole life, so a storage node killed
//! and started again is found by the insert and select nodes at the address
//! they were given (`-storageNode=...`). Ports are taken below the kernel's
//! ephemeral range, so no outgoing connection borrows a dead node's port
//! while it is down. Storage data directories survive restarts; all logs go
//! to one directory so a failure can quote every node.

use super::process::{Process, log_tail, wait_until_ready};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::ExitStatus;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tempfile::TempDir;

/// The replication factor of the clusters the tests start.
pub const REPLICATION_FACTOR: usize = 2;
/// How long start-up may take (storage: RocksDB open, WAL replay).
const START_TIMEOUT: Duration = Duration::from_secs(60);
/// How long a graceful stop (final flush) may take.
const STOP_TIMEOUT: Duration = Duration::from_secs(60);
/// Start attempts on new ports for a node nobody knows the address of yet.
const FRESH_START_ATTEMPTS: usize = 3;
/// Start attempts on the node's own ports after a stop (the port may still
/// be held for a moment by the dying process).
const RESTART_ATTEMPTS: usize = 3;
/// Bytes of each node's log quoted by [`Cluster::logs_tail`].
const CLUSTER_LOG_TAIL_BYTES: usize = 2048;

/// The three roles of cluster mode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// `estuary storage`: holds data, serves RPC.
    Storage,
    /// `estuary insert`: accepts writes, replicates them to storage nodes.
    Insert,
    /// `estuary select`: answers queries from the storage nodes.
    Select,
}

impl Role {
    fn command(self) -> &'static str {
        match self {
            Role::Storage => "storage",
            Role::Insert => "insert",
            Role::Select => "select",
        }
    }
}

/// One node of the cluster: a process of one role on fixed loopback ports.
pub struct Node {
    // Declared first so it is dropped (killed) before its data directory.
    process: Option<Process>,
    name: String,
    role: Role,
    http_port: u16,
    rpc_port: Option<u16>,
    data_dir: Option<TempDir>,
    args: Vec<String>,
    log_path: PathBuf,
}

impl Node {
    /// Starts a node on new ports, trying again on other ports when the start
    /// fails (another process may have taken a port).
    fn start_fresh(role: Role, name: &str, args: Vec<String>, log_dir: &Path) -> Node {
        let mut node = Node {
            process: None,
            name: name.to_string(),
            role,
            http_port: 0,
            rpc_port: None,
            data_dir: (role == Role::Storage).then(|| {
                tempfile::Builder::new()
                    .prefix(&format!("estuary-{name}-"))
                    .tempdir()
                    .expect("create storage data dir")
            }),
            args,
            log_path: log_dir.join(format!("{name}.log")),
        };
        let mut failures = Vec::new();
        for _ in 0..FRESH_START_ATTEMPTS {
            node.http_port = stable_port();
            node.rpc_port = (role == Role::Storage).then(stable_port);
            match node.launch() {
                Ok(()) => return node,
                Err(error) => failures.push(error),
            }
        }
        panic!("{name} did not start:\n{}", failures.join("\n"));
    }

    /// Spawns the process and waits for `/ready`.
    fn launch(&mut self) -> Result<(), String> {
        assert!(self.process.is_none(), "{} is already running", self.name);
        let program = PathBuf::from(env!("CARGO_BIN_EXE_estuary"));
        let mut args = vec![
            self.role.command().to_string(),
            format!("-httpListenAddr=127.0.0.1:{}", self.http_port),
        ];
        if let Some(rpc_port) = self.rpc_port {
            args.push(format!("-rpcListenAddr=127.0.0.1:{rpc_port}"));
        }
        if let Some(dir) = &self.data_dir {
            args.push(format!("-storageDataPath={}", dir.path().display()));
        }
        args.extend(self.args.iter().cloned());
        let mut process = Process::spawn(&self.name, &program, &args, &self.log_path);
        match wait_until_ready(&mut process, &self.url("/ready"), START_TIMEOUT) {
            Ok(()) => {
                self.process = Some(process);
                Ok(())
            }
            Err(error) => {
                process.kill9();
                Err(error)
            }
        }
    }

    /// The data directory of a storage node (kept across restarts).
    pub fn data_path(&self) -> &Path {
        self.data_dir
            .as_ref()
            .map(|dir| dir.path())
            .unwrap_or_else(|| panic!("{} stores no data", self.name))
    }

    /// The node's name in messages (`storage-1`, `insert-2`, ...).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// `http://127.0.0.1:<http port>`, whether or not the node runs.
    pub fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.http_port)
    }

    /// `http://127.0.0.1:<http port><path>`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base())
    }

    /// `127.0.0.1:<rpc port>` of a storage node: what `-storageNode` lists and
    /// what the `node` label of the frontends' metrics says.
    pub fn rpc_addr(&self) -> String {
        let port = self
            .rpc_port
            .unwrap_or_else(|| panic!("{} is not a storage node", self.name));
        format!("127.0.0.1:{port}")
    }

    /// The ingestion base of a tenant on an insert node:
    /// `.../insert/<tenant>/prometheus`.
    pub fn insert_base(&self, tenant: &str) -> String {
        assert_eq!(
            self.role,
            Role::Insert,
            "{} is not an insert node",
            self.name
        );
        format!("{}/insert/{tenant}/prometheus", self.base())
    }

    /// The query base of a tenant on a select node:
    /// `.../select/<tenant>/prometheus`.
    pub fn select_base(&self, tenant: &str) -> String {
        assert_eq!(
            self.role,
            Role::Select,
            "{} is not a select node",
            self.name
        );
        format!("{}/select/{tenant}/prometheus", self.base())
    }

    /// Whether the process runs (it may be stopped with SIGSTOP).
    pub fn is_running(&mut self) -> bool {
        match &mut self.process {
            Some(process) => process.exited().is_none(),
            None => false,
        }
    }

    /// Panics with the log when the node died by itself.
    pub fn assert_running(&mut self) {
        let name = self.name.clone();
        let process = self
            .process
            .as_mut()
            .unwrap_or_else(|| panic!("{name} was stopped by the test"));
        if let Some(status) = process.exited() {
            panic!("{name} exited with {status}\n{}", process.log_tail());
        }
    }

    /// SIGKILL: no flush, no goodbye.
    pub fn kill9(&mut self) {
        let mut process = self
            .process
            .take()
            .unwrap_or_else(|| panic!("kill9: {} is not running", self.name));
        process.kill9();
    }

    /// SIGTERM and wait for the exit; panics when it takes too long.
    pub fn stop(&mut self) -> ExitStatus {
        let mut process = self
            .process
            .take()
            .unwrap_or_else(|| panic!("stop: {} is not running", self.name));
        match process.terminate(STOP_TIMEOUT) {
            Some(status) => status,
            None => panic!(
                "{} did not exit within {STOP_TIMEOUT:?} of SIGTERM\n{}",
                self.name,
                self.log_tail()
            ),
        }
    }

    /// Starts the stopped node again with the same ports, flags and data
    /// directory, and waits for `/ready`.
    pub fn restart(&mut self) {
        let mut failures = Vec::new();
        for _ in 0..RESTART_ATTEMPTS {
            match self.launch() {
                Ok(()) => return,
                Err(error) => {
                    failures.push(error);
                    std::thread::sleep(Duration::from_millis(500));
                }
            }
        }
        panic!(
            "{} did not restart on its ports:\n{}",
            self.name,
            failures.join("\n")
        );
    }

    /// Freezes the process with SIGSTOP until the returned guard is dropped
    /// (SIGCONT), so it holds its connections open and answers nothing.
    pub fn pause(&mut self) -> Paused<'_> {
        let name = self.name.clone();
        let process = self
            .process
            .as_mut()
            .unwrap_or_else(|| panic!("pause: {name} is not running"));
        process
            .signal("STOP")
            .unwrap_or_else(|e| panic!("pause: {e}"));
        Paused { process }
    }

    /// The last few KiB of the node's log (all starts appended).
    pub fn log_tail(&self) -> String {
        log_tail(&self.log_path)
    }

    /// The node's log file.
    pub fn log_path(&self) -> &Path {
        &self.log_path
    }
}

/// A node frozen with SIGSTOP; dropping the guard sends SIGCONT, so the
/// process can always be killed and reaped afterwards, even when the test
/// panics while the node is frozen.
pub struct Paused<'a> {
    process: &'a mut Process,
}

impl Paused<'_> {
    /// Sends SIGCONT now.
    pub fn resume(self) {
        drop(self);
    }
}

impl Drop for Paused<'_> {
    fn drop(&mut self) {
        if let Err(error) = self.process.signal("CONT") {
            eprintln!("resume: {error}");
        }
    }
}

/// The shape of a cluster and the extra flags of each role.
#[derive(Clone, Debug)]
pub struct ClusterSpec {
    /// Number of `estuary storage` nodes.
    pub storage: usize,
    /// Number of `estuary insert` nodes.
    pub insert: usize,
    /// Number of `estuary select` nodes.
    pub select: usize,
    /// `-replicationFactor` of insert and select.
    pub replication_factor: usize,
    /// Extra flags of every storage node.
    pub storage_args: Vec<String>,
    /// Extra flags of every insert node.
    pub insert_args: Vec<String>,
    /// Extra flags of every select node.
    pub select_args: Vec<String>,
}

impl Default for ClusterSpec {
    /// The cluster: 3 storage, 2 insert, 2 select, replication 2.
    fn default() -> ClusterSpec {
        ClusterSpec {
            storage: 3,
            insert: 2,
            select: 2,
            replication_factor: REPLICATION_FACTOR,
            storage_args: Vec::new(),
            insert_args: Vec::new(),
            select_args: Vec::new(),
        }
    }
}

/// A running cluster. Dropping it kills every node it started.
pub struct Cluster {
    /// The storage nodes, `storage-1` first.
    pub storage: Vec<Node>,
    /// The insert nodes.
    pub insert: Vec<Node>,
    /// The select nodes.
    pub select: Vec<Node>,
    /// `-replicationFactor` of the frontends.
    pub replication_factor: usize,
    select_args: Vec<String>,
    // Last, so the nodes are killed before their logs go. `None` only while
    // dropping.
    log_dir: Option<TempDir>,
}

/// Set to keep every node's log after the test (the path is printed).
pub const KEEP_LOGS_ENV: &str = "ESTUARY_KEEP_CLUSTER_LOGS";

impl Drop for Cluster {
    fn drop(&mut self) {
        if std::env::var_os(KEEP_LOGS_ENV).is_some()
            && let Some(dir) = self.log_dir.take()
        {
            eprintln!("cluster logs kept in {}", dir.keep().display());
        }
    }
}

impl Cluster {
    /// The cluster (see [`ClusterSpec::default`]).
    pub fn start() -> Cluster {
        Cluster::start_with(&ClusterSpec::default())
    }

    /// Starts the storage nodes, then the insert and select nodes pointed at
    /// them, each ready before this returns.
    pub fn start_with(spec: &ClusterSpec) -> Cluster {
        let log_dir = tempfile::Builder::new()
            .prefix("estuary-cluster-logs-")
            .tempdir()
            .expect("create cluster log dir");
        let storage: Vec<Node> = (1..=spec.storage)
            .map(|i| {
                Node::start_fresh(
                    Role::Storage,
                    &format!("storage-{i}"),
                    spec.storage_args.clone(),
                    log_dir.path(),
                )
            })
            .collect();
        let list = storage_node_list(&storage);
        let frontend_args = |extra: &[String]| {
            let mut args = vec![
                format!("-storageNode={list}"),
                format!("-replicationFactor={}", spec.replication_factor),
            ];
            args.extend(extra.iter().cloned());
            args
        };
        let insert = (1..=spec.insert)
            .map(|i| {
                Node::start_fresh(
                    Role::Insert,
                    &format!("insert-{i}"),
                    frontend_args(&spec.insert_args),
                    log_dir.path(),
                )
            })
            .collect();
        let select = (1..=spec.select)
            .map(|i| {
                Node::start_fresh(
                    Role::Select,
                    &format!("select-{i}"),
                    frontend_args(&spec.select_args),
                    log_dir.path(),
                )
            })
            .collect();
        Cluster {
            storage,
            insert,
            select,
            replication_factor: spec.replication_factor,
            select_args: spec.select_args.clone(),
            log_dir: Some(log_dir),
        }
    }

    /// `127.0.0.1:R1,127.0.0.1:R2,...`: the `-storageNode` value.
    pub fn storage_node_list(&self) -> String {
        storage_node_list(&self.storage)
    }

    /// Starts one more select node (named `name`) with the cluster's select
    /// flags plus `extra`, over all storage nodes.
    pub fn extra_select(&self, name: &str, extra: &[&str]) -> Node {
        let mut args = vec![
            format!("-storageNode={}", self.storage_node_list()),
            format!("-replicationFactor={}", self.replication_factor),
        ];
        args.extend(self.select_args.iter().cloned());
        args.extend(extra.iter().map(|a| a.to_string()));
        Node::start_fresh(Role::Select, name, args, self.log_dir())
    }

    /// A select node that sees only storage node `index` (replication factor
    /// 1), to read what that one node holds.
    pub fn one_node_select(&self, index: usize) -> Node {
        let args = vec![
            format!("-storageNode={}", self.storage[index].rpc_addr()),
            "-replicationFactor=1".to_string(),
        ];
        Node::start_fresh(
            Role::Select,
            &format!("view-of-storage-{}", index + 1),
            args,
            self.log_dir(),
        )
    }

    /// `/internal/force_flush` on every running storage node, so everything
    /// written so far is persisted beyond the WAL as well as searchable.
    pub fn force_flush(&mut self) {
        for node in &mut self.storage {
            if node.is_running() {
                super::api::force_flush(&node.base());
            }
        }
    }

    /// `estuary_hint_rows_pending` summed over the running storage nodes:
    /// rows held for a node that missed them, not yet delivered.
    pub fn hints_pending(&mut self) -> f64 {
        let mut pending = 0.0;
        for node in &mut self.storage {
            if node.is_running() {
                pending +=
                    super::api::self_metric_sum(&node.base(), "estuary_hint_rows_pending", &[]);
            }
        }
        pending
    }

    /// Waits until the storage nodes hold no hints any more (every rerouted
    /// row is back on its node); fails after `timeout`.
    pub fn wait_hints_delivered(&mut self, timeout: Duration) {
        super::eventually(timeout, "no hints left on the storage nodes", || {
            let rows = self.hints_pending();
            if rows == 0.0 {
                Ok(())
            } else {
                Err(format!("estuary_hint_rows_pending sums to {rows}"))
            }
        });
    }

    /// Every insert node's remote-write URL for `tenant`, in order.
    pub fn write_urls(&self, tenant: &str) -> Vec<String> {
        self.insert
            .iter()
            .map(|node| format!("{}/api/v1/write", node.insert_base(tenant)))
            .collect()
    }

    /// Panics with the logs when a node the test did not stop has died.
    pub fn assert_running(&mut self) {
        let mut dead = Vec::new();
        for node in self
            .storage
            .iter_mut()
            .chain(self.insert.iter_mut())
            .chain(self.select.iter_mut())
        {
            if let Some(process) = &mut node.process
                && let Some(status) = process.exited()
            {
                dead.push(format!("{} exited with {status}", node.name));
            }
        }
        assert!(
            dead.is_empty(),
            "nodes died by themselves: {}\n{}",
            dead.join(", "),
            self.logs_tail()
        );
    }

    /// The end of every node's log, for failure messages.
    pub fn logs_tail(&self) -> String {
        self.storage
            .iter()
            .chain(&self.insert)
            .chain(&self.select)
            .map(|node| {
                let tail = node.log_tail();
                let cut = tail.len().saturating_sub(CLUSTER_LOG_TAIL_BYTES);
                let start = (cut..tail.len())
                    .find(|&i| tail.is_char_boundary(i))
                    .unwrap_or(tail.len());
                format!("=== {} ===\n{}", node.name, &tail[start..])
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// The directory holding every node's log.
    pub fn log_dir(&self) -> &Path {
        self.log_dir
            .as_ref()
            .expect("the log dir lives as long as the cluster")
            .path()
    }
}

fn storage_node_list(storage: &[Node]) -> String {
    storage
        .iter()
        .map(Node::rpc_addr)
        .collect::<Vec<_>>()
        .join(",")
}

/// A loopback port that is free now and lies below the kernel's ephemeral
/// range, so the kernel never hands it to an outgoing connection while the
/// node owning it is down. Falls back to an ephemeral port when the range
/// leaves no room below it.
pub fn stable_port() -> u16 {
    const LOWEST: u16 = 10_000;
    static CALLS: AtomicU64 = AtomicU64::new(0);
    let ephemeral_start = std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range")
        .ok()
        .and_then(|text| text.split_whitespace().next()?.parse::<u16>().ok())
        .unwrap_or(32_768);
    if ephemeral_start <= LOWEST + 1_000 {
        return super::free_port();
    }
    // Different in every process and every call: tests run in parallel.
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock after 1970")
        .subsec_nanos() as u64;
    let mut state = nanos
        ^ (u64::from(std::process::id()) << 20)
        ^ CALLS
            .fetch_add(1, Ordering::SeqCst)
            .wrapping_mul(0x9E37_79B9);
    let span = u64::from(ephemeral_start - LOWEST);
    for _ in 0..200 {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        let port = LOWEST + u16::try_from((state >> 33) % span).expect("port fits in u16");
        if TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
    super::free_port()
}
