//! Samples read back identically from the head, after a flush into chunks and
//! after a day merge; the staleness marker keeps its exact bits throughout.

mod common;

use common::*;
use estuary_types::{Sample, TimeRange, stale_nan};

#[test]
fn samples_round_trip_through_head_flush_and_merge() {
    let dir = tempfile::tempdir().expect("tempdir");
    let engine = open(dir.path());
    let tenant = estuary_types::Tenant::new(1, 2);
    let base = base_ms();
    let values = [
        (base, 1.0),
        (base + 15_000, 2.5),
        (base + 30_000, stale_nan()),
        (base + 45_000, f64::INFINITY),
    ];
    engine
        .write(vec![series(
            tenant,
            &[("__name__", "m"), ("job", "a")],
            &values,
        )])
        .expect("write");
    let expected: Vec<Sample> = values.iter().map(|&(t, v)| Sample::new(t, v)).collect();
    let range = TimeRange::new(base - 1, base + 60_000);

    let check = |stage: &str| {
        let found = search(&engine, tenant, "m", range);
        assert_eq!(found.len(), 1, "{stage}: one series");
        assert_eq!(
            bits(&found[0].samples),
            bits(&expected),
            "{stage}: exact samples"
        );
        assert_eq!(found[0].labels.get("job"), Some("a"));
    };
    check("head");
    engine.flush().expect("flush");
    check("after flush");
    // A second batch after the flush lands in a second chunk of the same day.
    engine
        .write(vec![series(
            tenant,
            &[("__name__", "m"), ("job", "a")],
            &[(base + 50_000, 9.0)],
        )])
        .expect("write");
    engine.force_merge().expect("merge");
    let found = search(&engine, tenant, "m", range);
    assert_eq!(found[0].samples.len(), 5, "merged day holds both batches");
    assert_eq!(bits(&found[0].samples[..4]), bits(&expected));
}

#[test]
fn sub_range_reads_only_that_range() {
    let dir = tempfile::tempdir().expect("tempdir");
    let engine = open(dir.path());
    let tenant = estuary_types::Tenant::DEFAULT;
    let base = base_ms();
    let samples: Vec<(i64, f64)> = (0..100).map(|i| (base + i * 1000, i as f64)).collect();
    engine
        .write(vec![series(tenant, &[("__name__", "m")], &samples)])
        .expect("write");
    engine.flush().expect("flush");
    let found = search(
        &engine,
        tenant,
        "m",
        TimeRange::new(base + 10_000, base + 19_000),
    );
    let timestamps: Vec<i64> = found[0].samples.iter().map(|s| s.timestamp).collect();
    assert_eq!(
        timestamps,
        (10..20).map(|i| base + i * 1000).collect::<Vec<_>>()
    );
}
