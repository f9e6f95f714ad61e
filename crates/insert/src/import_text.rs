//! Prometheus text exposition import (`/api/v1/import/prometheus`):
//!
//! ```text
//! # HELP and TYPE lines and other comments are ignored
//! http_requests_total{method="post",path="/a\"b"} 1027 1395066363000
//! temperature NaN
//! ```
//!
//! A line is a metric name, optional `{name="value",...}` labels (a trailing
//! comma is allowed; values may escape `\\`, `\"` and `\n`), a value (a float,
//! `NaN`, `+Inf`, `-Inf`) and an optional timestamp in integer milliseconds;
//! a missing timestamp takes the request's default. An OpenMetrics exemplar
//! (`# {...} v t`) after the sample is ignored. The whole body is parsed
//! before anything is stored: one bad line fails the request, naming the line.

use crate::batch::{BatchBuilder, BatchContext, SeriesBatch};
use crate::error::InsertError;
use estuary_types::{METRIC_NAME_LABEL, Sample};
use std::borrow::Cow;

const FORMAT: &str = "Prometheus text";

/// Parses a text body and turns its samples into storage rows. Samples without
/// a timestamp get `default_timestamp_ms`.
pub fn to_batch(
    body: &[u8],
    default_timestamp_ms: i64,
    context: &BatchContext,
) -> Result<SeriesBatch, InsertError> {
    let rows = parse(body, default_timestamp_ms)?;
    let mut builder = BatchBuilder::new(context);
    let mut labels_start = 0;
    for &(labels_end, sample) in &rows.samples {
        let labels = rows.labels.get(labels_start..labels_end).unwrap_or(&[]);
        labels_start = labels_end;
        let labels = labels.iter().map(|(n, v)| (n.as_ref(), v.as_ref()));
        builder.push(labels, std::slice::from_ref(&sample));
    }
    Ok(builder.finish())
}

/// Every sample of a body: all labels in one flat vector, and per sample the
/// end of its labels there.
#[derive(Debug, Default)]
struct TextRows<'a> {
    labels: Vec<(Cow<'a, str>, Cow<'a, str>)>,
    samples: Vec<(usize, Sample)>,
}

fn parse(body: &[u8], default_timestamp_ms: i64) -> Result<TextRows<'_>, InsertError> {
    let text = std::str::from_utf8(body).map_err(|error| {
        let valid = body.get(..error.valid_up_to()).unwrap_or(&[]);
        let line = valid.iter().filter(|&&b| b == b'\n').count() + 1;
        line_error(line, "the line is not valid UTF-8".to_string())
    })?;
    let mut rows = TextRows::default();
    for (index, line) in text.split('\n').enumerate() {
        let line = line.strip_suffix('\r').unwrap_or(line);
        let labels_start = rows.labels.len();
        match parse_line(line, &mut rows.labels) {
            Ok(None) => {}
            Ok(Some((value, timestamp))) => {
                let timestamp = timestamp.unwrap_or(default_timestamp_ms);
                rows.samples
                    .push((rows.labels.len(), Sample::new(timestamp, value)));
            }
            Err(detail) => {
                rows.labels.truncate(labels_start);
                return Err(line_error(index + 1, detail));
            }
        }
    }
    Ok(rows)
}

fn line_error(line: usize, detail: String) -> InsertError {
    InsertError::Line {
        format: FORMAT,
        line,
        detail,
    }
}

