//! Command-line flags, named as VictoriaMetrics names them.

mod backup;
mod duration;
mod retention;

pub use backup::{BackupCliArgs, RestoreCliArgs};
pub use duration::parse_duration;
pub use retention::{parse_retention_filter, parse_retention_period};

use clap::{Args, Parser, Subcommand};
use std::ffi::OsString;
use std::time::Duration;

/// Estuary: a VictoriaMetrics-cluster-compatible global tier for Prometheus
/// metrics. Flags may be written `-flag=value` (VictoriaMetrics style) or
/// `--flag=value`.
#[derive(Debug, Parser)]
#[command(name = "estuary", version, about, long_about = None)]
pub struct Cli {
    /// Minimum log level: DEBUG, INFO, WARN, ERROR.
    #[arg(long = "loggerLevel", default_value = "INFO", global = true)]
    pub logger_level: String,

    /// The role this process plays.
    #[command(subcommand)]
    pub role: Role,
}

/// Process roles.
#[derive(Debug, Subcommand)]
pub enum Role {
    /// Storage, insert and select in one process: the all-in-one server. Serves
    /// the single-node paths (`/api/v1/write`, `/api/v1/query`, ...) as tenant
    /// 0:0 and the cluster paths `/insert/<tenant>/prometheus/...` and
    /// `/select/<tenant>/prometheus/...`.
    Single(SingleArgs),
    /// A storage node of a cluster: keeps a share of the series (write-ahead
    /// log, head, RocksDB) and serves insert and select nodes over gRPC.
    Storage(StorageArgs),
    /// A stateless insert node: ingestion on `/insert/<tenant>/prometheus/...`,
    /// each series replicated onto `-replicationFactor` storage nodes.
    Insert(InsertArgs),
    /// A stateless select node: PromQL and the read API on
    /// `/select/<tenant>/prometheus/...`, fanned out to every storage node.
    Select(SelectArgs),
    /// Backs up a storage node: takes a snapshot through
    /// `-snapshot.createURL` and copies it incrementally to `-dst`
    /// (`s3://bucket/prefix`, `fs:///dir`).
    Backup(BackupCliArgs),
    /// Restores a stopped node's `-storageDataPath` from the backup at `-src`.
    Restore(RestoreCliArgs),
}

/// Flags of `estuary storage`.
#[derive(Debug, Args)]
pub struct StorageArgs {
    /// TCP address for HTTP (health, readiness, metrics, admin).
    #[arg(long = "httpListenAddr", default_value = ":8482")]
    pub http_listen_addr: String,

    /// TCP address for the gRPC that insert and select nodes call.
    #[arg(long = "rpcListenAddr", default_value = ":8400")]
    pub rpc_listen_addr: String,

    /// Directory holding all data.
    #[arg(long = "storageDataPath", default_value = "estuary-storage-data")]
    pub storage_data_path: std::path::PathBuf,

    #[command(flatten)]
    pub storage: StorageFlags,
}

/// Flags of `estuary insert`.
#[derive(Debug, Args)]
pub struct InsertArgs {
    /// TCP address for HTTP.
    #[arg(long = "httpListenAddr", default_value = ":8480")]
    pub http_listen_addr: String,

    #[command(flatten)]
    pub cluster: ClusterFlags,

    /// The longest one write call to a storage node may take before its rows
    /// go to the next node in hash order.
    #[arg(long = "storageNode.writeTimeout", default_value = "5s", value_parser = parse_duration)]
    pub write_timeout: Duration,

    #[command(flatten)]
    pub insert: InsertFlags,
}

/// Flags of `estuary select`.
#[derive(Debug, Args)]
pub struct SelectArgs {
    /// TCP address for HTTP.
    #[arg(long = "httpListenAddr", default_value = ":8481")]
    pub http_listen_addr: String,

    #[command(flatten)]
    pub cluster: ClusterFlags,

    /// Keep one sample per interval per series when reading (e.g. 30s); 0s
    /// keeps every distinct timestamp. Replicas are always merged.
    #[arg(long = "dedup.minScrapeInterval", default_value = "0s", value_parser = parse_duration)]
    pub dedup_min_scrape_interval: Duration,

