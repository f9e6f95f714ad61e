//! Remote write round trip: series sent with Prometheus's protocol (protobuf +
//! snappy) and with VictoriaMetrics's (protobuf + zstd), on every remote-write
//! path form, come back from `/api/v1/export` with the same labels, timestamps
//! and values, special values included. Also checks the vmagent protocol
//! handshake and the 415 for remote write 2.0.

mod common;

use common::api::{
    LabelSet, PROMETHEUS_HEADERS, SeriesMap, assert_ingested, assert_series_eq, export,
    force_flush, get, labels, post,
};
use common::estuary::Estuary;
use common::now_ms;
use common::remote_write::{WriteRequest, encode, series, snappy, zstd};

/// Values that stress the float path: zero, tiny, huge, extremes, specials.
const VALUES: [f64; 13] = [
    0.0,
    1.0,
    -1.5,
    0.1,
    1e-7,
    1e21,
    123_456.789_012_345_6,
    f64::MAX,
    -f64::MAX,
    f64::MIN_POSITIVE,
    f64::INFINITY,
    f64::NEG_INFINITY,
    f64::NAN,
];

fn samples(t0: i64) -> Vec<(i64, f64)> {
    VALUES
        .iter()
        .enumerate()
        .map(|(i, &v)| (t0 + i as i64 * 1_000, v))
        .collect()
}

#[test]
fn remote_write_round_trip() {
    let estuary = Estuary::start();
    // Millisecond precision on purpose.
    let t0 = (now_ms() / 1_000 - 600) * 1_000 + 123;
    let mut expected = SeriesMap::new();

    // Prometheus: snappy on the single-node path.
    let weird_labels = [
        ("__name__", "rw_values"),
        ("codec", "snappy"),
        ("quote", "say \"hi\""),
        ("backslash", "a\\b"),
        ("newline", "line1\nline2"),
        ("unicode", "ключ—値"),
        ("empty", ""),
    ];
    let body = snappy(&encode(&WriteRequest {
        timeseries: vec![series(&weird_labels, &samples(t0))],
    }));
    assert_ingested(
        &post(
            &estuary.url("/api/v1/write"),
            &[],
            &PROMETHEUS_HEADERS,
            body,
        ),
        "snappy /api/v1/write",
    );
    // A label with an empty value is the same as no label (Prometheus semantics).
    let stored: LabelSet = labels(&weird_labels[..6]);
    expected.insert(stored, samples(t0));

    // vmagent: zstd with Content-Encoding: zstd, on every path form of tenant 0.
    let zstd_headers = [
        ("Content-Type", "application/x-protobuf"),
        ("Content-Encoding", "zstd"),
        ("X-VictoriaMetrics-Remote-Write-Version", "1"),
    ];
    for (path, name) in [
        ("/api/v1/write", "write"),
        ("/", "slash"),
        ("", "bare"),
        ("/api/v1/push", "push"),
    ] {
        let labels_here = [("__name__", "rw_values"), ("codec", "zstd"), ("path", name)];
        let body = zstd(&encode(&WriteRequest {
            timeseries: vec![series(&labels_here, &samples(t0))],
        }));
        let url = format!("{}{path}", estuary.insert_base("0"));
        assert_ingested(
            &post(&url, &[], &zstd_headers, body),
            &format!("zstd {url}"),
        );
        expected.insert(labels(&labels_here), samples(t0));
    }

    // Both fallbacks: a zstd body labelled snappy, a snappy body labelled zstd.
    let mislabelled = [("__name__", "rw_values"), ("codec", "zstd-labelled-snappy")];
    let body = zstd(&encode(&WriteRequest {
        timeseries: vec![series(&mislabelled, &samples(t0))],
    }));
    assert_ingested(
        &post(
            &estuary.url("/api/v1/write"),
            &[],
            &PROMETHEUS_HEADERS,
            body,
        ),
        "zstd body labelled snappy",
    );
    expected.insert(labels(&mislabelled), samples(t0));
    let mislabelled = [("__name__", "rw_values"), ("codec", "snappy-labelled-zstd")];
    let body = snappy(&encode(&WriteRequest {
        timeseries: vec![series(&mislabelled, &samples(t0))],
    }));
    assert_ingested(
        &post(&estuary.url("/api/v1/write"), &[], &zstd_headers, body),
        "snappy body labelled zstd",
    );
    expected.insert(labels(&mislabelled), samples(t0));

    // Many series in one request, many samples each.
    let many: Vec<_> = (0..50)
        .map(|i| {
            let samples: Vec<(i64, f64)> = (0..100)
                .map(|j| (t0 + j * 15_000, (i * 1000 + j) as f64 / 8.0))
                .collect();
            (
                vec![
                    ("__name__".to_string(), "rw_many".to_string()),
                    ("i".to_string(), i.to_string()),
                ],
                samples,
            )
        })
        .collect();
    let timeseries = many
        .iter()
        .map(|(l, s)| {
            series(
                &l.iter()
                    .map(|(n, v)| (n.as_str(), v.as_str()))
                    .collect::<Vec<_>>(),
                s,
            )
        })
        .collect();
    let body = snappy(&encode(&WriteRequest { timeseries }));
    assert_ingested(
        &post(
            &estuary.url("/api/v1/write"),
            &[],
            &PROMETHEUS_HEADERS,
            body,
        ),
        "50 series x 100 samples",
    );
    for (l, s) in many {
        expected.insert(l.into_iter().collect(), s);
    }

    // The legacy vmagent handshake that turns on zstd.
    let handshake = get(
        &estuary.url("/api/v1/write"),
        &[("get_vm_proto_version", "1")],
    );
    assert_eq!(
        (handshake.status, handshake.body.trim()),
        (200, "1"),
        "vmagent handshake: {handshake:?}"
    );

    // Remote write 2.0 is refused with 415 so that senders know.
    let v2 = post(
        &estuary.url("/api/v1/write"),
        &[],
        &[
            (
                "Content-Type",
                "application/x-protobuf;proto=io.prometheus.write.v2.Request",
            ),
            ("Content-Encoding", "snappy"),
        ],
        snappy(&encode(&WriteRequest {
            timeseries: vec![series(&[("__name__", "rw_v2")], &[(t0, 1.0)])],
        })),
    );
    assert_eq!(v2.status, 415, "remote write 2.0: {v2:?}");

    force_flush(&estuary.base());
    let selector = r#"{__name__=~"rw_.*"}"#;
    assert_series_eq(
        &expected,
        &export(&estuary.base(), &[selector], None),
        "export after remote write",
    );
    assert_series_eq(
        &expected,
        &export(&estuary.select_base("0"), &[selector], None),
        "export via /select/0/prometheus after remote write",
    );
}
