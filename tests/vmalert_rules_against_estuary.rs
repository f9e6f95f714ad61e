//! Debian's vmalert evaluates a recording rule and an alerting rule against
//! Estuary tenant 3 (datasource `/select/3/prometheus`, remote write
//! `/insert/3/prometheus`) while a gauge is pushed every 500 ms, and notifies
//! Debian's Alertmanager: the recording rule's series and `ALERTS` come back
//! into Estuary with the right labels and values, and the alert reaches
//! Alertmanager.

mod common;

use common::api::{Reply, assert_ingested, get, remote_write, success_data};
use common::estuary::Estuary;
use common::now_ms;
use common::peers::{ALERTMANAGER_CONFIG, Peer, alertmanager, vmalert};
use common::remote_write::series;
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread;
use std::time::{Duration, Instant};

/// How long each of the three outcomes may take to appear.
const DEADLINE: Duration = Duration::from_secs(30);
/// The gauge writer's period.
const PUSH_EVERY: Duration = Duration::from_millis(500);

const RULES: &str = r#"groups:
  - name: estuary-vmalert-test
    interval: 1s
    rules:
      - record: job:test_gauge:sum
        expr: sum by (job) (test_gauge)
      - alert: TestGaugeHigh
        expr: test_gauge > 5
        for: 0s
        labels:
          severity: page
        annotations:
          summary: "test_gauge is {{ $value }} on {{ $labels.instance }}"
"#;

/// Pushes `test_gauge{job="gauges",instance="a"} 7` and `{instance="b"} 3`
/// to tenant 3 every 500 ms until stopped.
struct GaugeWriter {
    stop: Arc<AtomicBool>,
    pushes: Arc<AtomicU64>,
    handle: Option<thread::JoinHandle<()>>,
}

impl GaugeWriter {
    fn start(write_url: String) -> GaugeWriter {
        let stop = Arc::new(AtomicBool::new(false));
        let pushes = Arc::new(AtomicU64::new(0));
        let handle = {
            let stop = Arc::clone(&stop);
            let pushes = Arc::clone(&pushes);
            thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    let now = now_ms();
                    assert_ingested(
                        &remote_write(
                            &write_url,
                            vec![
                                series(
                                    &[
                                        ("__name__", "test_gauge"),
                                        ("job", "gauges"),
                                        ("instance", "a"),
                                    ],
                                    &[(now, 7.0)],
                                ),
                                series(
                                    &[
                                        ("__name__", "test_gauge"),
                                        ("job", "gauges"),
                                        ("instance", "b"),
                                    ],
                                    &[(now, 3.0)],
                                ),
                            ],
                        ),
                        "gauge push to tenant 3",
                    );
                    pushes.fetch_add(1, Ordering::Relaxed);
                    thread::sleep(PUSH_EVERY);
                }
            })
        };
        GaugeWriter {
            stop,
            pushes,
            handle: Some(handle),
        }
    }

    /// Stops the thread and panics if a push failed.
    fn finish(mut self) -> u64 {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(Err(panic)) = self.handle.take().map(thread::JoinHandle::join) {
            std::panic::resume_unwind(panic);
        }
        self.pushes.load(Ordering::Relaxed)
    }
}

