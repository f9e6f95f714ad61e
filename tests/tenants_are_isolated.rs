//! Tenants are isolated: the same series written to different tenants (path
//! form `accountID[:projectID]`, the `AccountID`/`ProjectID` headers of the
//! short form, and the single-node paths as tenant 0:0) is stored once per
//! tenant, and every read API of a tenant sees only that tenant's data.
//! `0`, `0:0` and the single-node paths are one tenant, as are `42` and `42:0`.

mod common;

use common::api::{
    SeriesMap, assert_ingested, assert_series_eq, export, force_flush, get, label_values_api,
    labels, post, series_api, success_data,
};
use common::estuary::Estuary;
use common::{now_ms, utc_date};

/// Where to write, with which headers, which value and `src` label.
type Write<'a> = (String, Vec<(&'a str, &'a str)>, u32, &'a str);

#[test]
fn tenants_are_isolated() {
    let estuary = Estuary::start();
    let t0 = now_ms() - 300_000;
    let text = |value: u32, source: &str| {
        format!("iso_metric{{job=\"shared\",src=\"{source}\"}} {value} {t0}\n")
    };

    // (where to write, headers, value, src label)
    let writes: [Write; 7] = [
        (
            estuary.url("/api/v1/import/prometheus"),
            vec![],
            1,
            "single",
        ),
        (
            format!("{}/api/v1/import/prometheus", estuary.insert_base("0")),
            vec![],
            2,
            "path-0",
        ),
        (
            format!("{}/api/v1/import/prometheus", estuary.insert_base("0:0")),
            vec![],
            3,
            "path-0:0",
        ),
        (
            format!("{}/api/v1/import/prometheus", estuary.insert_base("42")),
            vec![],
            42,
            "path-42",
        ),
        (
            format!("{}/api/v1/import/prometheus", estuary.insert_base("42:7")),
            vec![],
            427,
            "path-42:7",
        ),
        (
            format!(
                "{}/api/v1/import/prometheus",
                estuary.insert_base("4294967295:4294967295")
            ),
            vec![],
            9,
            "path-max",
        ),
        (
            format!(
                "{}/insert/prometheus/api/v1/import/prometheus",
                estuary.base()
            ),
            vec![("AccountID", "5"), ("ProjectID", "3")],
            53,
            "headers-5:3",
        ),
    ];
    for (url, headers, value, source) in &writes {
        assert_ingested(
            &post(url, &[], headers, text(*value, source).into_bytes()),
            &format!("write to {url} {headers:?}"),
        );
    }
    force_flush(&estuary.base());

    let one = |source: &str, value: u32| {
        let mut map = SeriesMap::new();
        map.insert(
            labels(&[
                ("__name__", "iso_metric"),
                ("job", "shared"),
                ("src", source),
            ]),
            vec![(t0, f64::from(value))],
        );
        map
    };
    let mut zero = one("single", 1);
    zero.extend(one("path-0", 2));
    zero.extend(one("path-0:0", 3));
    let expectations: [(&str, SeriesMap); 7] = [
        ("0", zero.clone()),
        ("0:0", zero.clone()),
        ("42", one("path-42", 42)),
        ("42:0", one("path-42", 42)),
        ("42:7", one("path-42:7", 427)),
        ("5:3", one("headers-5:3", 53)),
        ("4294967295:4294967295", one("path-max", 9)),
    ];
    for (tenant, expected) in &expectations {
        let select = estuary.select_base(tenant);
        assert_series_eq(
            expected,
            &export(&select, &["iso_metric"], None),
            &format!("export of tenant {tenant}"),
        );
        let mut listed = series_api(&select, &["iso_metric"], Some((t0 - 60_000, now_ms())));
        listed.sort();
        assert_eq!(
            listed,
            expected.keys().cloned().collect::<Vec<_>>(),
            "series of tenant {tenant}"
        );
        let mut sources: Vec<String> = expected.keys().map(|l| l["src"].clone()).collect();
        sources.sort();
        assert_eq!(
            label_values_api(&select, "src", &[], Some((t0 - 60_000, now_ms()))),
            sources,
            "label values of tenant {tenant}"
        );
    }
    // The single-node read paths are tenant 0:0.
    assert_series_eq(
        &zero,
        &export(&estuary.base(), &["iso_metric"], None),
        "export on the single-node path",
    );
    // The short form reads the tenant from headers too.
    let reply = get_with_headers(
        &format!("{}/select/prometheus/api/v1/export", estuary.base()),
        &[("AccountID", "42"), ("ProjectID", "7")],
    );
    assert_series_eq(
        &one("path-42:7", 427),
        &common::api::parse_export(&reply),
        "export with AccountID/ProjectID headers",
    );

    // A tenant nobody wrote to sees nothing.
    let empty = estuary.select_base("43");
    assert!(
        export(&empty, &["iso_metric"], None).is_empty(),
        "tenant 43 must see nothing"
    );
    assert!(
        series_api(&empty, &["iso_metric"], Some((t0 - 60_000, now_ms()))).is_empty(),
        "tenant 43 series"
    );
    let tsdb = success_data(
        &get(
            &format!("{empty}/api/v1/status/tsdb"),
            &[("date", &utc_date(t0))],
        ),
        "tenant 43",
    );
    assert_eq!(tsdb["totalSeries"], 0, "status/tsdb of tenant 43: {tsdb}");
    let tsdb = success_data(
        &get(
            &format!("{}/api/v1/status/tsdb", estuary.select_base("42:7")),
            &[("date", &utc_date(t0))],
        ),
        "tenant 42:7",
    );
    assert_eq!(tsdb["totalSeries"], 1, "status/tsdb of tenant 42:7: {tsdb}");
}

/// GET with headers, returning the body; panics unless 200.
fn get_with_headers(url: &str, headers: &[(&str, &str)]) -> String {
    let client = reqwest::blocking::Client::new();
    let mut request = client.get(url).query(&[("match[]", "iso_metric")]);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = request.send().unwrap_or_else(|e| panic!("GET {url}: {e}"));
    let status = response.status().as_u16();
    let body = response
        .text()
        .unwrap_or_else(|e| panic!("GET {url}: body: {e}"));
    assert_eq!(status, 200, "GET {url} {headers:?}: {body}");
    body
}
