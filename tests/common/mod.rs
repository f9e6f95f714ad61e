//! Harness shared by the multi-process integration tests in `tests/`.
//!
//! Each test file includes it with `mod common;`. It starts the `estuary`
//! binary and the real peers (vmagent, VictoriaMetrics, Prometheus,
//! node_exporter) as child processes on free loopback ports, each with its data
//! in a temporary directory, and talks to them over HTTP.
//!
//! - [`process`]: one child process with its log file; killed on drop.
//! - [`estuary`]: the server under test: start, SIGKILL, SIGTERM, restart on the
//!   same data directory.
//! - [`peers`]: the real peers, which must be installed (`bash scripts/setup.sh`).
//! - [`api`]: HTTP helpers: ingestion, export, series, labels, self-metrics.
//! - [`remote_write`]: the Prometheus remote-write 1.0 messages, by hand.
//! - [`cluster`]: Estuary in cluster mode: storage, insert and select nodes.
//! - [`replicas`]: how many storage nodes hold each sample.
//! - [`numbered`]: samples known from their number, and what must be stored.
//! - [`writer`]: a remote-write client thread that fails over between URLs.
//! - [`answers`]: PromQL answers as comparable series, with `isPartial`.
//! - [`mirror`]: vmagent writing the same data to a cluster and a single node.
//! - [`s3`]: a real S3-protocol server (moto) for backups.
//! - [`cli`]: the one-shot `estuary backup` and `estuary restore` commands.
//!
//! Every test file uses a different subset, so unused items are expected.
#![allow(dead_code)]

pub mod answers;
pub mod api;
pub mod cli;
pub mod cluster;
pub mod estuary;
pub mod mirror;
pub mod numbered;
pub mod peers;
pub mod process;
pub mod remote_write;
pub mod replicas;
pub mod s3;
pub mod writer;

use std::net::TcpListener;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// A loopback port nobody listens on right now. Another process may take it
/// before we bind it; callers that start servers retry with a new port.
pub fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind an ephemeral loopback port");
    listener
        .local_addr()
        .expect("local address of the ephemeral listener")
        .port()
}

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> i64 {
    let since = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock after 1970");
    i64::try_from(since.as_millis()).expect("milliseconds fit in i64")
}

/// Milliseconds as the Unix-seconds string the read APIs take (`1700000000.123`).
pub fn ms_to_param(ms: i64) -> String {
    assert!(ms >= 0, "negative times are not used in these tests: {ms}");
    format!("{}.{:03}", ms / 1000, ms % 1000)
}

/// `YYYY-MM-DD` (UTC) of a millisecond timestamp.
pub fn utc_date(ms: i64) -> String {
    // Howard Hinnant's days-to-civil algorithm.
    let z = ms.div_euclid(86_400_000) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

/// Polls `check` every 200 ms until it returns `Ok`, or fails with its last
/// error once `timeout` has passed.
pub fn eventually<T>(
    timeout: Duration,
    what: &str,
    mut check: impl FnMut() -> Result<T, String>,
) -> T {
    let deadline = Instant::now() + timeout;
    loop {
        match check() {
            Ok(value) => return value,
            Err(error) if Instant::now() >= deadline => {
                panic!("{what}: still failing after {timeout:?}: {error}")
            }
            Err(_) => std::thread::sleep(Duration::from_millis(200)),
        }
    }
}

/// A small deterministic generator (xorshift64*), so that a failing run can be
/// replayed from the seed it prints.
pub struct Rng(u64);

impl Rng {
    /// Seeds from `ESTUARY_TEST_SEED` when set, else from the clock; prints the
    /// seed so a failure can be replayed.
    pub fn from_env_or_clock(test: &str) -> Rng {
        let seed = match std::env::var("ESTUARY_TEST_SEED") {
            Ok(text) => text.parse().expect("ESTUARY_TEST_SEED must be a u64"),
            Err(_) => SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .expect("clock after 1970")
                .as_nanos() as u64,
        };
        eprintln!("{test}: seed {seed} (replay with ESTUARY_TEST_SEED={seed})");
        Rng(seed | 1)
    }

    /// A generator with a fixed seed, for data that must be the same on every run.
    pub fn with_seed(seed: u64) -> Rng {
        Rng(seed | 1)
    }

    /// The next pseudo-random number.
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number in `low..high`.
    pub fn range(&mut self, low: u64, high: u64) -> u64 {
        assert!(low < high, "empty range {low}..{high}");
        low + self.next_u64() % (high - low)
    }
}
