//! Out-of-order, late and duplicate samples: samples are accepted in any
//! order (inside one request, across requests, and older than data already
//! flushed) and exported sorted; of several samples with the same timestamp
//! exactly one is kept, the larger value, whatever the order they arrived in,
//! before and after a flush, a merge and a restart.

mod common;

use common::api::{
    SeriesMap, assert_ingested, assert_series_eq, export, force_flush, get, import_text, labels,
    remote_write,
};
use common::estuary::Estuary;
use common::now_ms;
use common::remote_write::series;
use std::time::Duration;

const SELECTOR: &str = r#"{__name__=~"ooo_.*|dup_.*"}"#;

#[test]
fn out_of_order_and_duplicates() {
    let mut estuary = Estuary::start();
    let write = estuary.url("/api/v1/write");
    let t0 = (now_ms() / 1_000 - 3_600) * 1_000;
    let mut expected = SeriesMap::new();

    // 100 samples sent in 10 requests of 10, in a scrambled order: request k
    // carries samples k, k+10, k+20, ... listed backwards, and requests go
    // k = 7, 2, 9, 4, 0, 5, 1, 8, 3, 6.
    let shuffled = [("__name__", "ooo_shuffled")];
    for k in [7, 2, 9, 4, 0, 5, 1, 8, 3, 6] {
        let samples: Vec<(i64, f64)> = (0..10)
            .rev()
            .map(|j| k + 10 * j)
            .map(|i| (t0 + i * 1_000, i as f64))
            .collect();
        assert_ingested(
            &remote_write(&write, vec![series(&shuffled, &samples)]),
            &format!("shuffled request {k}"),
        );
    }
    let mut all: Vec<(i64, f64)> = (0..100).map(|i| (t0 + i * 1_000, i as f64)).collect();

    // Late samples after a flush: older than everything stored, and in a gap.
    force_flush(&estuary.base());
    let late: Vec<(i64, f64)> = (1..=5)
        .map(|i| (t0 - i * 1_000, -(i as f64)))
        .chain([(t0 + 500, 0.5)])
        .collect();
    assert_ingested(
        &remote_write(&write, vec![series(&shuffled, &late)]),
        "late samples",
    );
    all.extend(late);
    all.sort_by_key(|s| s.0);
    expected.insert(labels(&shuffled), all);

    // Late samples of a series whose newer data was flushed long ago.
    let late_day = [("__name__", "ooo_late_day")];
    assert_ingested(
        &remote_write(&write, vec![series(&late_day, &[(t0, 1.0)])]),
        "recent sample",
    );
    force_flush(&estuary.base());
    let day_ago = t0 - 86_400_000;
    assert_ingested(
        &remote_write(&write, vec![series(&late_day, &[(day_ago, 2.0)])]),
        "sample one day older",
    );
    expected.insert(labels(&late_day), vec![(day_ago, 2.0), (t0, 1.0)]);

    // Duplicates across requests, in both orders: the larger value wins.
    for (order, first, second) in [("up", 1.0, 2.0), ("down", 2.0, 1.0)] {
        let l = [("__name__", "dup_across"), ("order", order)];
        assert_ingested(
            &remote_write(&write, vec![series(&l, &[(t0, first)])]),
            "first copy",
        );
        assert_ingested(
            &remote_write(&write, vec![series(&l, &[(t0, second)])]),
            "second copy",
        );
        expected.insert(labels(&l), vec![(t0, 2.0)]);
    }
    // Duplicates inside one request and one series.
    let within = [("__name__", "dup_within")];
    assert_ingested(
        &remote_write(
            &write,
            vec![series(&within, &[(t0, 3.0), (t0, 7.0), (t0, 5.0)])],
        ),
        "3 copies in one",
    );
    expected.insert(labels(&within), vec![(t0, 7.0)]);
    // Duplicates in one request, in two entries of the same series.
    let split = [("__name__", "dup_split")];
    let body = vec![series(&split, &[(t0, -4.0)]), series(&split, &[(t0, -8.0)])];
    assert_ingested(
        &remote_write(&write, body),
        "same series twice in one request",
    );
    expected.insert(labels(&split), vec![(t0, -4.0)]);
    // A duplicate of a flushed sample, smaller and larger.
    let flushed = [("__name__", "dup_flushed")];
    assert_ingested(
        &remote_write(
            &write,
            vec![series(&flushed, &[(t0, 10.0), (t0 + 1_000, 20.0)])],
        ),
        "to flush",
    );
    force_flush(&estuary.base());
    assert_ingested(
        &remote_write(
            &write,
            vec![series(&flushed, &[(t0, 4.0), (t0 + 1_000, 30.0)])],
        ),
        "copies after flush",
    );
    expected.insert(labels(&flushed), vec![(t0, 10.0), (t0 + 1_000, 30.0)]);
    // Duplicates across protocols: text format after remote write.
    let text_dup = [("__name__", "dup_protocols")];
    assert_ingested(
        &remote_write(&write, vec![series(&text_dup, &[(t0, 9.0)])]),
        "remote-write copy",
    );
    assert_ingested(
        &import_text(
            &estuary.url("/api/v1/import/prometheus"),
            &format!("dup_protocols 11 {t0}\n"),
        ),
        "text copy",
    );
    expected.insert(labels(&text_dup), vec![(t0, 11.0)]);

    force_flush(&estuary.base());
    assert_series_eq(
        &expected,
        &export(&estuary.base(), &[SELECTOR], None),
        "after flush",
    );

    let merge = get(&estuary.url("/internal/force_merge"), &[]);
    assert_eq!(merge.status, 200, "force_merge: {merge:?}");
    // The merge runs in the background; the answer must be the same during and after it.
    for _ in 0..5 {
        assert_series_eq(
            &expected,
            &export(&estuary.base(), &[SELECTOR], None),
            "during and after a merge",
        );
        std::thread::sleep(Duration::from_millis(300));
    }

    let stop = estuary.stop();
    assert!(
        stop.success(),
        "graceful stop exited with {stop}\n{}",
        estuary.log_tail()
    );
    estuary.restart();
    assert_series_eq(
        &expected,
        &export(&estuary.base(), &[SELECTOR], None),
        "after a restart",
    );
}
