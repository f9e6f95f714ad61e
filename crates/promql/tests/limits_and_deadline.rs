//! The sample limit, the series limit and the deadline stop evaluation with
//! their own error classes.

use estuary_promql::{ErrorKind, MemorySource, QueryOptions, eval_range, parse};
use estuary_types::{Labels, Sample};
use std::time::{Duration, Instant};

fn source(series: usize, samples: usize) -> MemorySource {
    let mut source = MemorySource::new();
    for i in 0..series {
        let instance = i.to_string();
        let labels = Labels::from_pairs(&[("__name__", "up"), ("instance", &instance)]);
        let points = (0..samples)
            .map(|k| Sample::new(k as i64 * 15_000, k as f64))
            .collect();
        source.add(labels, points);
    }
    source
}

fn run(
    query: &str,
    source: &MemorySource,
    opts: &QueryOptions,
) -> Result<(), estuary_promql::EvalError> {
    let expr = parse(query).expect("parse");
    eval_range(&expr, source, 0, 3_600_000, 15_000, opts).map(|_| ())
}

#[test]
fn too_many_samples() {
    let source = source(10, 241);
    let opts = QueryOptions {
        max_samples: 1000,
        ..QueryOptions::default()
    };
    let err = run("up", &source, &opts).expect_err("2410 points exceed 1000");
    assert_eq!(err.kind(), ErrorKind::LimitExceeded);
    assert_eq!(
        err.to_string(),
        "query processing would load too many samples into memory in query execution"
    );
    let generous = QueryOptions {
        max_samples: 10_000,
        ..QueryOptions::default()
    };
    run("sum(up)", &source, &generous).expect("fits");
}

#[test]
fn too_many_series() {
    let source = source(20, 10);
    let opts = QueryOptions {
        max_series: 10,
        ..QueryOptions::default()
    };
    let err = run("up", &source, &opts).expect_err("20 series exceed 10");
    assert_eq!(err.kind(), ErrorKind::LimitExceeded);
}

#[test]
fn passed_deadline_times_out() {
    let source = source(5, 241);
    let opts = QueryOptions {
        deadline: Instant::now().checked_sub(Duration::from_millis(1)),
        ..QueryOptions::default()
    };
    let err = run("rate(up[5m])", &source, &opts).expect_err("deadline passed");
    assert_eq!(err.kind(), ErrorKind::Timeout);
    assert_eq!(err.to_string(), "query timed out in expression evaluation");
}
