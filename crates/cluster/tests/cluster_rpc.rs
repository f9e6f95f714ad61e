//! The cluster client against real storage services over loopback gRPC:
//! engines in temporary directories, each behind a `StorageService`, and a
//! `ClusterStorage` with replication 2 in front.

use estuary_cluster::{ClusterConfig, ClusterStorage};
use estuary_rpc::StorageService;
use estuary_storage::{Engine, EngineConfig, LocalStorage, RocksHintStore};
use estuary_storage_api::{
    Deadline, HintStore, SearchRequest, SeriesRequest, SeriesSamples, Storage, StorageError,
};
use estuary_types::{LabelMatcher, Labels, Sample, Tenant, TimeRange};
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tempfile::TempDir;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

const TENANT: Tenant = Tenant::new(3, 0);

/// One storage node served in-process.
struct TestNode {
    local: Arc<LocalStorage>,
    hints: Arc<RocksHintStore>,
    server: JoinHandle<()>,
    _dir: TempDir,
}

impl TestNode {
    async fn start(listener: TcpListener) -> TestNode {
        let dir = tempfile::tempdir().expect("temp dir");
        let engine = Engine::open(EngineConfig::new(dir.path().join("data"))).expect("open engine");
        let local = Arc::new(LocalStorage::new(engine));
        let hints = Arc::new(RocksHintStore::open(&dir.path().join("hints")).expect("open hints"));
        let service = StorageService::new(local.clone(), hints.clone()).into_server();
        let server = tokio::spawn(async move {
            let _ = tonic::transport::Server::builder()
                .add_service(service)
                .serve_with_incoming(tokio_stream::wrappers::TcpListenerStream::new(listener))
                .await;
        });
        TestNode {
            local,
            hints,
            server,
            _dir: dir,
        }
    }

    /// Label sets this node holds for the test tenant.
    async fn series(&self) -> Vec<Labels> {
        self.local
            .series(all_series())
            .await
            .expect("local series")
            .data
    }

    /// Hinted rows this node keeps, over all targets.
    fn hinted_rows(&self) -> u64 {
        self.hints.pending_rows().iter().map(|(_, rows)| rows).sum()
    }
}

impl Drop for TestNode {
    fn drop(&mut self) {
        self.server.abort();
    }
}

async fn bind() -> (TcpListener, SocketAddr) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = listener.local_addr().expect("local address");
    (listener, address)
}

fn cluster(addresses: &[SocketAddr]) -> Arc<ClusterStorage> {
    cluster_probing_every(addresses, Duration::from_millis(100))
}

fn cluster_probing_every(
    addresses: &[SocketAddr],
    probe_interval: Duration,
) -> Arc<ClusterStorage> {
    ClusterStorage::start(
        ClusterConfig {
            nodes: addresses.iter().map(ToString::to_string).collect(),
            replication: 2,
            write_timeout: Duration::from_secs(5),
            probe_interval,
            dedup_interval_ms: 0,
            deliver_hints: true,
        },
        estuary_metrics::global(),
    )
    .expect("start cluster client")
}

/// An hour ago, so the samples are inside the default retention.
fn t0() -> i64 {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock after 1970");
    i64::try_from(now.as_millis()).expect("milliseconds fit") - 3_600_000
}

fn batch(count: usize, timestamp: i64) -> Vec<SeriesSamples> {
    (0..count)
        .map(|i| SeriesSamples {
            tenant: TENANT,
            labels: Labels::from_pairs(&[("__name__", "requests"), ("pod", &format!("p{i:04}"))])
                .into(),
            samples: vec![Sample::new(timestamp, i as f64)],
        })
        .collect()
}

fn all_series() -> SeriesRequest {
    SeriesRequest {
        tenant: TENANT,
        filters: vec![vec![LabelMatcher::equal("__name__", "requests")]],
        range: TimeRange::new(0, i64::MAX),
        limit: usize::MAX,
        deadline: Deadline::after(Duration::from_secs(10)),
    }
}

fn search_all() -> SearchRequest {
    SearchRequest {
        series: all_series(),
        samples_limit: u64::MAX,
    }
}

