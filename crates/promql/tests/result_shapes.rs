//! Results have Prometheus's shapes: range queries always answer a matrix
//! sorted by labels; instant queries keep scalar, string, vector and raw
//! matrix types; range vectors are rejected in range queries.

use estuary_promql::{
    ErrorKind, MemorySource, QueryOptions, Value, eval_instant, eval_range, parse,
};
use estuary_types::{Labels, Sample, stale_nan};

fn source() -> MemorySource {
    let mut source = MemorySource::new();
    source.add(
        Labels::from_pairs(&[("__name__", "m"), ("job", "b")]),
        vec![
            Sample::new(0, 1.0),
            Sample::new(60_000, 2.0),
            Sample::new(120_000, stale_nan()),
        ],
    );
    source.add(
        Labels::from_pairs(&[("__name__", "m"), ("job", "a")]),
        vec![Sample::new(0, 10.0), Sample::new(60_000, 20.0)],
    );
    source
}

fn instant(query: &str, t: i64) -> Value {
    eval_instant(
        &parse(query).expect("parse"),
        &source(),
        t,
        &QueryOptions::default(),
    )
    .expect("eval")
}

fn range(query: &str) -> Result<Value, estuary_promql::EvalError> {
    eval_range(
        &parse(query).expect("parse"),
        &source(),
        0,
        180_000,
        60_000,
        &QueryOptions::default(),
    )
}

#[test]
fn scalar_range_query_is_one_unlabelled_series() {
    let Value::Matrix(series) = range("1 + 1").expect("eval") else {
        panic!("expected a matrix");
    };
    assert_eq!(series.len(), 1);
    assert!(series[0].labels.is_empty());
    assert_eq!(series[0].samples.len(), 4);
    assert!(series[0].samples.iter().all(|s| s.value == 2.0));
}

#[test]
fn range_results_are_sorted_and_stop_at_staleness() {
    let Value::Matrix(series) = range("m").expect("eval") else {
        panic!("expected a matrix");
    };
    assert_eq!(series[0].labels.get("job"), Some("a"));
    assert_eq!(series[1].labels.get("job"), Some("b"));
    // job="b" went stale at 120s: no points from there on.
    let times: Vec<i64> = series[1].samples.iter().map(|s| s.timestamp).collect();
    assert_eq!(times, vec![0, 60_000]);
    // job="a" is looked back to for 5 minutes.
    assert_eq!(series[0].samples.len(), 4);
}

#[test]
fn instant_types_are_kept() {
    assert!(
        matches!(instant("time()", 5000), Value::Scalar { timestamp: 5000, value } if value == 5.0)
    );
    assert!(matches!(instant("\"hello\"", 0), Value::String { .. }));
    let Value::Matrix(raw) = instant("m[1m]", 60_000) else {
        panic!("expected raw samples");
    };
    assert_eq!(raw.len(), 2);
    assert!(
        raw.iter().all(|s| s.samples.len() == 2),
        "window is closed on both ends"
    );
    let Value::Vector(vector) = instant("m", 60_000) else {
        panic!("expected a vector");
    };
    assert_eq!(vector.len(), 2);
    assert!(vector.iter().all(|s| s.timestamp == 60_000));
}

#[test]
fn range_vectors_are_bad_data_in_range_queries() {
    let err = range("m[5m]").expect_err("matrix in a range query");
    assert_eq!(err.kind(), ErrorKind::BadData);
    assert_eq!(
        err.to_string(),
        "invalid expression type \"range vector\" for range query, must be Scalar or instant Vector"
    );
}

#[test]
fn parse_errors_are_bad_data() {
    let err = parse("sum(").expect_err("incomplete");
    assert_eq!(err.kind(), ErrorKind::BadData);
}
