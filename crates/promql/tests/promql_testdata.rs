//! Conformance: runs Prometheus 2.42's PromQL test scripts
//! (`/work/shared/promql-testdata/*.test`, never copied here) through the
//! engine, the way Prometheus's own test framework runs them:
//!
//! - every `eval` is evaluated as an instant query and compared with the
//!   expected result (values within Prometheus's relative epsilon 1e-6);
//! - unless `eval_ordered`, it is also evaluated as a range query from one
//!   minute before to one minute after, step one minute, and the middle step
//!   must give the same result;
//! - unless the query uses a function whose result depends on the evaluation
//!   time, it is re-run with `@ <eval time>` added to every top-level selector
//!   and subquery, at several other evaluation times, and must not change.
//!
//! Every evaluation runs as the select node runs it: the selectors are planned
//! with `plan_selectors`, only the planned data is copied into a fresh
//! `MemorySource`, and the query is evaluated against that copy, so a plan
//! that misses data fails the case.
//!
//! Each `eval` is one case; the test fails listing every failing case.

mod script;

use estuary_promql::ast::{AtModifier, Expr};
use estuary_promql::functions::Function;
use estuary_promql::{
    MemorySource, QueryOptions, Series, SeriesSource, Value, eval_instant, eval_range, parse,
    plan_selectors,
};
use estuary_types::{Labels, Sample};
use script::{Command, EvalCommand, Expected, parse_script};
use std::collections::BTreeMap;
use std::path::PathBuf;

/// Cases deliberately not run, with the reason: `(file, line, reason)`.
/// Native-histogram cases would go here; Prometheus 2.42's scripts have none.
const SKIPPED: &[(&str, usize, &str)] = &[];

/// Prometheus's `epsilon` for comparing sample values.
const EPSILON: f64 = 0.000001;

/// `ESTUARY_PROMQL_TESTDATA` when set (scripts/test.sh sets it for a clone
/// that does not sit beside `shared/`), else `shared/` beside the checkout.
fn testdata_dir() -> PathBuf {
    std::env::var_os("ESTUARY_PROMQL_TESTDATA").map_or_else(
        || manifest_dir().join("../../../shared/promql-testdata"),
        PathBuf::from,
    )
}

#[derive(Default)]
struct FileReport {
    passed: usize,
    failed: usize,
    skipped: usize,
}

#[test]
fn prometheus_test_scripts() {
    let dir = testdata_dir();
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|ext| ext == "test"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no *.test files in {}", dir.display());

    let mut reports: BTreeMap<String, FileReport> = BTreeMap::new();
    let mut failures = Vec::new();
    for path in &files {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let text = std::fs::read_to_string(path)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
        let report = reports.entry(name.clone()).or_default();
        run_script(&name, &text, report, &mut failures);
    }

    println!("{:<22} {:>6} {:>6} {:>6}", "file", "pass", "fail", "skip");
    for (name, r) in &reports {
        println!(
            "{name:<22} {:>6} {:>6} {:>6}",
            r.passed, r.failed, r.skipped
        );
    }
    for (file, line, reason) in SKIPPED {
        println!("skipped {file}:{line}: {reason}");
    }
    if !failures.is_empty() {
        panic!(
            "{} failing case(s):\n{}",
            failures.len(),
            failures.join("\n")
        );
    }
}

fn run_script(name: &str, text: &str, report: &mut FileReport, failures: &mut Vec<String>) {
    let commands = match parse_script(text) {
        Ok(commands) => commands,
        Err(e) => {
            report.failed += 1;
            failures.push(format!("{name}: cannot parse script: {e}"));
            return;
        }
    };
    let mut source = MemorySource::new();
    for command in commands {
        match command {
            Command::Clear => source.clear(),
            Command::Load {
                interval_ms,
                series,
                ..
            } => load(&mut source, interval_ms, series),
            Command::Eval(eval) => {
                if let Some((_, _, _)) = SKIPPED
                    .iter()
                    .find(|(file, line, _)| *file == name && *line == eval.line)
                {
                    report.skipped += 1;
                    continue;
                }
                match run_eval(&source, &eval) {
                    Ok(()) => report.passed += 1,
                    Err(why) => {
                        report.failed += 1;
                        failures.push(format!("{name}:{} {}\n    {why}", eval.line, eval.expr));
                    }
                }
            }
        }
    }
}

