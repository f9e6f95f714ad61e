//! Retention: with `-retentionPeriod=1d` a sample older than a day is not
//! accepted (counted in `vm_rows_ignored_total{reason="too_small_timestamp"}`,
//! while the recent samples of the same request are stored), and samples that
//! were stored under a longer retention are no longer returned by export,
//! series, labels or label values once the retention is shortened.

mod common;

use common::api::{
    Reply, SeriesMap, assert_ingested, assert_series_eq, export, force_flush, label_values_api,
    labels, labels_api, remote_write, self_metric_sum, series_api,
};
use common::estuary::Estuary;
use common::now_ms;
use common::remote_write::series;

const DAY_MS: i64 = 86_400_000;
const HOUR_MS: i64 = 3_600_000;
const SELECTOR: &str = r#"{__name__=~"ret_.*"}"#;

/// A write whose only problem is samples older than the retention: either
/// accepted as a whole with the old samples dropped (VictoriaMetrics answers
/// 204), or a 400 that names the retention.
fn assert_too_old_handled(reply: &Reply, what: &str) {
    match reply.status {
        204 => {}
        400 => assert!(
            reply.body.to_lowercase().contains("retention"),
            "{what}: a 400 should name the retention: {reply:?}"
        ),
        _ => panic!("{what}: expected 204 (old samples dropped) or 400, got {reply:?}"),
    }
}

#[test]
fn retention_hides_old_samples() {
    let mut estuary = Estuary::start_with(&["-retentionPeriod=1d"]);
    let now = now_ms();
    let hour_ago = now - HOUR_MS;
    let two_days_ago = now - 2 * DAY_MS;
    let forty_days_ago = now - 40 * DAY_MS;
    let write = estuary.url("/api/v1/write");
    let too_small = |e: &Estuary| {
        self_metric_sum(
            &e.base(),
            "vm_rows_ignored_total",
            &[("reason", "too_small_timestamp")],
        )
    };

    // Phase 1, retention 1d: old samples are not accepted.
    let before = too_small(&estuary);
    let mixed = [("__name__", "ret_mixed")];
    let reply = remote_write(
        &write,
        vec![series(&mixed, &[(two_days_ago, 1.0), (hour_ago, 2.0)])],
    );
    assert_too_old_handled(&reply, "one old and one recent sample");
    let reply = remote_write(
        &write,
        vec![series(
            &[("__name__", "ret_old_only")],
            &[(two_days_ago, 1.0)],
        )],
    );
    assert_too_old_handled(&reply, "a series with only an old sample");
    assert_eq!(
        too_small(&estuary) - before,
        2.0,
        "vm_rows_ignored_total{{reason=\"too_small_timestamp\"}} should count both old samples"
    );
    force_flush(&estuary.base());
    let mut expected = SeriesMap::new();
    expected.insert(labels(&mixed), vec![(hour_ago, 2.0)]);
    assert_series_eq(
        &expected,
        &export(&estuary.base(), &[SELECTOR], None),
        "retention 1d, after writing old samples",
    );

    // Phase 2, retention 1y: old samples are accepted and returned; the ones
    // refused before do not come back.
    assert!(
        estuary.stop().success(),
        "graceful stop\n{}",
        estuary.log_tail()
    );
    estuary.restart_with(&["-retentionPeriod=1y"]);
    let aged = [("__name__", "ret_aged")];
    let aged_only = [("__name__", "ret_aged_only"), ("old", "yes")];
    let reply = remote_write(
        &estuary.url("/api/v1/write"),
        vec![
            series(
                &aged,
                &[(forty_days_ago, 4.0), (two_days_ago, 3.0), (hour_ago, 5.0)],
            ),
            series(&aged_only, &[(forty_days_ago, 6.0), (two_days_ago, 7.0)]),
        ],
    );
    assert_ingested(&reply, "old samples under retention 1y");
    force_flush(&estuary.base());
    let mut long = expected.clone();
    long.insert(
        labels(&aged),
        vec![(forty_days_ago, 4.0), (two_days_ago, 3.0), (hour_ago, 5.0)],
    );
    long.insert(
        labels(&aged_only),
        vec![(forty_days_ago, 6.0), (two_days_ago, 7.0)],
    );
    assert_series_eq(
        &long,
        &export(&estuary.base(), &[SELECTOR], None),
        "retention 1y",
    );

    // Phase 3, retention 1d again: what is older than a day is not returned.
    assert!(
        estuary.stop().success(),
        "graceful stop\n{}",
        estuary.log_tail()
    );
    estuary.restart_with(&["-retentionPeriod=1d"]);
    let base = estuary.base();
    expected.insert(labels(&aged), vec![(hour_ago, 5.0)]);
    assert_series_eq(
        &expected,
        &export(&base, &[SELECTOR], None),
        "retention 1d, export of all time",
    );
    let wide = Some((forty_days_ago - DAY_MS, now_ms()));
    assert_series_eq(
        &expected,
        &export(&base, &[SELECTOR], wide),
        "retention 1d, export with start 41 days ago",
    );
    let mut listed = series_api(&base, &[SELECTOR], wide);
    listed.sort();
    assert_eq!(
        listed,
        vec![labels(&aged), labels(&mixed)],
        "series with start 41 days ago"
    );
    assert_eq!(
        label_values_api(&base, "__name__", &[], wide),
        ["ret_aged", "ret_mixed"],
        "metric names with start 41 days ago"
    );
    assert!(
        !labels_api(&base, &[], wide).contains(&"old".to_string()),
        "label `old` exists only on samples older than the retention"
    );
}