/// Parses one line, appending its labels. Returns the value and timestamp, or
/// `None` for a blank or comment line.
fn parse_line<'a>(
    line: &'a str,
    labels: &mut Vec<(Cow<'a, str>, Cow<'a, str>)>,
) -> Result<Option<(f64, Option<i64>)>, String> {
    let line = skip_blanks(line);
    if line.is_empty() || line.starts_with('#') {
        return Ok(None);
    }
    let name_end = line.find(['{', ' ', '\t']).unwrap_or(line.len());
    let (name, rest) = line.split_at(name_end);
    if !name.is_empty() {
        labels.push((Cow::Borrowed(METRIC_NAME_LABEL), Cow::Borrowed(name)));
    }
    let mut rest = skip_blanks(rest);
    if let Some(inside) = rest.strip_prefix('{') {
        rest = parse_labels(inside, labels)?;
    }
    let (value, rest) = split_token(skip_blanks(rest));
    if value.is_empty() {
        return Err("missing value".to_string());
    }
    let value = value
        .parse::<f64>()
        .map_err(|_| format!("invalid value {value:?}"))?;
    let (timestamp, rest) = split_token(skip_blanks(rest));
    if timestamp.is_empty() || timestamp.starts_with('#') {
        return Ok(Some((value, None)));
    }
    let timestamp = timestamp
        .parse::<i64>()
        .map_err(|_| format!("invalid timestamp {timestamp:?}: expected integer milliseconds"))?;
    let rest = skip_blanks(rest);
    if !rest.is_empty() && !rest.starts_with('#') {
        return Err(format!("unexpected text {rest:?} after the timestamp"));
    }
    Ok(Some((value, Some(timestamp))))
}

/// Parses `name="value", ...}` (the text after `{`); returns what follows `}`.
fn parse_labels<'a>(
    text: &'a str,
    labels: &mut Vec<(Cow<'a, str>, Cow<'a, str>)>,
) -> Result<&'a str, String> {
    let mut rest = text;
    loop {
        rest = skip_blanks(rest);
        if rest.is_empty() {
            return Err("missing '}' after the labels".to_string());
        }
        if let Some(after) = rest.strip_prefix('}') {
            return Ok(after);
        }
        let name_end = rest
            .find(['=', ' ', '\t', ',', '}', '"'])
            .unwrap_or(rest.len());
        let (name, after_name) = rest.split_at(name_end);
        if name.is_empty() {
            return Err(format!("missing label name before {:?}", first_char(rest)));
        }
        let after_eq = skip_blanks(after_name)
            .strip_prefix('=')
            .ok_or_else(|| format!("missing '=' after label name {name:?}"))?;
        let after_quote = skip_blanks(after_eq)
            .strip_prefix('"')
            .ok_or_else(|| format!("missing '\"' before the value of label {name:?}"))?;
        let (value, after_value) = parse_quoted(after_quote)
            .map_err(|detail| format!("{detail} in the value of label {name:?}"))?;
        labels.push((Cow::Borrowed(name), value));
        rest = skip_blanks(after_value);
        if let Some(after) = rest.strip_prefix(',') {
            rest = after;
        } else if rest.is_empty() {
            return Err("missing '}' after the labels".to_string());
        } else if !rest.starts_with('}') {
            return Err(format!(
                "expected ',' or '}}' after the value of label {name:?}"
            ));
        }
    }
}

/// Reads a quoted value up to its closing quote (already past the opening
/// one). Borrows when there is no escape.
fn parse_quoted(text: &str) -> Result<(Cow<'_, str>, &str), String> {
    const UNTERMINATED: &str = "missing closing '\"'";
    let Some(stop) = text.find(['"', '\\']) else {
        return Err(UNTERMINATED.to_string());
    };
    if text.as_bytes().get(stop) == Some(&b'"') {
        return Ok((Cow::Borrowed(&text[..stop]), &text[stop + 1..]));
    }
    let mut value = String::with_capacity(text.len().min(256));
    value.push_str(&text[..stop]);
    let mut chars = text[stop..].char_indices();
    while let Some((offset, c)) = chars.next() {
        match c {
            '"' => return Ok((Cow::Owned(value), &text[stop + offset + 1..])),
            '\\' => match chars.next() {
                Some((_, '\\')) => value.push('\\'),
                Some((_, '"')) => value.push('"'),
                Some((_, 'n')) => value.push('\n'),
                Some((_, other)) => return Err(format!("invalid escape sequence \\{other}")),
                None => return Err(UNTERMINATED.to_string()),
            },
            c => value.push(c),
        }
    }
    Err(UNTERMINATED.to_string())
}

fn skip_blanks(text: &str) -> &str {
    text.trim_start_matches([' ', '\t'])
}

/// Splits off the text up to the next blank.
fn split_token(text: &str) -> (&str, &str) {
    text.split_at(text.find([' ', '\t']).unwrap_or(text.len()))
}