/// Loads series; within one `load`, a later definition of the same series
/// replaces an earlier one (as in Prometheus's framework).
fn load(source: &mut MemorySource, interval_ms: i64, series: Vec<(Labels, Vec<Option<f64>>)>) {
    let mut defs: Vec<(Labels, Vec<Sample>)> = Vec::new();
    for (labels, values) in series {
        let samples = values
            .iter()
            .enumerate()
            .filter_map(|(i, v)| v.map(|v| Sample::new(i as i64 * interval_ms, v)))
            .collect();
        match defs.iter_mut().find(|(l, _)| *l == labels) {
            Some(existing) => existing.1 = samples,
            None => defs.push((labels, samples)),
        }
    }
    for (labels, samples) in defs {
        source.add(labels, samples);
    }
}

/// As Prometheus's test engine: at most 10000 samples in memory at once.
fn options() -> QueryOptions {
    QueryOptions {
        max_samples: 10_000,
        max_series: 1_000_000,
        ..QueryOptions::default()
    }
}

fn run_eval(source: &MemorySource, eval: &EvalCommand) -> Result<(), String> {
    let expr = match parse(&eval.expr) {
        Ok(expr) => expr,
        Err(e) if eval.fail => {
            let _ = e;
            return Ok(());
        }
        Err(e) => return Err(format!("parse error: {e}")),
    };
    let mut variants = vec![(expr.clone(), eval.time_ms, String::new())];
    if let Some((at_expr, times)) = at_modifier_variants(&expr, eval.time_ms) {
        for t in times {
            variants.push((at_expr.clone(), t, format!(" [@ variant at {t}ms]")));
        }
    }
    for (expr, time, label) in &variants {
        let prefetched = prefetch(source, expr, *time, *time)?;
        let result = eval_instant(expr, &prefetched, *time, &options());
        match (result, eval.fail) {
            (Err(_), true) => continue,
            (Ok(v), true) => {
                return Err(format!("expected an error{label}, got {}", describe(&v)));
            }
            (Err(e), false) => return Err(format!("error{label}: {e}")),
            (Ok(value), false) => {
                compare(&eval.expected, &value, eval.ordered)
                    .map_err(|e| format!("instant{label}: {e}"))?;
                let range = eval_range(
                    expr,
                    source,
                    time - 60_000,
                    time + 60_000,
                    60_000,
                    &options(),
                )
                .map_err(|e| format!("range mode{label}: error: {e}"))?;
                if eval.ordered {
                    continue;
                }
                let middle = middle_step(&range, *time, matches!(value, Value::Scalar { .. }))?;
                compare(&eval.expected, &middle, false)
                    .map_err(|e| format!("range mode{label}: {e}"))?;
            }
        }
    }
    Ok(())
}

/// What the select node does before evaluating: fetch exactly the planned
/// selectors and ranges into a new source.
fn prefetch(
    source: &MemorySource,
    expr: &Expr,
    start: i64,
    end: i64,
) -> Result<MemorySource, String> {
    let mut prefetched = MemorySource::new();
    for plan in plan_selectors(expr, start, end, &options()) {
        let series = source
            .select(&plan.matchers, plan.range)
            .map_err(|e| format!("prefetch: {e}"))?;
        for s in series {
            prefetched.add(s.labels, s.samples);
        }
    }
    Ok(prefetched)
}

/// The points of a range result at `time`, as the instant result would be.
fn middle_step(range: &Value, time: i64, scalar: bool) -> Result<Value, String> {
    let Value::Matrix(series) = range else {
        return Err(format!("range query gave {}", range.result_type()));
    };
    let mut vector = Vec::new();
    for s in series {
        if let Some(sample) = s.samples.iter().find(|x| x.timestamp == time) {
            vector.push(estuary_promql::InstantSample {
                labels: s.labels.clone(),
                timestamp: time,
                value: sample.value,
            });
        }
    }
    if scalar {
        let value = vector
            .first()
            .map(|s| s.value)
            .ok_or("range query gave no point for a scalar")?;
        return Ok(Value::Scalar {
            timestamp: time,
            value,
        });
    }
    Ok(Value::Vector(vector))
}

/// Prometheus's `almostEqual`: both NaN, or relative difference below epsilon.
fn almost_equal(a: f64, b: f64) -> bool {
    if a.is_nan() && b.is_nan() {
        return true;
    }
    if a == b {
        return true;
    }
    let diff = (a - b).abs();
    let min_normal = f64::MIN_POSITIVE;
    if a == 0.0 || b == 0.0 || diff < min_normal {
        return diff < EPSILON * min_normal;
    }
    diff / (a.abs() + b.abs()) < EPSILON
}

