//! Late and out-of-order samples are stored; a duplicate timestamp keeps one
//! sample chosen by value (a real value beats a staleness marker, then the
//! larger value), whatever the arrival order, before and after flush and merge.

mod common;

use common::*;
use estuary_types::{Tenant, TimeRange, stale_nan};

fn write_in_order(order: &[(i64, f64)]) -> Vec<(i64, u64)> {
    let dir = tempfile::tempdir().expect("tempdir");
    let engine = open(dir.path());
    let tenant = Tenant::DEFAULT;
    let labels = [("__name__", "m")];
    // Each sample in its own write, with a flush in the middle, so duplicates
    // meet across head and chunks.
    for (i, sample) in order.iter().enumerate() {
        engine
            .write(vec![series(tenant, &labels, &[*sample])])
            .expect("write");
        if i == order.len() / 2 {
            engine.flush().expect("flush");
        }
    }
    let range = TimeRange::new(0, i64::MAX);
    let before_merge = bits(&search(&engine, tenant, "m", range)[0].samples);
    engine.force_merge().expect("merge");
    let after_merge = bits(&search(&engine, tenant, "m", range)[0].samples);
    assert_eq!(
        before_merge, after_merge,
        "merge must not change the answer"
    );
    after_merge
}

#[test]
fn arrival_order_does_not_change_the_result() {
    let base = base_ms();
    let samples = vec![
        (base + 3000, 3.0),
        (base, 1.0),
        (base + 2000, stale_nan()),
        (base + 1000, 5.0),
        (base + 2000, 2.0),
        (base + 1000, 4.0),
        (base - 30 * 60_000, 0.5), // late by half an hour
    ];
    let forward = write_in_order(&samples);
    let mut reversed = samples.clone();
    reversed.reverse();
    let backward = write_in_order(&reversed);
    assert_eq!(forward, backward);
    assert_eq!(
        forward,
        vec![
            (base - 30 * 60_000, 0.5f64.to_bits()),
            (base, 1.0f64.to_bits()),
            (base + 1000, 5.0f64.to_bits()),
            (base + 2000, 2.0f64.to_bits()),
            (base + 3000, 3.0f64.to_bits()),
        ]
    );
}
