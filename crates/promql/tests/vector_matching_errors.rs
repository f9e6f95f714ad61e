//! Vector matching errors are execution errors with Prometheus's messages.

use estuary_promql::{ErrorKind, MemorySource, QueryOptions, eval_instant, parse};
use estuary_types::{Labels, Sample};

fn source() -> MemorySource {
    let mut source = MemorySource::new();
    let series: &[&[(&str, &str)]] = &[
        &[("__name__", "a"), ("job", "x"), ("instance", "1")],
        &[("__name__", "a"), ("job", "x"), ("instance", "2")],
        &[("__name__", "b"), ("job", "x"), ("instance", "1")],
        &[("__name__", "b"), ("job", "x"), ("instance", "2")],
        &[("__name__", "c"), ("job", "x")],
    ];
    for pairs in series {
        source.add(Labels::from_pairs(pairs), vec![Sample::new(0, 1.0)]);
    }
    source
}

fn error_of(query: &str) -> estuary_promql::EvalError {
    let expr = parse(query).expect("parse");
    eval_instant(&expr, &source(), 0, &QueryOptions::default()).expect_err("must fail")
}

#[test]
fn duplicate_series_on_the_one_side_is_many_to_many() {
    let err = error_of("c + on(job) a");
    assert_eq!(err.kind(), ErrorKind::Execution);
    assert!(
        err.to_string().contains("found duplicate series for the match group {job=\"x\"} on the right hand-side of the operation"),
        "{err}"
    );
    assert!(
        err.to_string()
            .contains("many-to-many matching not allowed")
    );
}

#[test]
fn group_right_reports_the_left_side() {
    let err = error_of("a + on(job) group_right b");
    assert!(err.to_string().contains("on the left hand-side"), "{err}");
}

#[test]
fn many_to_one_must_be_explicit() {
    let err = error_of("a + on(job) c");
    assert_eq!(
        err.to_string(),
        "multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)"
    );
}

#[test]
fn group_left_needs_unique_results() {
    // a and b differ only by name, which `+` drops: same match group, same labels.
    let err = error_of("{__name__=~\"a|b\"} + on(job) group_left c");
    assert_eq!(
        err.to_string(),
        "multiple matches for labels: grouping labels must ensure unique matches"
    );
}

#[test]
fn dropping_the_name_can_collide() {
    let err = error_of("-{__name__=~\"a|b\"}");
    assert_eq!(
        err.to_string(),
        "vector cannot contain metrics with the same labelset"
    );
}

#[test]
fn explicit_group_left_works() {
    let expr = parse("a + on(job) group_left c").expect("parse");
    let value = eval_instant(&expr, &source(), 0, &QueryOptions::default()).expect("eval");
    let estuary_promql::Value::Vector(samples) = value else {
        panic!("expected a vector");
    };
    assert_eq!(samples.len(), 2);
    assert!(
        samples
            .iter()
            .all(|s| s.value == 2.0 && s.labels.metric_name().is_none())
    );
}
