//! Label names, label values, series and TSDB status come from the per-day
//! postings; matchers of every operator select the right series; deleted
//! series disappear; tenants stay apart.

mod common;

use common::*;
use estuary_storage_api::TsdbStatusRequest;
use estuary_types::{LabelMatcher, MatchOp, Tenant, TimeRange};

fn matcher(op: MatchOp, name: &str, value: &str) -> LabelMatcher {
    LabelMatcher::new(op, name, value).expect("matcher")
}

#[test]
fn matchers_labels_values_status_and_deletion() {
    let dir = tempfile::tempdir().expect("tempdir");
    let engine = open(dir.path());
    let tenant = Tenant::new(42, 0);
    let base = base_ms();
    engine
        .write(vec![
            series(
                tenant,
                &[("__name__", "cpu"), ("mode", "user"), ("host", "a")],
                &[(base, 1.0)],
            ),
            series(
                tenant,
                &[("__name__", "cpu"), ("mode", "system"), ("host", "a")],
                &[(base, 2.0)],
            ),
            series(
                tenant,
                &[("__name__", "cpu"), ("mode", "idle"), ("host", "b")],
                &[(base, 3.0)],
            ),
            series(tenant, &[("__name__", "up"), ("host", "b")], &[(base, 1.0)]),
            series(
                Tenant::new(43, 0),
                &[("__name__", "other_tenant")],
                &[(base, 1.0)],
            ),
        ])
        .expect("write");
    let range = TimeRange::new(base - 60_000, base + 60_000);
    let count = |matchers: Vec<LabelMatcher>| {
        engine
            .series(&request(tenant, matchers, range))
            .expect("series")
            .len()
    };

    assert_eq!(count(vec![matcher(MatchOp::Equal, "__name__", "cpu")]), 3);
    assert_eq!(
        count(vec![
            matcher(MatchOp::Equal, "__name__", "cpu"),
            matcher(MatchOp::NotEqual, "mode", "idle")
        ]),
        2
    );
    assert_eq!(
        count(vec![matcher(MatchOp::RegexMatch, "mode", "user|system")]),
        2
    );
    assert_eq!(count(vec![matcher(MatchOp::RegexMatch, "mode", "us.*")]), 1);
    assert_eq!(
        count(vec![
            matcher(MatchOp::RegexNoMatch, "mode", "us.*"),
            matcher(MatchOp::Equal, "host", "b")
        ]),
        2
    );
    // `mode=""` selects series without the label.
    assert_eq!(count(vec![matcher(MatchOp::Equal, "mode", "")]), 1);
    assert_eq!(count(vec![]), 4, "no matcher: every series of the tenant");

    let names = engine
        .label_names(&request(tenant, vec![], range))
        .expect("names");
    assert_eq!(names, ["__name__", "host", "mode"]);
    let values = engine
        .label_values(&request(tenant, vec![], range), "mode")
        .expect("values");
    assert_eq!(values, ["idle", "system", "user"]);
    let values = engine
        .label_values(
            &request(tenant, vec![matcher(MatchOp::Equal, "host", "a")], range),
            "mode",
        )
        .expect("values");
    assert_eq!(values, ["system", "user"]);

    let status = engine
        .tsdb_status(&TsdbStatusRequest {
            series: request(tenant, vec![], range),
            top_n: 10,
            focus_label: Some("host".into()),
        })
        .expect("status");
    assert_eq!(status.total_series, 4);
    assert_eq!(status.series_count_by_metric_name[0].name, "cpu");
    assert_eq!(status.series_count_by_metric_name[0].value, 3);
    assert_eq!(status.total_label_value_pairs, 4 + 3 + 4);
    assert_eq!(status.series_count_by_focus_label_value.len(), 2);

    let deleted = engine
        .delete_series(&request(
            tenant,
            vec![matcher(MatchOp::Equal, "mode", "idle")],
            range,
        ))
        .expect("delete");
    assert_eq!(deleted, 1);
    assert_eq!(count(vec![matcher(MatchOp::Equal, "__name__", "cpu")]), 2);
    assert_eq!(
        engine
            .label_values(&request(tenant, vec![], range), "mode")
            .expect("values"),
        ["system", "user"]
    );
    // Writing the deleted series again starts a new series with only new samples.
    engine
        .write(vec![series(
            tenant,
            &[("__name__", "cpu"), ("mode", "idle"), ("host", "b")],
            &[(base + 1, 7.0)],
        )])
        .expect("write");
    let found = search(&engine, tenant, "cpu", range);
    let idle = found
        .iter()
        .find(|s| s.labels.get("mode") == Some("idle"))
        .expect("idle is back");
    assert_eq!(bits(&idle.samples), vec![(base + 1, 7.0f64.to_bits())]);

    assert_eq!(
        engine.tenants(range).expect("tenants"),
        vec![Tenant::new(42, 0), Tenant::new(43, 0)]
    );
}
