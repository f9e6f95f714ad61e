//! A write that returned is durable: dropping the engine without closing it
//! (no final flush) and reopening replays the WAL; a torn WAL tail loses only
//! the record that was being written.

mod common;

use common::*;
use estuary_types::{Tenant, TimeRange};

#[test]
fn wal_replay_restores_unflushed_samples() {
    let dir = tempfile::tempdir().expect("tempdir");
    let base = base_ms();
    let tenant = Tenant::new(7, 0);
    {
        let engine = open(dir.path());
        engine
            .write(vec![series(
                tenant,
                &[("__name__", "flushed")],
                &[(base, 1.0)],
            )])
            .expect("write");
        engine.flush().expect("flush");
        for i in 0..50 {
            engine
                .write(vec![series(
                    tenant,
                    &[("__name__", "unflushed"), ("i", &i.to_string())],
                    &[(base + i, i as f64)],
                )])
                .expect("write");
        }
        // Dropped here without close(): the head is lost, the WAL is not.
    }
    let engine = open(dir.path());
    let range = TimeRange::new(0, i64::MAX);
    assert_eq!(search(&engine, tenant, "flushed", range).len(), 1);
    let unflushed = search(&engine, tenant, "unflushed", range);
    assert_eq!(unflushed.len(), 50);
    for series in &unflushed {
        let i: i64 = series
            .labels
            .get("i")
            .expect("label i")
            .parse()
            .expect("number");
        assert_eq!(
            bits(&series.samples),
            vec![(base + i, (i as f64).to_bits())]
        );
    }
    // New series after the restart get fresh ids and do not collide.
    engine
        .write(vec![series(
            tenant,
            &[("__name__", "after")],
            &[(base, 2.0)],
        )])
        .expect("write");
    assert_eq!(search(&engine, tenant, "after", range)[0].samples.len(), 1);
    assert_eq!(search(&engine, tenant, "unflushed", range).len(), 50);
}

#[test]
fn a_torn_last_record_loses_only_itself() {
    let dir = tempfile::tempdir().expect("tempdir");
    let base = base_ms();
    let tenant = Tenant::DEFAULT;
    {
        let engine = open(dir.path());
        engine
            .write(vec![series(
                tenant,
                &[("__name__", "kept")],
                &[(base, 1.0)],
            )])
            .expect("write");
        engine
            .write(vec![series(
                tenant,
                &[("__name__", "torn")],
                &[(base, 2.0)],
            )])
            .expect("write");
    }
    let wal = dir.path().join("wal");
    let mut segments: Vec<_> = std::fs::read_dir(&wal)
        .expect("wal dir")
        .flatten()
        .map(|e| e.path())
        .collect();
    segments.sort();
    let last = segments
        .iter()
        .rev()
        .find(|p| std::fs::metadata(p).map(|m| m.len() > 8).unwrap_or(false))
        .expect("segment with records")
        .clone();
    let bytes = std::fs::read(&last).expect("read");
    // Cut inside the second record: drop its last 3 bytes.
    std::fs::write(&last, &bytes[..bytes.len() - 3]).expect("truncate");

    let engine = open(dir.path());
    let range = TimeRange::new(0, i64::MAX);
    assert_eq!(search(&engine, tenant, "kept", range).len(), 1);
    assert!(search(&engine, tenant, "torn", range).is_empty());
}