fn first_char(text: &str) -> String {
    text.chars().next().map(String::from).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extra_labels::ExtraLabels;
    use crate::validate::Limits;
    use estuary_types::{Labels, Tenant};

    const NOW: i64 = 1_700_000_000_000;

    fn context() -> BatchContext {
        BatchContext {
            tenant: Tenant::new(0, 0),
            extra_labels: ExtraLabels::none(),
            limits: Limits::default(),
        }
    }

    fn batch(body: &str) -> Result<SeriesBatch, InsertError> {
        to_batch(body.as_bytes(), NOW, &context())
    }

    #[test]
    fn parses_names_labels_values_and_timestamps() {
        let body = concat!(
            "# HELP http_requests_total The total.\n",
            "# TYPE http_requests_total counter\n",
            "http_requests_total{method=\"post\",code=\"200\",} 1027 1395066363000\r\n",
            "\n",
            "  escaped { path = \"a\\\\b\\\"c\\nd\" }\t-Inf\n",
            "nan_value NaN\n",
            "plus_inf{} +Inf -5\n",
            "{__name__=\"no_name_token\"} 2.5e3\n",
            "with_exemplar{le=\"0.1\"} 3 # {trace_id=\"abc\"} 0.05 123\n",
            "# EOF",
        );
        let batch = batch(body).expect("valid");
        let rows: Vec<_> = batch
            .series
            .iter()
            .map(|s| {
                (
                    s.labels.to_labels(),
                    s.samples[0].timestamp,
                    s.samples[0].value,
                )
            })
            .collect();
        assert_eq!(rows.len(), 6);
        assert_eq!(
            rows[0],
            (
                Labels::from_pairs(&[
                    ("__name__", "http_requests_total"),
                    ("code", "200"),
                    ("method", "post")
                ]),
                1395066363000,
                1027.0
            )
        );
        assert_eq!(rows[1].0.get("path"), Some("a\\b\"c\nd"));
        assert_eq!((rows[1].1, rows[1].2), (NOW, f64::NEG_INFINITY));
        assert!(rows[2].2.is_nan());
        assert_eq!((rows[3].1, rows[3].2), (-5, f64::INFINITY));
        assert_eq!(rows[4].0.metric_name(), Some("no_name_token"));
        assert_eq!(rows[4].2, 2500.0);
        assert_eq!((rows[5].1, rows[5].2), (NOW, 3.0));
    }

    #[test]
    fn each_malformed_line_is_an_error_naming_the_line() {
        let cases = [
            ("up", "missing value"),
            ("up{", "missing '}'"),
            ("up{job=\"a\"", "missing '}'"),
            ("up{=\"a\"} 1", "missing label name"),
            ("up{job} 1", "missing '=' after label name \"job\""),
            ("up{job=a} 1", "missing '\"' before the value"),
            ("up{job=\"a} 1", "missing closing '\"'"),
            ("up{job=\"a\\q\"} 1", "invalid escape sequence \\q"),
            ("up{job=\"a\" x=\"b\"} 1", "expected ',' or '}'"),
            ("up one", "invalid value \"one\""),
            ("up 1 1.5", "invalid timestamp \"1.5\""),
            ("up 1 2 3", "unexpected text \"3\""),
        ];
        for (bad, expected) in cases {
            let body = format!("ok 1\n# comment\n{bad}\nok 2\n");
            match batch(&body) {
                Err(InsertError::Line { line, detail, .. }) => {
                    assert_eq!(line, 3, "{bad}");
                    assert!(detail.contains(expected), "{bad}: {detail}");
                }
                other => panic!("{bad}: expected a line error, got {other:?}"),
            }
        }
    }

    #[test]
    fn invalid_utf8_names_its_line() {
        let body = b"ok 1\nup{a=\"\xff\"} 1\n";
        match to_batch(body, NOW, &context()) {
            Err(InsertError::Line { line, .. }) => assert_eq!(line, 2),
            other => panic!("expected a line error, got {other:?}"),
        }
    }

    #[test]
    fn invalid_names_are_dropped_by_validation_not_parsing() {
        let batch = batch("bad-name 1\nok 2\n").expect("parsed");
        assert_eq!(batch.series.len(), 1);
        assert_eq!(batch.dropped.series_count, 1);
    }
}
