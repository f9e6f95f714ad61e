//! Samples older than the tenant's retention are refused on write, hidden on
//! read, and their days deleted by the retention sweep.

mod common;

use common::*;
use estuary_storage::{Engine, EngineConfig, RetentionPolicy, now_ms};
use estuary_types::{Tenant, TimeRange};

#[test]
fn retention_applies_per_tenant() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut config = EngineConfig::new(dir.path());
    config.background_maintenance = false;
    config.retention = RetentionPolicy {
        default_ms: 2 * DAY_MS,
        overrides: vec![(Some(3), None, 365 * DAY_MS)],
    };
    let engine = Engine::open(config).expect("open");
    let now = now_ms();
    let old = now - 10 * DAY_MS;
    let short = Tenant::new(1, 0);
    let long = Tenant::new(3, 0);

    let outcome = engine
        .write(vec![series(
            short,
            &[("__name__", "m")],
            &[(old, 1.0), (now - 1000, 2.0)],
        )])
        .expect("write");
    assert_eq!(outcome.samples_too_old, 1);
    assert_eq!(outcome.samples_stored, 1);
    let outcome = engine
        .write(vec![series(long, &[("__name__", "m")], &[(old, 1.0)])])
        .expect("write");
    assert_eq!(outcome.samples_stored, 1);
    engine.flush().expect("flush");

    let all = TimeRange::new(0, i64::MAX);
    assert_eq!(search(&engine, short, "m", all)[0].samples.len(), 1);
    assert_eq!(
        search(&engine, long, "m", all)[0].samples.len(),
        1,
        "the 1y tenant keeps its old sample"
    );
    engine.apply_retention().expect("sweep");
    assert_eq!(
        search(&engine, long, "m", all)[0].samples.len(),
        1,
        "the sweep honours per-tenant retention"
    );
}