fn compare(expected: &Expected, got: &Value, ordered: bool) -> Result<(), String> {
    match (expected, got) {
        (Expected::Scalar(want), Value::Scalar { value, .. }) => {
            if almost_equal(*want, *value) {
                Ok(())
            } else {
                Err(format!("expected scalar {want}, got {value}"))
            }
        }
        (Expected::Vector(want), Value::Vector(samples)) => {
            for (position, sample) in samples.iter().enumerate() {
                let Some(index) = want.iter().position(|(l, _)| *l == sample.labels) else {
                    return Err(format!(
                        "unexpected metric {} in result; got {}",
                        sample.labels,
                        describe(got)
                    ));
                };
                if ordered && index != position {
                    return Err(format!(
                        "expected {} at position {}, found at {}; got {}",
                        sample.labels,
                        index + 1,
                        position + 1,
                        describe(got)
                    ));
                }
                if !almost_equal(want[index].1, sample.value) {
                    return Err(format!(
                        "expected {} for {}, got {}",
                        want[index].1, sample.labels, sample.value
                    ));
                }
            }
            for (labels, value) in want {
                if !samples.iter().any(|s| s.labels == *labels) {
                    return Err(format!(
                        "expected metric {labels} with {value} not found; got {}",
                        describe(got)
                    ));
                }
            }
            Ok(())
        }
        (want, got) => Err(format!("expected {want:?}, got {}", describe(got))),
    }
}

fn describe(value: &Value) -> String {
    match value {
        Value::Scalar { value, .. } => format!("scalar {value}"),
        Value::String { value, .. } => format!("string {value:?}"),
        Value::Vector(samples) => {
            let items: Vec<String> = samples
                .iter()
                .map(|s| format!("{} {}", s.labels, s.value))
                .collect();
            format!("vector [{}]", items.join(", "))
        }
        Value::Matrix(series) => {
            let items: Vec<String> = series.iter().map(describe_series).collect();
            format!("matrix [{}]", items.join(", "))
        }
    }
}

fn describe_series(s: &Series) -> String {
    let points: Vec<String> = s
        .samples
        .iter()
        .map(|p| format!("{}@{}", p.value, p.timestamp))
        .collect();
    format!("{} [{}]", s.labels, points.join(" "))
}

/// Functions whose result can change with the evaluation time even when
/// their arguments do not (Prometheus's `AtModifierUnsafeFunctions`).
fn at_unsafe(func: Function) -> bool {
    matches!(
        func,
        Function::DaysInMonth
            | Function::DayOfMonth
            | Function::DayOfWeek
            | Function::DayOfYear
            | Function::Hour
            | Function::Minute
            | Function::Month
            | Function::Year
            | Function::PredictLinear
            | Function::Time
            | Function::Timestamp
    )
}

/// Prometheus's `atModifierTestCases`: the query with `@ <time>` on every
/// selector and subquery outside subqueries, and the other times to run it at.
fn at_modifier_variants(expr: &Expr, time_ms: i64) -> Option<(Expr, Vec<i64>)> {
    let mut expr = expr.clone();
    let mut unsafe_call = false;
    set_at(&mut expr, time_ms, &mut unsafe_call);
    if unsafe_call {
        return None;
    }
    let times = if time_ms == 0 {
        vec![-1000, 0, 1000]
    } else {
        vec![-10 * time_ms, 0, time_ms / 5, time_ms, 10 * time_ms]
    };
    Some((expr, times))
}

fn set_at(expr: &mut Expr, time_ms: i64, unsafe_call: &mut bool) {
    match expr {
        Expr::Number(_) | Expr::String(_) => {}
        Expr::Vector(sel) => {
            sel.at.get_or_insert(AtModifier::Time(time_ms));
        }
        Expr::Matrix(ms) => {
            ms.selector.at.get_or_insert(AtModifier::Time(time_ms));
        }
        Expr::Subquery(sq) => {
            // Nothing inside a subquery changes, and its calls are not checked.
            sq.at.get_or_insert(AtModifier::Time(time_ms));
        }
        Expr::Negate(inner) => set_at(inner, time_ms, unsafe_call),
        Expr::Binary(bin) => {
            set_at(&mut bin.lhs, time_ms, unsafe_call);
            set_at(&mut bin.rhs, time_ms, unsafe_call);
        }
        Expr::Aggregate(agg) => {
            if let Some(param) = &mut agg.param {
                set_at(param, time_ms, unsafe_call);
            }
            set_at(&mut agg.expr, time_ms, unsafe_call);
        }
        Expr::Call(call) => {
            *unsafe_call |= at_unsafe(call.func);
            for arg in &mut call.args {
                set_at(arg, time_ms, unsafe_call);
            }
        }
    }
}

/// The crate's directory, as cargo reports it when running the test. The
/// compile-time value is only a fallback: a build cache shared between
/// checkouts at different paths may hold a binary compiled elsewhere.
fn manifest_dir() -> PathBuf {
    std::env::var_os("CARGO_MANIFEST_DIR")
        .map_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")), PathBuf::from)
}