    /// Answer 503 instead of a partial answer (`isPartial: true`) when more
    /// storage nodes are missing than replication covers.
    #[arg(long = "search.denyPartialResponse", num_args = 0..=1, default_value_t = false, default_missing_value = "true")]
    pub deny_partial_response: bool,

    #[command(flatten)]
    pub select: SelectFlags,
}

/// How insert and select reach the storage nodes.
#[derive(Debug, Args)]
pub struct ClusterFlags {
    /// Storage nodes' RPC addresses, comma-separated or repeated
    /// (`host` alone means port 8400). Every insert and select node must list
    /// the same addresses.
    #[arg(long = "storageNode", value_delimiter = ',', required = true)]
    pub storage_node: Vec<String>,

    /// Copies of every series, on distinct storage nodes. Writes succeed only
    /// when every series is on this many nodes; reads stay complete with up to
    /// this many minus one nodes missing.
    #[arg(long = "replicationFactor", default_value_t = 1)]
    pub replication_factor: usize,

    /// How often every storage node is probed. A node that fails a probe is
    /// left out of writes and reads at once (calls in flight to it are
    /// abandoned) until a probe succeeds again; hinted rows go back to it
    /// after that probe.
    #[arg(long = "storageNode.healthCheckInterval", default_value = "1s", value_parser = parse_duration)]
    pub health_check_interval: Duration,
}

impl ClusterFlags {
    /// The node addresses with the default RPC port where none is given.
    pub fn node_addresses(&self) -> Vec<String> {
        self.storage_node
            .iter()
            .map(|node| node.trim())
            .filter(|node| !node.is_empty())
            .map(|node| {
                if node
                    .rsplit_once(':')
                    .is_some_and(|(_, port)| port.parse::<u16>().is_ok())
                {
                    node.to_string()
                } else {
                    format!("{node}:8400")
                }
            })
            .collect()
    }
}

/// Flags of `estuary single`.
#[derive(Debug, Args)]
pub struct SingleArgs {
    /// TCP address to listen on for HTTP.
    #[arg(long = "httpListenAddr", default_value = ":8428")]
    pub http_listen_addr: String,

    /// Directory holding all data.
    #[arg(long = "storageDataPath", default_value = "estuary-data")]
    pub storage_data_path: std::path::PathBuf,

    #[command(flatten)]
    pub storage: StorageFlags,

    #[command(flatten)]
    pub insert: InsertFlags,

    #[command(flatten)]
    pub select: SelectFlags,
}

/// Storage-engine flags.
#[derive(Debug, Args)]
pub struct StorageFlags {
    /// How long samples are kept: a bare number is months; suffixes h, d, w, y.
    /// Minimum 1d.
    #[arg(long = "retentionPeriod", default_value = "1", value_parser = parse_retention_period)]
    pub retention_period: Duration,

    /// Per-tenant retention, repeatable, first match wins:
    /// `{vm_account_id="5"}:1y` or `{vm_account_id="5",vm_project_id="1"}:90d`.
    #[arg(long = "retentionFilter", value_parser = parse_retention_filter)]
    pub retention_filter: Vec<retention::RetentionFilter>,

    /// How often the in-memory head is flushed to compressed chunks.
    #[arg(long = "storage.headFlushInterval", default_value = "10m", value_parser = parse_duration)]
    pub head_flush_interval: Duration,

    /// Bytes of the storage's block cache (recently read chunks and index
    /// blocks), shared by all of its data.
    #[arg(long = "storage.blockCacheSize", default_value_t = estuary_storage::BLOCK_CACHE_BYTES_DEFAULT)]
    pub block_cache_size: usize,

    /// Snapshots older than this are deleted automatically (checked every
    /// minute); 0 keeps them until deleted.
    #[arg(long = "snapshotsMaxAge", default_value = "0s", value_parser = parse_duration)]
    pub snapshots_max_age: Duration,

    /// When set, every `/snapshot/*` call must pass `authKey=<this key>`.
    #[arg(long = "snapshotAuthKey")]
    pub snapshot_auth_key: Option<String>,

    /// Downsampling is not supported; setting it is an error.
    #[arg(long = "downsampling.period", hide = true)]
    pub downsampling_period: Vec<String>,
}

/// Ingestion flags.
#[derive(Debug, Args)]
pub struct InsertFlags {
    /// Largest accepted request body in bytes (after decompression).
    #[arg(long = "maxInsertRequestSize", default_value_t = 32 << 20)]
    pub max_insert_request_size: usize,

