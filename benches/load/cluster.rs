//! An Estuary cluster on loopback: `estuary storage` nodes, insert nodes and
//! one select node, each a [`Server`] on free ports with its own temporary
//! directory, all killed when the cluster is dropped.

use super::measure::UnderTest;
use super::server::{self, Server};
use reqwest::blocking::Client;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// Readiness path of every role: an insert node answers 200 only once enough
/// storage nodes are up for its replication factor.
const READY_PATH: &str = "/ready";
/// The tenant written to and read from.
const TENANT: &str = "0";

/// How many of each role, and the replication factor.
#[derive(Debug, Clone, Copy)]
pub struct Topology {
    /// `estuary storage` processes.
    pub storage_nodes: usize,
    /// `estuary insert` processes; the client connections are spread over them.
    pub insert_nodes: usize,
    /// `-replicationFactor` of insert and select.
    pub replication: usize,
}

/// A running cluster. Fields drop in order: insert and select nodes stop
/// before the storage nodes they call.
pub struct Cluster {
    inserts: Vec<Server>,
    select: Server,
    storage: Vec<Server>,
    topology: Topology,
}

impl Cluster {
    /// Starts the storage nodes, then the insert and select nodes pointed at
    /// them, waiting for each to answer `/ready`.
    pub fn start(topology: Topology, client: &Client) -> Cluster {
        let mut storage = Vec::with_capacity(topology.storage_nodes);
        let mut rpc_addresses = Vec::with_capacity(topology.storage_nodes);
        for index in 0..topology.storage_nodes {
            let rpc_address = format!("127.0.0.1:{}", server::free_port());
            let name = format!("storage-{index}");
            storage.push(Server::launch(
                &name,
                READY_PATH,
                client,
                |port, data_dir| storage_command(port, data_dir, &rpc_address),
            ));
            rpc_addresses.push(rpc_address);
        }
        let node_list = rpc_addresses.join(",");
        let stateless = |role: &'static str, name: String| {
            Server::launch(&name, READY_PATH, client, |port, _| {
                stateless_command(role, port, &node_list, topology.replication)
            })
        };
        let inserts = (0..topology.insert_nodes)
            .map(|index| stateless("insert", format!("insert-{index}")))
            .collect();
        let select = stateless("select", "select".to_string());
        Cluster {
            inserts,
            select,
            storage,
            topology,
        }
    }

    /// Every process, storage nodes first.
    fn servers(&self) -> impl Iterator<Item = &Server> {
        self.storage
            .iter()
            .chain(&self.inserts)
            .chain(std::iter::once(&self.select))
    }

    fn servers_mut(&mut self) -> impl Iterator<Item = &mut Server> {
        self.storage
            .iter_mut()
            .chain(&mut self.inserts)
            .chain(std::iter::once(&mut self.select))
    }
}

/// `estuary storage` on `port` (HTTP) and `rpc_address`, storing in `data_dir`.
fn storage_command(port: u16, data_dir: &Path, rpc_address: &str) -> Command {
    let mut command = Command::new(server::estuary_binary());
    command.args([
        "storage".to_string(),
        format!("-storageDataPath={}", data_dir.display()),
        format!("-httpListenAddr=127.0.0.1:{port}"),
        format!("-rpcListenAddr={rpc_address}"),
    ]);
    command
}

/// `estuary insert` or `estuary select` on `port`, calling `node_list`.
fn stateless_command(role: &str, port: u16, node_list: &str, replication: usize) -> Command {
    let mut command = Command::new(server::estuary_binary());
    command.args([
        role.to_string(),
        format!("-httpListenAddr=127.0.0.1:{port}"),
        format!("-storageNode={node_list}"),
        format!("-replicationFactor={replication}"),
    ]);
    command
}

impl UnderTest for Cluster {
    fn name(&self) -> String {
        "cluster".to_string()
    }

    fn pids(&self) -> Vec<u32> {
        self.servers().map(Server::pid).collect()
    }

    fn write_bases(&self) -> Vec<String> {
        self.inserts
            .iter()
            .map(|insert| format!("{}/insert/{TENANT}/prometheus", insert.base_url))
            .collect()
    }

    fn read_base(&self) -> String {
        format!("{}/select/{TENANT}/prometheus", self.select.base_url)
    }

    /// The first insert node: its admin calls fan out to every storage node.
    fn admin_base(&self) -> String {
        self.inserts
            .first()
            .map_or_else(|| self.select.base_url.clone(), |i| i.base_url.clone())
    }

    fn data_dirs(&self) -> Vec<PathBuf> {
        self.storage.iter().map(|s| s.data_dir.clone()).collect()
    }

    fn copies(&self) -> u64 {
        self.topology.replication as u64
    }

    fn assert_running(&mut self) {
        self.servers_mut().for_each(Server::assert_running);
    }

    /// Each process in turn; the data only moves between them while writes
    /// are in flight, and none are now.
    fn wait_until_settled(&mut self, timeout: Duration) -> bool {
        let mut all_settled = true;
        for server in self.servers_mut() {
            all_settled &= server.wait_until_settled(timeout);
        }
        all_settled
    }

    fn log_tail(&self) -> String {
        self.servers()
            .map(|server| format!("--- {}:\n{}", server.name, server.log_tail()))
            .collect::<Vec<_>>()
            .join("\n")
    }
}
