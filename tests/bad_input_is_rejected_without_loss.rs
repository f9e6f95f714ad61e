//! Bad input is rejected without loss: every kind of bad request gets a 4xx
//! with a plain-text message naming the problem; an undecodable body stores
//! nothing; series-level problems drop only the bad series (the valid series of
//! the same request are stored, the 400 names what was dropped, and
//! `vm_rows_ignored_total` counts it); and the data accepted before is intact
//! afterwards, also after a restart.
//!
//! All cases run against one server and are checked one by one; the test
//! reports every failing case at the end rather than stopping at the first.

mod common;

use common::api::{
    Reply, SeriesMap, assert_ingested, diff_series, export, force_flush, import_json, labels,
    remote_write, self_metric_sum, try_post,
};
use common::estuary::Estuary;
use common::now_ms;
use common::remote_write::{TimeSeries, WriteRequest, encode, series, snappy, snappy_body, zstd};

/// Everything the bad requests could have written is named `bi_*`.
const SELECTOR: &str = r#"{__name__=~"bi_.*"}"#;
/// The default `-maxInsertRequestSize`.
const MAX_REQUEST_BYTES: usize = 32 << 20;

/// Collects failed expectations so that one run reports all of them.
#[derive(Default)]
struct Findings(Vec<String>);

impl Findings {
    /// Checks status, plain-text content type, and that the message contains
    /// every string of `all` and at least one of `any` (case-insensitive).
    fn check(
        &mut self,
        case: &str,
        reply: Result<Reply, String>,
        status: u16,
        all: &[&str],
        any: &[&str],
    ) {
        let reply = match reply {
            Ok(reply) => reply,
            Err(error) => {
                return self.0.push(format!(
                    "{case}: expected {status}, got a transport error: {error}"
                ));
            }
        };
        if reply.status != status {
            self.0.push(format!(
                "{case}: expected status {status}, got {} with body {:?}",
                reply.status, reply.body
            ));
            return;
        }
        if !reply.content_type.starts_with("text/plain") {
            self.0.push(format!(
                "{case}: expected a text/plain error, got Content-Type {:?}",
                reply.content_type
            ));
        }
        let message = reply.body.to_lowercase();
        for needle in all {
            if !message.contains(&needle.to_lowercase()) {
                self.0.push(format!(
                    "{case}: the message should contain {needle:?}: {:?}",
                    reply.body
                ));
            }
        }
        if !any.is_empty()
            && !any
                .iter()
                .any(|needle| message.contains(&needle.to_lowercase()))
        {
            self.0.push(format!(
                "{case}: the message should contain one of {any:?}: {:?}",
                reply.body
            ));
        }
    }

    fn expect(&mut self, ok: bool, what: String) {
        if !ok {
            self.0.push(what);
        }
    }
}

fn rw(url: &str, body: Vec<u8>, encoding: &str) -> Result<Reply, String> {
    let headers = [
        ("Content-Type", "application/x-protobuf"),
        ("Content-Encoding", encoding),
    ];
    try_post(url, &[], &headers, body)
}

fn text(url: &str, body: &str) -> Result<Reply, String> {
    try_post(url, &[], &[], body.as_bytes().to_vec())
}

/// Label pairs built at run time.
type OwnedLabels = Vec<(String, String)>;

/// `n` labels in all: `__name__` plus `n - 1` others.
fn labels_n(name: &str, n: usize) -> OwnedLabels {
    let mut out = vec![("__name__".to_string(), name.to_string())];
    out.extend((1..n).map(|i| (format!("l{i:02}"), "v".to_string())));
    out
}

fn series_owned(labels: &[(String, String)], samples: &[(i64, f64)]) -> TimeSeries {
    let pairs: Vec<(&str, &str)> = labels
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    series(&pairs, samples)
}