    /// Series with more labels are dropped.
    #[arg(long = "maxLabelsPerTimeseries", default_value_t = 40)]
    pub max_labels_per_timeseries: usize,

    /// Series with a longer label name are dropped.
    #[arg(long = "maxLabelNameLen", default_value_t = 256)]
    pub max_label_name_len: usize,

    /// Series with a longer label value are dropped.
    #[arg(long = "maxLabelValueLen", default_value_t = 4096)]
    pub max_label_value_len: usize,

    /// Insert requests processed at once; default twice the CPU count.
    #[arg(long = "maxConcurrentInserts")]
    pub max_concurrent_inserts: Option<usize>,

    /// How long an insert waits for a slot before 503.
    #[arg(long = "insert.maxQueueDuration", default_value = "1m", value_parser = parse_duration)]
    pub insert_max_queue_duration: Duration,
}

/// Query flags.
#[derive(Debug, Args)]
pub struct SelectFlags {
    /// Most series one query may select.
    #[arg(long = "search.maxSeries", default_value_t = 30_000)]
    pub max_series: usize,

    /// Most samples one query may read.
    #[arg(long = "search.maxSamplesPerQuery", default_value_t = 1_000_000_000)]
    pub max_samples_per_query: u64,

    /// Longest a query may run.
    #[arg(long = "search.maxQueryDuration", default_value = "30s", value_parser = parse_duration)]
    pub max_query_duration: Duration,

    /// Queries processed at once; default twice the CPU count.
    #[arg(long = "search.maxConcurrentRequests")]
    pub max_concurrent_requests: Option<usize>,

    /// How long a query waits for a slot before 429.
    #[arg(long = "search.maxQueueDuration", default_value = "10s", value_parser = parse_duration)]
    pub max_queue_duration: Duration,
}

/// Rewrites VictoriaMetrics-style `-flag` arguments to `--flag` so clap
/// accepts both. Single-letter short flags (`-h`, `-V`) and lone `-` stay.
pub fn normalize_single_dash(args: impl IntoIterator<Item = OsString>) -> Vec<OsString> {
    args.into_iter()
        .map(|arg| match arg.to_str() {
            Some(s) if s.starts_with('-') && !s.starts_with("--") && s.len() > 2 => {
                let mut long = OsString::from("-");
                long.push(&arg);
                long
            }
            _ => arg,
        })
        .collect()
}

/// Twice the number of CPUs: VictoriaMetrics's default concurrency.
pub fn default_concurrency() -> usize {
    2 * estuary_types::parallel::cores()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cluster_flags_parse_in_vm_style() {
        let args = normalize_single_dash(
            [
                "estuary",
                "select",
                "-storageNode=a:1,b",
                "-storageNode=c:3",
                "-replicationFactor=2",
                "-search.denyPartialResponse",
                "-dedup.minScrapeInterval=30s",
            ]
            .map(OsString::from),
        );
        let Role::Select(select) = Cli::parse_from(args).role else {
            panic!("parsed another role");
        };
        assert_eq!(select.cluster.node_addresses(), ["a:1", "b:8400", "c:3"]);
        assert_eq!(select.cluster.replication_factor, 2);
        assert!(select.deny_partial_response);
        assert_eq!(select.dedup_min_scrape_interval, Duration::from_secs(30));
        assert!(
            Cli::try_parse_from(["estuary", "insert"]).is_err(),
            "-storageNode is required"
        );
    }

    #[test]
    fn single_dash_flags_become_long_flags() {
        let args = normalize_single_dash(
            ["estuary", "single", "-retentionPeriod=1y", "-h", "--x", "-"].map(OsString::from),
        );
        assert_eq!(
            args,
            [
                "estuary",
                "single",
                "--retentionPeriod=1y",
                "-h",
                "--x",
                "-"
            ]
            .map(OsString::from)
        );
    }

    #[test]
    fn defaults_parse() {
        let cli = Cli::parse_from(["estuary", "single"]);
        let Role::Single(single) = cli.role else {
            panic!("parsed another role");
        };
        assert_eq!(single.http_listen_addr, ":8428");
        assert_eq!(
            single.storage.retention_period,
            Duration::from_secs(31 * 86_400)
        );
    }
}
