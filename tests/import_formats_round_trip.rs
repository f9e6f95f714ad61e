//! Import round trip: JSON lines (`/api/v1/import`, plain and gzip) and the
//! Prometheus text format (`/api/v1/import/prometheus`, with and without
//! timestamps, escapes, special values) come back from `/api/v1/export`
//! exactly; and what export emits imports again unchanged into another tenant.

mod common;

use common::api::{
    SeriesMap, assert_ingested, assert_series_eq, export, force_flush, get, import_json,
    import_text, labels, post,
};
use common::estuary::Estuary;
use common::now_ms;
use flate2::Compression;
use flate2::write::GzEncoder;
use std::io::Write as _;

#[test]
fn import_formats_round_trip() {
    let estuary = Estuary::start();
    let t0 = (now_ms() / 1_000 - 900) * 1_000 + 7;
    let mut expected = SeriesMap::new();

    // JSON lines: special values, one series split over two lines.
    let json = format!(
        concat!(
            r#"{{"metric":{{"__name__":"imp_json","a":"1"}},"values":[1,null,"Infinity","-Infinity",0.25],"timestamps":[{},{},{},{},{}]}}"#,
            "\n",
            r#"{{"metric":{{"__name__":"imp_json","a":"2","quote":"say \"hi\"\n"}},"values":[10],"timestamps":[{}]}}"#,
            "\n",
            r#"{{"metric":{{"__name__":"imp_json","a":"1"}},"values":[5],"timestamps":[{}]}}"#,
            "\n"
        ),
        t0,
        t0 + 1_000,
        t0 + 2_000,
        t0 + 3_000,
        t0 + 4_000,
        t0,
        t0 + 5_000
    );
    assert_ingested(
        &import_json(&estuary.url("/api/v1/import"), &json),
        "JSON lines",
    );
    expected.insert(
        labels(&[("__name__", "imp_json"), ("a", "1")]),
        vec![
            (t0, 1.0),
            (t0 + 1_000, f64::NAN),
            (t0 + 2_000, f64::INFINITY),
            (t0 + 3_000, f64::NEG_INFINITY),
            (t0 + 4_000, 0.25),
            (t0 + 5_000, 5.0),
        ],
    );
    expected.insert(
        labels(&[
            ("__name__", "imp_json"),
            ("a", "2"),
            ("quote", "say \"hi\"\n"),
        ]),
        vec![(t0, 10.0)],
    );

    // JSON lines, gzip-compressed.
    let line = format!(
        r#"{{"metric":{{"__name__":"imp_json_gzip"}},"values":[3.5,4.5],"timestamps":[{},{}]}}"#,
        t0,
        t0 + 1_000
    );
    let mut gz = GzEncoder::new(Vec::new(), Compression::default());
    gz.write_all(line.as_bytes()).expect("gzip in memory");
    let body = gz.finish().expect("finish gzip");
    assert_ingested(
        &post(
            &estuary.url("/api/v1/import"),
            &[],
            &[("Content-Encoding", "gzip")],
            body,
        ),
        "gzip JSON lines",
    );
    expected.insert(
        labels(&[("__name__", "imp_json_gzip")]),
        vec![(t0, 3.5), (t0 + 1_000, 4.5)],
    );

    // Prometheus text format with timestamps (milliseconds).
    let text = format!(
        "# HELP imp_text A gauge.\n\
         # TYPE imp_text gauge\n\
         imp_text{{a=\"x\"}} 1.5 {t1}\n\
         imp_text{{a=\"y\",b=\"quote\\\"back\\\\slash\\nnewline\"}} -2 {t2}\n\
         imp_text_nolabels 3e-7 {t3}\n\
         imp_text{{a=\"x\"}} 2.5 {t4}\n\
         imp_text_special{{v=\"nan\"}} NaN {t1}\n\
         imp_text_special{{v=\"inf\"}} +Inf {t1}\n\
         imp_text_special{{v=\"-inf\"}} -Inf {t1}\n",
        t1 = t0,
        t2 = t0 + 1_000,
        t3 = t0 + 2_000,
        t4 = t0 + 3_000,
    );
    assert_ingested(
        &import_text(&estuary.url("/api/v1/import/prometheus"), &text),
        "text format",
    );
    expected.insert(
        labels(&[("__name__", "imp_text"), ("a", "x")]),
        vec![(t0, 1.5), (t0 + 3_000, 2.5)],
    );
    expected.insert(
        labels(&[
            ("__name__", "imp_text"),
            ("a", "y"),
            ("b", "quote\"back\\slash\nnewline"),
        ]),
        vec![(t0 + 1_000, -2.0)],
    );
    expected.insert(
        labels(&[("__name__", "imp_text_nolabels")]),
        vec![(t0 + 2_000, 3e-7)],
    );
    expected.insert(
        labels(&[("__name__", "imp_text_special"), ("v", "nan")]),
        vec![(t0, f64::NAN)],
    );
    expected.insert(
        labels(&[("__name__", "imp_text_special"), ("v", "inf")]),
        vec![(t0, f64::INFINITY)],
    );
    expected.insert(
        labels(&[("__name__", "imp_text_special"), ("v", "-inf")]),
        vec![(t0, f64::NEG_INFINITY)],
    );

    // A line without a timestamp takes the `timestamp` query arg...
    let with_arg = post(
        &estuary.url("/api/v1/import/prometheus"),
        &[("timestamp", &(t0 + 4_000).to_string())],
        &[],
        b"imp_text_arg 9\n".to_vec(),
    );
    assert_ingested(&with_arg, "text format with ?timestamp=");
    expected.insert(
        labels(&[("__name__", "imp_text_arg")]),
        vec![(t0 + 4_000, 9.0)],
    );

    // ...or the time of the request.
    let before = now_ms();
    assert_ingested(
        &import_text(
            &estuary.url("/api/v1/import/prometheus"),
            "imp_text_now 7\n",
        ),
        "text without timestamp",
    );
    let after = now_ms();

    force_flush(&estuary.base());
    let mut got = export(&estuary.base(), &[r#"{__name__=~"imp_.*"}"#], None);
    let now_samples = got
        .remove(&labels(&[("__name__", "imp_text_now")]))
        .expect("imp_text_now was not stored");
    assert_eq!(now_samples.len(), 1, "imp_text_now: {now_samples:?}");
    let (stamp, value) = now_samples[0];
    assert_eq!(value, 7.0, "imp_text_now value");
    // The server may round "now" down to a whole second.
    assert!(
        (before - 1_000..=after).contains(&stamp),
        "imp_text_now got timestamp {stamp}, expected the request time in [{before}, {after}]"
    );
    assert_series_eq(&expected, &got, "export after JSON and text imports");

    // What export emits is what import takes: re-import into tenant 43.
    let exported = get(
        &estuary.url("/api/v1/export"),
        &[("match[]", r#"{__name__=~"imp_.*"}"#)],
    );
    assert_eq!(exported.status, 200, "export: {exported:?}");
    assert!(
        exported.content_type.starts_with("application/stream+json"),
        "export Content-Type: {:?}",
        exported.content_type
    );
    assert_ingested(
        &import_json(
            &format!("{}/api/v1/import", estuary.insert_base("43")),
            &exported.body,
        ),
        "re-import",
    );
    force_flush(&estuary.base());
    let round_tripped = export(
        &estuary.select_base("43"),
        &[r#"{__name__=~"imp_.*"}"#],
        None,
    );
    assert_series_eq(
        &export(&estuary.base(), &[r#"{__name__=~"imp_.*"}"#], None),
        &round_tripped,
        "tenant 43 after re-import",
    );
}
