//! One JSON line of `/api/v1/export`, the format `/api/v1/import` reads back:
//!
//! ```text
//! {"metric":{"__name__":"up","job":"node"},"values":[1,null,"Infinity"],"timestamps":[1549891472010,1549891487724,1549891503438]}
//! ```
//!
//! Timestamps are Unix milliseconds. NaN is `null`, ±Inf are the strings
//! `"Infinity"` / `"-Infinity"`, and staleness markers are left out: they mark
//! the end of a series, they are not values.

use crate::metric_json::push_metric_json;
use estuary_storage_api::SeriesData;
use estuary_types::{Labels, Sample, is_stale_nan};
use std::fmt::Write as _;

/// Appends the series as lines of at most `rows_per_line_max` samples each
/// (`None`: one line). A series with no sample left writes nothing.
pub fn push_series_lines(dst: &mut Vec<u8>, series: &SeriesData, rows_per_line_max: Option<usize>) {
    let samples: Vec<Sample> = series
        .samples
        .iter()
        .filter(|sample| !is_stale_nan(sample.value))
        .copied()
        .collect();
    if samples.is_empty() {
        return;
    }
    let per_line = rows_per_line_max.unwrap_or(samples.len()).max(1);
    for line in samples.chunks(per_line) {
        push_line(dst, &series.labels, line);
    }
}

/// Appends one line, newline included.
pub fn push_line(dst: &mut Vec<u8>, labels: &Labels, samples: &[Sample]) {
    dst.extend_from_slice(b"{\"metric\":");
    push_metric_json(dst, labels);
    dst.extend_from_slice(b",\"values\":[");
    for (index, sample) in samples.iter().enumerate() {
        if index > 0 {
            dst.push(b',');
        }
        push_value(dst, sample.value);
    }
    dst.extend_from_slice(b"],\"timestamps\":[");
    let mut text = String::new();
    for (index, sample) in samples.iter().enumerate() {
        if index > 0 {
            text.push(',');
        }
        let _ = write!(text, "{}", sample.timestamp);
    }
    dst.extend_from_slice(text.as_bytes());
    dst.extend_from_slice(b"]}\n");
}

/// Appends a value as JSON: the shortest decimal that reads back to the same
/// float, in plain notation for magnitudes in `[1e-5, 1e21)` (so integers print
/// as `42`) and exponent notation outside it, like Go's `%g`.
pub fn push_value(dst: &mut Vec<u8>, value: f64) {
    if value.is_nan() {
        dst.extend_from_slice(b"null");
    } else if value == f64::INFINITY {
        dst.extend_from_slice(b"\"Infinity\"");
    } else if value == f64::NEG_INFINITY {
        dst.extend_from_slice(b"\"-Infinity\"");
    } else {
        let magnitude = value.abs();
        let text = if magnitude == 0.0 || (1e-5..1e21).contains(&magnitude) {
            format!("{value}")
        } else {
            format!("{value:e}")
        };
        dst.extend_from_slice(text.as_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use estuary_types::stale_nan;

    fn value_text(value: f64) -> String {
        let mut buf = Vec::new();
        push_value(&mut buf, value);
        String::from_utf8(buf).expect("utf-8")
    }

    #[test]
    fn values_are_shortest_and_round_trip() {
        assert_eq!(value_text(1.0), "1");
        assert_eq!(value_text(0.5), "0.5");
        assert_eq!(value_text(-0.0), "-0");
        assert_eq!(value_text(1e21), "1e21");
        assert_eq!(value_text(1.5e-7), "1.5e-7");
        assert_eq!(value_text(123456789.125), "123456789.125");
        for value in [
            0.1,
            1.0 / 3.0,
            f64::MAX,
            f64::MIN_POSITIVE,
            5e-324,
            -2.5e300,
            1e20,
        ] {
            let text = value_text(value);
            let back: f64 = serde_json::from_str(&text).expect("a JSON number");
            assert_eq!(back.to_bits(), value.to_bits(), "{text}");
        }
    }

    #[test]
    fn specials() {
        assert_eq!(value_text(f64::NAN), "null");
        assert_eq!(value_text(f64::INFINITY), "\"Infinity\"");
        assert_eq!(value_text(f64::NEG_INFINITY), "\"-Infinity\"");
    }

    #[test]
    fn stale_markers_are_dropped_and_lines_split() {
        let series = SeriesData {
            labels: Labels::from_pairs(&[("__name__", "up"), ("job", "a\"b")]),
            samples: vec![
                Sample::new(1, 1.0),
                Sample::new(2, stale_nan()),
                Sample::new(3, f64::NAN),
                Sample::new(4, 2.5),
            ],
        };
        let mut buf = Vec::new();
        push_series_lines(&mut buf, &series, Some(2));
        let text = String::from_utf8(buf).expect("utf-8");
        assert_eq!(
            text,
            "{\"metric\":{\"__name__\":\"up\",\"job\":\"a\\\"b\"},\"values\":[1,null],\"timestamps\":[1,3]}\n\
             {\"metric\":{\"__name__\":\"up\",\"job\":\"a\\\"b\"},\"values\":[2.5],\"timestamps\":[4]}\n"
        );
    }

    #[test]
    fn only_stale_markers_write_nothing() {
        let series = SeriesData {
            labels: Labels::from_pairs(&[("__name__", "up")]),
            samples: vec![Sample::new(1, stale_nan())],
        };
        let mut buf = Vec::new();
        push_series_lines(&mut buf, &series, None);
        assert!(buf.is_empty());
    }
}
