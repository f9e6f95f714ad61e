//! Engine settings and per-tenant retention.

use estuary_types::Tenant;
use std::path::PathBuf;
use std::time::Duration;

/// Milliseconds in one day.
const DAY_MS: i64 = 86_400_000;

/// How long each tenant's samples are kept. The first matching override wins;
/// other tenants get the default.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetentionPolicy {
    /// Retention of tenants without an override, in milliseconds.
    pub default_ms: i64,
    /// `(account, project, retention_ms)`; `None` matches any id.
    pub overrides: Vec<(Option<u32>, Option<u32>, i64)>,
}

impl RetentionPolicy {
    /// One retention for every tenant.
    pub fn uniform(retention_ms: i64) -> Self {
        RetentionPolicy {
            default_ms: retention_ms,
            overrides: Vec::new(),
        }
    }

    /// The retention of `tenant` in milliseconds.
    pub fn retention_ms(&self, tenant: Tenant) -> i64 {
        self.overrides
            .iter()
            .find(|(account, project, _)| {
                account.is_none_or(|a| a == tenant.account_id)
                    && project.is_none_or(|p| p == tenant.project_id)
            })
            .map_or(self.default_ms, |(_, _, ms)| *ms)
    }

    /// The oldest timestamp of `tenant` that is still kept at `now_ms`.
    pub fn cutoff_ms(&self, tenant: Tenant, now_ms: i64) -> i64 {
        now_ms.saturating_sub(self.retention_ms(tenant))
    }
}

impl Default for RetentionPolicy {
    /// VictoriaMetrics's default: one month (31 days).
    fn default() -> Self {
        RetentionPolicy::uniform(31 * DAY_MS)
    }
}

/// The default block cache: enough for the recent chunks and postings
/// dashboards read again and again. Without one shared cache RocksDB gives
/// each column family its own 32 MiB.
pub const BLOCK_CACHE_BYTES_DEFAULT: usize = 64 << 20;

/// Everything the engine needs to open.
#[derive(Debug, Clone)]
pub struct EngineConfig {
    /// Root of the data directory (`-storageDataPath`).
    pub data_path: PathBuf,
    /// Retention per tenant (`-retentionPeriod`, `-retentionFilter`).
    pub retention: RetentionPolicy,
    /// How often the head is flushed into chunks; bounds WAL replay time and
    /// head memory. Ten minutes of 15 s scrapes is 40 samples per series.
    pub head_flush_interval: Duration,
    /// WAL bytes after which the head is flushed early, whatever the interval.
    pub wal_bytes_flush_threshold: u64,
    /// Size at which a WAL segment is closed and the next one started.
    pub wal_segment_bytes_max: u64,
    /// How often closed days with new chunks are merged and retention applied.
    pub maintenance_interval: Duration,
    /// Run flushes, merges and retention on a background thread.
    pub background_maintenance: bool,
    /// Bytes of RocksDB's block cache, one cache shared by every column family
    /// (`-storage.blockCacheSize`).
    pub block_cache_bytes: usize,
}

impl EngineConfig {
    /// Defaults for a data directory.
    pub fn new(data_path: impl Into<PathBuf>) -> Self {
        EngineConfig {
            data_path: data_path.into(),
            retention: RetentionPolicy::default(),
            head_flush_interval: Duration::from_secs(600),
            wal_bytes_flush_threshold: 512 << 20,
            wal_segment_bytes_max: 128 << 20,
            maintenance_interval: Duration::from_secs(3600),
            background_maintenance: true,
            block_cache_bytes: BLOCK_CACHE_BYTES_DEFAULT,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_matching_override_wins() {
        let policy = RetentionPolicy {
            default_ms: 90 * DAY_MS,
            overrides: vec![(Some(3), None, 365 * DAY_MS), (Some(3), Some(1), DAY_MS)],
        };
        assert_eq!(policy.retention_ms(Tenant::new(3, 1)), 365 * DAY_MS);
        assert_eq!(policy.retention_ms(Tenant::new(0, 0)), 90 * DAY_MS);
    }
}
