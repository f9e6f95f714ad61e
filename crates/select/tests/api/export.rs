//! `/api/v1/export`.

use crate::support::{Harness, request, send};
use axum::body::Body;
use axum::http::Method;
use estuary_select::SelectConfig;
use estuary_types::stale_nan;
use flate2::read::GzDecoder;
use std::io::Read as _;

fn harness() -> Harness {
    let harness = Harness::new();
    harness.storage.add(
        &[("__name__", "up"), ("job", "node")],
        &[
            (1000, 1.0),
            (2000, f64::NAN),
            (3000, f64::INFINITY),
            (4000, f64::NEG_INFINITY),
            (5000, stale_nan()),
            (6000, 0.25),
        ],
    );
    harness.storage.add(
        &[("__name__", "up"), ("job", "db")],
        &[(1000, 1e21), (2000, -3.0)],
    );
    harness
        .storage
        .add(&[("__name__", "gone")], &[(1000, stale_nan())]);
    harness
}

#[tokio::test]
async fn lines_carry_null_infinity_strings_and_no_stale_markers() {
    let answer = harness()
        .get("/api/v1/export?match[]={__name__=~\"up|gone\"}")
        .await;
    assert_eq!(answer.status, 200);
    assert_eq!(
        answer.header("content-type"),
        "application/stream+json; charset=utf-8"
    );
    assert_eq!(
        answer.text(),
        "{\"metric\":{\"__name__\":\"up\",\"job\":\"db\"},\"values\":[1e21,-3],\"timestamps\":[1000,2000]}\n\
         {\"metric\":{\"__name__\":\"up\",\"job\":\"node\"},\"values\":[1,null,\"Infinity\",\"-Infinity\",0.25],\"timestamps\":[1000,2000,3000,4000,6000]}\n"
    );
}

/// One decoded line: the metric object and `(timestamp, value)` pairs, `None`
/// for NaN.
type ImportedLine = (serde_json::Value, Vec<(i64, Option<f64>)>);

/// Decodes export lines the way `/api/v1/import` reads them.
fn import(text: &str) -> Vec<ImportedLine> {
    text.lines()
        .map(|line| {
            let json: serde_json::Value = serde_json::from_str(line).expect("a JSON line");
            let values = json["values"].as_array().expect("values").clone();
            let timestamps = json["timestamps"].as_array().expect("timestamps").clone();
            assert_eq!(values.len(), timestamps.len());
            let samples = timestamps
                .iter()
                .zip(values)
                .map(|(t, v)| {
                    let value = match v {
                        serde_json::Value::Null => None,
                        serde_json::Value::String(s) if s == "Infinity" => Some(f64::INFINITY),
                        serde_json::Value::String(s) if s == "-Infinity" => Some(f64::NEG_INFINITY),
                        other => Some(other.as_f64().expect("a number")),
                    };
                    (t.as_i64().expect("integer ms"), value)
                })
                .collect();
            (json["metric"].clone(), samples)
        })
        .collect()
}

#[tokio::test]
async fn output_round_trips_through_the_import_format() {
    let answer = harness().get("/api/v1/export?match[]=up").await;
    let lines = import(&answer.text());
    assert_eq!(lines.len(), 2);
    assert_eq!(
        lines[1].0,
        serde_json::json!({"__name__": "up", "job": "node"})
    );
    assert_eq!(
        lines[1].1,
        [
            (1000, Some(1.0)),
            (2000, None),
            (3000, Some(f64::INFINITY)),
            (4000, Some(f64::NEG_INFINITY)),
            (6000, Some(0.25)),
        ]
    );
    assert_eq!(lines[0].1, [(1000, Some(1e21)), (2000, Some(-3.0))]);
}

#[tokio::test]
async fn start_end_and_rows_per_line() {
    let answer = harness()
        .get("/api/v1/export?match[]=up{job=\"node\"}&start=2&end=6&max_rows_per_line=2")
        .await;
    let lines = import(&answer.text());
    let timestamps: Vec<Vec<i64>> = lines
        .iter()
        .map(|(_, samples)| samples.iter().map(|s| s.0).collect())
        .collect();
    assert_eq!(timestamps, [vec![2000, 3000], vec![4000, 6000]]);
}

#[tokio::test]
async fn default_range_is_all_time() {
    let harness = harness();
    harness.get("/api/v1/export?match[]=up").await;
    let range = harness.storage.last_request().range;
    assert_eq!(range.start, 0);
    assert_eq!(range.end, i64::MAX / 1_000_000);
}

#[tokio::test]
async fn post_form_and_vmalert_post_work() {
    let harness = harness();
    let answer = harness
        .post_form("/api/v1/export", "match[]=up%7Bjob%3D%22db%22%7D")
        .await;
    assert_eq!(import(&answer.text()).len(), 1);
    let answer = harness.post_vmalert("/api/v1/export?match[]=up").await;
    assert_eq!(import(&answer.text()).len(), 2);
}

#[tokio::test]
async fn errors_are_plain_text() {
    let harness = harness();
    let answer = harness.get("/api/v1/export").await;
    assert_eq!(answer.status, 400);
    assert_eq!(answer.header("content-type"), "text/plain; charset=utf-8");
    assert_eq!(answer.text(), "missing `match[]` arg\n");
    let answer = harness.get("/api/v1/export?match[]=up&start=later").await;
    assert_eq!(answer.status, 400);
    assert!(answer.text().contains("`start`"));
    assert!(answer.text().contains("\"later\""));
}

#[tokio::test]
async fn too_many_series_is_422_plain_text() {
    let harness = Harness::with_config(SelectConfig {
        max_export_series: 1,
        ..SelectConfig::default()
    });
    harness
        .storage
        .add(&[("__name__", "up"), ("i", "1")], &[(1000, 1.0)]);
    harness
        .storage
        .add(&[("__name__", "up"), ("i", "2")], &[(1000, 1.0)]);
    let answer = harness.get("/api/v1/export?match[]=up").await;
    assert_eq!(answer.status, 422);
    assert_eq!(answer.header("content-type"), "text/plain; charset=utf-8");
    assert!(answer.text().contains("-search.maxExportSeries"));
}

#[tokio::test]
async fn gzip_when_accepted() {
    let harness = harness();
    let plain = harness.get("/api/v1/export?match[]=up").await;
    let mut request = request(
        Method::GET,
        "/api/v1/export?match[]=up",
        None,
        Body::empty(),
    );
    request.headers_mut().insert(
        axum::http::header::ACCEPT_ENCODING,
        axum::http::HeaderValue::from_static("gzip, deflate"),
    );
    let answer = send(harness.router(), request).await;
    assert_eq!(answer.header("content-encoding"), "gzip");
    let mut decompressed = String::new();
    GzDecoder::new(answer.body.as_slice())
        .read_to_string(&mut decompressed)
        .expect("valid gzip");
    assert_eq!(decompressed, plain.text());
}