#[test]
fn bad_input_is_rejected_without_loss() {
    let mut estuary = Estuary::start();
    let t0 = now_ms() - 120_000;
    let write = estuary.url("/api/v1/write");
    let import = estuary.url("/api/v1/import");
    let import_text = estuary.url("/api/v1/import/prometheus");
    let mut findings = Findings::default();

    // Data accepted before any bad request; it must survive all of them.
    let mut expected = SeriesMap::new();
    let baseline: Vec<(i64, f64)> = (0..10).map(|i| (t0 + i * 1_000, i as f64 + 0.5)).collect();
    for i in 0..3 {
        let l = [("__name__", "bi_base"), ("i", &*i.to_string())];
        assert_ingested(
            &remote_write(&write, vec![series(&l, &baseline)]),
            "baseline",
        );
        expected.insert(labels(&l), baseline.clone());
    }
    assert_ingested(
        &import_json(
            &import,
            &format!(
                r#"{{"metric":{{"__name__":"bi_base_json"}},"values":[1],"timestamps":[{t0}]}}"#
            ),
        ),
        "baseline JSON",
    );
    expected.insert(labels(&[("__name__", "bi_base_json")]), vec![(t0, 1.0)]);
    force_flush(&estuary.base());

    // --- Undecodable bodies: 400, nothing stored. ---
    findings.check(
        "corrupt snappy",
        rw(&write, b"\xff\x00 this is not snappy".to_vec(), "snappy"),
        400,
        &[],
        &["snappy"],
    );
    findings.check(
        "corrupt zstd",
        rw(&write, b"\x28\xb5\x2f\xfd garbage".to_vec(), "zstd"),
        400,
        &[],
        &["zstd"],
    );
    let protobuf_words = ["protobuf", "remote-write", "remote write", "writerequest"];
    findings.check(
        "snappy of garbage protobuf",
        rw(
            &write,
            snappy(b"\x0a\xff\xff\xff\xff\x0f\x12\x34 not protobuf"),
            "snappy",
        ),
        400,
        &[],
        &protobuf_words,
    );
    let full = encode(&WriteRequest {
        timeseries: vec![series(
            &[("__name__", "bi_truncated")],
            &(0..100).map(|i| (t0 + i, 1.0)).collect::<Vec<_>>(),
        )],
    });
    findings.check(
        "truncated protobuf",
        rw(&write, snappy(&full[..full.len() / 2]), "snappy"),
        400,
        &[],
        &protobuf_words,
    );
    findings.check(
        "unsupported Content-Encoding",
        rw(
            &write,
            snappy_body(vec![series(&[("__name__", "bi_brotli")], &[(t0, 1.0)])]),
            "br",
        ),
        400,
        &["br"],
        &["unsupported"],
    );
    let malformed_json = format!(
        "{{\"metric\":{{\"__name__\":\"bi_json_ok\"}},\"values\":[1],\"timestamps\":[{t0}]}}\n{{\"metric\":{{\"__name__\":\"bi_json_bad\"}},\"values\":[1],\n"
    );
    findings.check(
        "malformed JSON line",
        text(&import, &malformed_json),
        400,
        &["line 2"],
        &[],
    );
    findings.check(
        "JSON values and timestamps of different lengths",
        text(
            &import,
            &format!(
                r#"{{"metric":{{"__name__":"bi_json_len"}},"values":[1,2],"timestamps":[{t0}]}}"#
            ),
        ),
        400,
        &[],
        &["length", "values", "timestamps"],
    );
    findings.check(
        "JSON line without metric",
        text(&import, &format!(r#"{{"values":[1],"timestamps":[{t0}]}}"#)),
        400,
        &["metric"],
        &[],
    );
    findings.check(
        "malformed text line",
        text(
            &import_text,
            &format!("bi_text_ok 1 {t0}\nbi_text_bad{{a=\"x\" 1 {t0}\n"),
        ),
        400,
        &["line 2"],
        &[],
    );
    findings.check(
        "text value not a number",
        text(&import_text, &format!("bi_text_value abc {t0}\n")),
        400,
        &["abc"],
        &[],
    );

    // --- Non-finite timestamps: 400 naming the timestamp, nothing stored. ---
    findings.check(
        "JSON timestamp 1e999",
        text(
            &import,
            r#"{"metric":{"__name__":"bi_ts_json"},"values":[1],"timestamps":[1e999]}"#,
        ),
        400,
        &["timestamp"],
        &[],
    );
    findings.check(
        "text timestamp NaN",
        text(&import_text, "bi_ts_nan 1 NaN\n"),
        400,
        &["timestamp"],
        &[],
    );
    findings.check(
        "text timestamp +Inf",
        text(&import_text, "bi_ts_inf 1 +Inf\n"),
        400,
        &["timestamp"],
        &[],
    );

    // --- Invalid tenants: 400 `auth error:`, nothing stored. ---
    for tenant in ["1:2:3", "-1", "4294967296", "1:-2", "1:4294967296"] {
        let url = format!(
            "{}/insert/{tenant}/prometheus/api/v1/import/prometheus",
            estuary.base()
        );
        let reply = text(&url, &format!("bi_tenant 1 {t0}\n"));
        findings.check(&format!("tenant {tenant:?}"), reply.clone(), 400, &[], &[]);
        if let Ok(reply) = reply {
            findings.expect(
                reply.body.starts_with("auth error:"),
                format!(
                    "tenant {tenant:?}: the message should start with \"auth error:\": {:?}",
                    reply.body
                ),
            );
        }
    }

    // --- Bodies over -maxInsertRequestSize: 413, nothing stored. ---
    let mut oversize = String::with_capacity(MAX_REQUEST_BYTES + 4096);
    let mut i = 0;
    while oversize.len() <= MAX_REQUEST_BYTES {
        oversize.push_str(&format!(
            "{{\"metric\":{{\"__name__\":\"bi_oversize\"}},\"values\":[1],\"timestamps\":[{}]}}\n",
            t0 + i
        ));
        i += 1;
    }
    findings.check(
        "JSON body over 32 MiB",
        try_post(&import, &[], &[], oversize.into_bytes()),
        413,
        &["maxInsertRequestSize"],
        &[],
    );
    let bomb = encode(&WriteRequest {
        timeseries: vec![series(
            &[
                ("__name__", "bi_bomb"),
                ("big", &"a".repeat(MAX_REQUEST_BYTES + 1)),
            ],
            &[(t0, 1.0)],
        )],
    });
    findings.check(
        "snappy body decompressing to over 32 MiB",
        rw(&write, snappy(&bomb), "snappy"),
        413,
        &["maxInsertRequestSize"],
        &[],
    );
    findings.check(
        "zstd body decompressing to over 32 MiB",
        rw(&write, zstd(&bomb), "zstd"),
        413,
        &["maxInsertRequestSize"],
        &[],
    );
    drop(bomb);

    // --- Series-level problems: 400 naming the problem; valid series stored. ---
    let ignored = |reason: &str| {
        self_metric_sum(
            &estuary.base(),
            "vm_rows_ignored_total",
            &[("reason", reason)],
        )
    };
    let cases: [(&str, &str, OwnedLabels, OwnedLabels); 3] = [
        (
            "too_many_labels",
            "maxLabelsPerTimeseries",
            labels_n("bi_labels_40", 40),
            labels_n("bi_labels_41", 41),
        ),
        (
            "too_long_label_name",
            "maxLabelNameLen",
            vec![
                ("__name__".into(), "bi_name_256".into()),
                ("n".repeat(256), "v".into()),
            ],
            vec![
                ("__name__".into(), "bi_name_257".into()),
                ("n".repeat(257), "v".into()),
            ],
        ),
        (
            "too_long_label_value",
            "maxLabelValueLen",
            vec![
                ("__name__".into(), "bi_value_4096".into()),
                ("v".into(), "x".repeat(4096)),
            ],
            vec![
                ("__name__".into(), "bi_value_4097".into()),
                ("v".into(), "x".repeat(4097)),
            ],
        ),
    ];
    for (reason, flag, at_limit, over_limit) in cases {
        let before = ignored(reason);
        let valid = [("__name__".to_string(), format!("bi_valid_{reason}"))];
        let body = snappy_body(vec![
            series_owned(&valid, &[(t0, 1.0)]),
            series_owned(&over_limit, &[(t0, 2.0)]),
            series_owned(&at_limit, &[(t0, 3.0)]),
        ]);
        findings.check(reason, rw(&write, body, "snappy"), 400, &[flag], &[]);
        expected.insert(valid.into_iter().collect(), vec![(t0, 1.0)]);
        expected.insert(at_limit.into_iter().collect(), vec![(t0, 3.0)]);
        let counted = ignored(reason) - before;
        findings.expect(
            counted == 1.0,
            format!(
                "{reason}: vm_rows_ignored_total{{reason={reason:?}}} grew by {counted}, expected 1"
            ),
        );
    }
    let invalid_names = format!(
        "{{\"metric\":{{\"__name__\":\"bi_names_ok\",\"good_name\":\"v\"}},\"values\":[1],\"timestamps\":[{t0}]}}\n\
         {{\"metric\":{{\"__name__\":\"bi_names_dash\",\"bad-name\":\"v\"}},\"values\":[1],\"timestamps\":[{t0}]}}\n\
         {{\"metric\":{{\"__name__\":\"bi_names_digit\",\"9lives\":\"v\"}},\"values\":[1],\"timestamps\":[{t0}]}}\n"
    );
    findings.check(
        "invalid label names",
        text(&import, &invalid_names),
        400,
        &["bad-name", "9lives"],
        &[],
    );
    expected.insert(
        labels(&[("__name__", "bi_names_ok"), ("good_name", "v")]),
        vec![(t0, 1.0)],
    );

    // Nothing accepted was lost, nothing rejected was stored: now and after a restart.
    force_flush(&estuary.base());
    let after_bad_input = export(&estuary.base(), &[SELECTOR], None);
    let tenant_leak = export(
        &format!("{}/select/1:2/prometheus", estuary.base()),
        &[SELECTOR],
        None,
    );
    findings.expect(
        tenant_leak.is_empty(),
        format!("tenant 1:2 got data from a rejected request: {tenant_leak:?}"),
    );
    let stop = estuary.stop();
    findings.expect(stop.success(), format!("graceful stop exited with {stop}"));
    estuary.restart();
    let after_restart = export(&estuary.base(), &[SELECTOR], None);

    for diff in diff_series(&expected, &after_bad_input) {
        findings
            .0
            .push(format!("stored data after the bad requests: {diff}"));
    }
    for diff in diff_series(&expected, &after_restart) {
        findings
            .0
            .push(format!("stored data after a restart: {diff}"));
    }
    if !findings.0.is_empty() {
        panic!(
            "{} bad-input expectations failed:\n  {}",
            findings.0.len(),
            findings.0.join("\n  ")
        );
    }
}
