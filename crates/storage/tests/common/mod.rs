//! Helpers shared by the engine tests.
#![allow(dead_code)]

use estuary_storage::{Engine, EngineConfig, now_ms};
use estuary_storage_api::{Deadline, SearchRequest, SeriesData, SeriesRequest, SeriesSamples};
use estuary_types::{LabelMatcher, Labels, Sample, Tenant, TimeRange};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

pub const HOUR_MS: i64 = 3_600_000;
pub const DAY_MS: i64 = 24 * HOUR_MS;

/// An engine on `dir` without background maintenance, so tests decide when
/// flushes and merges happen.
pub fn open(dir: &Path) -> Arc<Engine> {
    let mut config = EngineConfig::new(dir);
    config.background_maintenance = false;
    Engine::open(config).expect("open engine")
}

pub fn series(tenant: Tenant, pairs: &[(&str, &str)], samples: &[(i64, f64)]) -> SeriesSamples {
    SeriesSamples {
        tenant,
        labels: Labels::from_pairs(pairs).into(),
        samples: samples.iter().map(|&(t, v)| Sample::new(t, v)).collect(),
    }
}

pub fn request(tenant: Tenant, matchers: Vec<LabelMatcher>, range: TimeRange) -> SeriesRequest {
    SeriesRequest {
        tenant,
        filters: if matchers.is_empty() {
            vec![]
        } else {
            vec![matchers]
        },
        range,
        limit: 100_000,
        deadline: Deadline::after(Duration::from_secs(30)),
    }
}

pub fn search(engine: &Engine, tenant: Tenant, name: &str, range: TimeRange) -> Vec<SeriesData> {
    engine
        .search(&SearchRequest {
            series: request(tenant, vec![LabelMatcher::equal("__name__", name)], range),
            samples_limit: u64::MAX,
        })
        .expect("search")
}

/// A recent base timestamp, aligned to a minute, well inside retention.
pub fn base_ms() -> i64 {
    (now_ms() - HOUR_MS) / 60_000 * 60_000
}

pub fn bits(samples: &[Sample]) -> Vec<(i64, u64)> {
    samples
        .iter()
        .map(|s| (s.timestamp, s.value.to_bits()))
        .collect()
}