impl Drop for GaugeWriter {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// An instant query at now; the result list, or why it is not there yet.
fn instant(select_base: &str, query: &str) -> Result<Vec<Value>, String> {
    let reply: Reply = get(&format!("{select_base}/api/v1/query"), &[("query", query)]);
    let data = success_data(&reply, &format!("query {query}"));
    if data["resultType"] != "vector" {
        return Err(format!("resultType is not vector: {data}"));
    }
    let result = data["result"]
        .as_array()
        .ok_or_else(|| format!("result is not a list: {data}"))?
        .clone();
    if result.is_empty() {
        return Err(format!("no result yet for {query}"));
    }
    Ok(result)
}

#[test]
fn vmalert_rules_against_estuary() {
    let estuary = Estuary::start();
    let writer = GaugeWriter::start(format!("{}/api/v1/write", estuary.insert_base("3")));
    let mut am = alertmanager(ALERTMANAGER_CONFIG);
    let mut vmalert = vmalert(
        RULES,
        &estuary.select_base("3"),
        &estuary.insert_base("3"),
        Some(&am.base()),
    );
    let select = estuary.select_base("3");
    let logs = |vmalert: &Peer, am: &Peer| {
        format!(
            "--- vmalert log:\n{}\n--- alertmanager log:\n{}\n--- estuary log:\n{}",
            vmalert.log_tail(),
            am.log_tail(),
            estuary.log_tail()
        )
    };

    // (a) The recording rule's output, written back by vmalert: sum of 7 and 3.
    let recorded = wait_for(
        "job:test_gauge:sum in tenant 3",
        || instant(&select, "job:test_gauge:sum"),
        || logs(&vmalert, &am),
    );
    vmalert.assert_running();
    assert_eq!(
        recorded.len(),
        1,
        "one recorded series per job: {recorded:?}\n{}",
        vmalert.log_tail()
    );
    assert_eq!(
        recorded[0]["metric"],
        json!({"__name__": "job:test_gauge:sum", "job": "gauges"}),
        "labels of the recorded series"
    );
    assert_eq!(
        recorded[0]["value"][1], "10",
        "value of job:test_gauge:sum (7 + 3): {recorded:?}"
    );

    // (b) ALERTS for the firing instance only, written back by vmalert.
    let alerts = wait_for(
        "ALERTS firing in tenant 3",
        || {
            instant(
                &select,
                r#"ALERTS{alertname="TestGaugeHigh",alertstate="firing"}"#,
            )
        },
        || logs(&vmalert, &am),
    );
    assert_eq!(
        alerts.len(),
        1,
        "only instance a (7 > 5) fires: {alerts:?}\n{}",
        vmalert.log_tail()
    );
    let metric = alerts[0]["metric"]
        .as_object()
        .unwrap_or_else(|| panic!("ALERTS metric is not an object: {alerts:?}"));
    for (name, value) in [
        ("__name__", "ALERTS"),
        ("alertname", "TestGaugeHigh"),
        ("alertstate", "firing"),
        ("job", "gauges"),
        ("instance", "a"),
        ("severity", "page"),
    ] {
        assert_eq!(
            metric.get(name).and_then(Value::as_str),
            Some(value),
            "ALERTS label {name}: {alerts:?}"
        );
    }
    assert_eq!(alerts[0]["value"][1], "1", "ALERTS value: {alerts:?}");

    // Tenant isolation: nothing vmalert wrote landed in tenant 0.
    let other = success_data(
        &get(
            &estuary.url("/api/v1/query"),
            &[(
                "query",
                r#"{__name__=~"ALERTS|job:test_gauge:sum|test_gauge"}"#,
            )],
        ),
        "tenant 0 query",
    );
    assert_eq!(
        other["result"],
        json!([]),
        "tenant 0 must not see tenant 3's series: {other}"
    );

    // (c) The alert reached Alertmanager.
    let am_url = format!("{}/api/v2/alerts", am.base());
    let received = wait_for(
        "TestGaugeHigh in Alertmanager",
        || {
            let reply = get(&am_url, &[]);
            if reply.status != 200 {
                return Err(format!("GET {am_url}: {reply:?}"));
            }
            let list = reply.json();
            let list = list
                .as_array()
                .ok_or_else(|| format!("not a list: {}", reply.body))?
                .clone();
            let ours: Vec<Value> = list
                .into_iter()
                .filter(|a| a["labels"]["alertname"] == "TestGaugeHigh")
                .collect();
            if ours.is_empty() {
                Err(format!("no TestGaugeHigh yet: {}", reply.body))
            } else {
                Ok(ours)
            }
        },
        || logs(&vmalert, &am),
    );
    am.assert_running();
    assert_eq!(
        received.len(),
        1,
        "Alertmanager holds one TestGaugeHigh (instance a): {received:?}"
    );
    let alert = &received[0];
    assert_eq!(alert["labels"]["instance"], "a", "alert labels: {alert}");
    assert_eq!(alert["labels"]["job"], "gauges", "alert labels: {alert}");
    assert_eq!(alert["labels"]["severity"], "page", "alert labels: {alert}");
    assert_eq!(alert["status"]["state"], "active", "alert state: {alert}");
    assert_eq!(
        alert["annotations"]["summary"], "test_gauge is 7 on a",
        "annotation templated from Estuary's answer: {alert}"
    );

    vmalert.assert_running();
    let pushes = writer.finish();
    assert!(pushes >= 2, "the gauge writer pushed only {pushes} times");
}

/// Polls `check` every 200 ms until it answers `Ok`; after `DEADLINE` fails
/// with its last error and the peers' logs.
fn wait_for<T>(
    what: &str,
    mut check: impl FnMut() -> Result<T, String>,
    logs: impl Fn() -> String,
) -> T {
    let deadline = Instant::now() + DEADLINE;
    loop {
        match check() {
            Ok(value) => return value,
            Err(error) if Instant::now() >= deadline => {
                panic!(
                    "{what}: still failing after {DEADLINE:?}: {error}\n{}",
                    logs()
                )
            }
            Err(_) => thread::sleep(Duration::from_millis(200)),
        }
    }
}