/// Copies per series over `nodes`.
async fn copies(nodes: &[TestNode]) -> BTreeMap<Labels, usize> {
    let mut per_series = BTreeMap::new();
    for node in nodes {
        for labels in node.series().await {
            *per_series.entry(labels).or_default() += 1;
        }
    }
    per_series
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_series_gets_two_copies_and_reads_merge_them() {
    let mut nodes = Vec::new();
    let mut addresses = Vec::new();
    for _ in 0..3 {
        let (listener, address) = bind().await;
        nodes.push(TestNode::start(listener).await);
        addresses.push(address);
    }
    let cluster = cluster(&addresses);
    let t0 = t0();
    cluster.write(batch(300, t0)).await.expect("write");
    // The same series again, later: replicas must merge into one list.
    cluster.write(batch(300, t0 + 15_000)).await.expect("write");

    for node in &nodes {
        let held = node.series().await.len();
        assert!(held > 100 && held < 300, "uneven placement: {held} of 300");
    }
    let per_series = copies(&nodes).await;
    assert_eq!(per_series.len(), 300);
    assert!(per_series.values().all(|&c| c == 2), "{per_series:?}");

    let answer = cluster.search(search_all()).await.expect("search");
    assert!(!answer.is_partial);
    assert_eq!(answer.data.len(), 300);
    for series in &answer.data {
        let times: Vec<i64> = series.samples.iter().map(|s| s.timestamp).collect();
        assert_eq!(times, [t0, t0 + 15_000], "{:?}", series.labels);
    }
    let values = cluster
        .label_values(all_series(), "pod".into())
        .await
        .expect("values");
    assert_eq!(values.data.len(), 300);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_node_gets_its_copies_by_hinted_handoff() {
    let mut nodes = Vec::new();
    let mut addresses = Vec::new();
    for _ in 0..2 {
        let (listener, address) = bind().await;
        nodes.push(TestNode::start(listener).await);
        addresses.push(address);
    }
    // The third node's port is reserved, but nobody accepts on it yet.
    let (late_listener, late_address) = bind().await;
    addresses.push(late_address);
    let cluster = cluster(&addresses);

    let outcome = cluster
        .write(batch(200, t0()))
        .await
        .expect("writes succeed with one node missing");
    assert_eq!(outcome.samples_stored, 200);
    let answer = cluster.search(search_all()).await.expect("search");
    assert_eq!(answer.data.len(), 200);
    assert!(
        !answer.is_partial,
        "one missing node is covered by replication"
    );
    let held: u64 = nodes.iter().map(TestNode::hinted_rows).sum();
    assert!(held > 0, "the stand-ins keep hints for the missing node");

    nodes.push(TestNode::start(late_listener).await);
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let late = nodes[2].series().await.len();
        let pending: u64 = nodes.iter().map(TestNode::hinted_rows).sum();
        if late as u64 == held && pending == 0 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "hinted handoff incomplete: the late node holds {late} of {held}, {pending} rows pending"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let per_series = copies(&nodes).await;
    assert_eq!(per_series.len(), 200);
    assert!(per_series.values().all(|&c| c >= 2), "{per_series:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_missing_nodes_make_reads_partial_and_writes_fail() {
    let (listener, address) = bind().await;
    let _node = TestNode::start(listener).await;
    let (absent_a, address_a) = bind().await;
    let (absent_b, address_b) = bind().await;
    drop((absent_a, absent_b));
    let cluster = cluster(&[address, address_a, address_b]);
    let error = cluster
        .write(batch(10, t0()))
        .await
        .expect_err("two copies cannot be stored on one node");
    assert!(
        matches!(&error, StorageError::Unavailable(m) if m.contains("-replicationFactor=2")),
        "{error}"
    );
    let answer = cluster.search(search_all()).await.expect("partial search");
    assert!(
        answer.is_partial,
        "two of three nodes missing with replication 2"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_believed_down_is_still_tried_as_a_last_resort() {
    let (listener, address) = bind().await;
    let _first = TestNode::start(listener).await;
    let (late_listener, late_address) = bind().await;
    let late_port_holder = late_listener.into_std().expect("std listener");
    drop(late_port_holder);
    // Probes far apart: only a write can find out the node is back.
    let cluster = cluster_probing_every(&[address, late_address], Duration::from_secs(3600));
    let error = cluster
        .write(batch(5, t0()))
        .await
        .expect_err("one of two nodes is missing");
    assert!(matches!(error, StorageError::Unavailable(_)), "{error}");
    assert_eq!(cluster.nodes_up(), 1, "the failed node is believed down");

    let listener = TcpListener::bind(late_address)
        .await
        .expect("rebind the late port");
    let late = TestNode::start(listener).await;
    cluster
        .write(batch(5, t0()))
        .await
        .expect("the node believed down is tried and takes the copy");
    assert_eq!(late.series().await.len(), 5);
}
