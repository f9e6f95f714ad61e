//! JSON line import (`/api/v1/import`), the format `/api/v1/export` writes:
//!
//! ```text
//! {"metric":{"__name__":"up","job":"node"},"values":[1,null,"Infinity"],"timestamps":[1000,2000,3000]}
//! ```
//!
//! One object per line; blank lines are skipped; other fields are ignored.
//! Values are JSON numbers, `null`, or the strings `"Infinity"`, `"-Infinity"`
//! and `"NaN"`. `null` is what export writes for a NaN value, so it is read
//! back as an ordinary NaN and export -> import round-trips. (Export leaves
//! staleness markers out, as VictoriaMetrics does.)
//! Timestamps are integer milliseconds (`1.5e12` is accepted, `1.5` is not).
//! The whole body is parsed before anything is stored: one bad line fails the
//! request, naming the line.

use crate::batch::{BatchBuilder, BatchContext, SeriesBatch};
use crate::error::InsertError;
use estuary_types::Sample;
use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, Unexpected, Visitor};
use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

const FORMAT: &str = "JSON";

/// Parses a JSON line body and turns its series into storage rows. Lines
/// longer than `line_bytes_max` (`-import.maxLineLen`) are errors.
pub fn to_batch(
    body: &[u8],
    line_bytes_max: usize,
    context: &BatchContext,
) -> Result<SeriesBatch, InsertError> {
    let lines = parse(body, line_bytes_max)?;
    let mut builder = BatchBuilder::new(context);
    for line in &lines {
        let labels = line.metric.0.iter().map(|(n, v)| (n.as_ref(), v.as_ref()));
        builder.push(labels, &line.samples);
    }
    Ok(builder.finish())
}

/// One parsed line: borrowed labels and its samples.
struct ParsedLine<'a> {
    metric: Metric<'a>,
    samples: Vec<Sample>,
}

fn parse(body: &[u8], line_bytes_max: usize) -> Result<Vec<ParsedLine<'_>>, InsertError> {
    let mut lines = Vec::new();
    for (index, line) in body.split(|&b| b == b'\n').enumerate() {
        let number = index + 1;
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        if line.len() > line_bytes_max {
            return Err(line_error(
                number,
                format!(
                    "the line is {} bytes, over -import.maxLineLen={line_bytes_max}",
                    line.len()
                ),
            ));
        }
        lines.push(parse_line(line).map_err(|detail| line_error(number, detail))?);
    }
    Ok(lines)
}

fn parse_line(line: &[u8]) -> Result<ParsedLine<'_>, String> {
    let mut deserializer = serde_json::Deserializer::from_slice(line);
    let parsed: JsonLine<'_> = serde_path_to_error::deserialize(&mut deserializer)
        .map_err(|error| field_detail(error.path().to_string(), error.into_inner()))?;
    deserializer.end().map_err(json_detail)?;
    if parsed.values.len() != parsed.timestamps.len() {
        return Err(format!(
            "\"values\" has {} entries but \"timestamps\" has {}",
            parsed.values.len(),
            parsed.timestamps.len()
        ));
    }
    let samples = parsed
        .timestamps
        .iter()
        .zip(&parsed.values)
        .map(|(timestamp, value)| Sample::new(timestamp.0, value.0))
        .collect();
    Ok(ParsedLine {
        metric: parsed.metric,
        samples,
    })
}

/// The failing field (e.g. `timestamps[0]`) in front of serde_json's message, so
/// that a number out of range or a wrong type names where it is.
fn field_detail(path: String, error: serde_json::Error) -> String {
    if path.is_empty() || path == "." {
        json_detail(error)
    } else {
        format!("field {path}: {}", json_detail(error))
    }
}

/// serde_json's message with its position given as a column only: the body's
/// line number is reported separately, and serde_json always sees line 1.
fn json_detail(error: serde_json::Error) -> String {
    let text = error.to_string();
    let position = format!(" at line {} column {}", error.line(), error.column());
    match text.strip_suffix(&position) {
        Some(message) => format!("{message} (column {})", error.column()),
        None => text,
    }
}

fn line_error(line: usize, detail: String) -> InsertError {
    InsertError::Line {
        format: FORMAT,
        line,
        detail,
    }
}

#[derive(Deserialize)]
struct JsonLine<'a> {
    #[serde(borrow)]
    metric: Metric<'a>,
    values: Vec<Value>,
    timestamps: Vec<Timestamp>,
}

/// The `metric` object as pairs in arrival order; strings without escapes stay
/// borrowed from the body. Repeated names are kept, so validation sees them.
struct Metric<'a>(Vec<(Cow<'a, str>, Cow<'a, str>)>);

impl<'de: 'a, 'a> Deserialize<'de> for Metric<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(MetricVisitor(PhantomData))
    }
}

struct MetricVisitor<'a>(PhantomData<&'a ()>);

impl<'de: 'a, 'a> Visitor<'de> for MetricVisitor<'a> {
    type Value = Metric<'a>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object of label names to string values")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Metric<'a>, A::Error> {
        let mut labels = Vec::with_capacity(8);
        while let Some((name, value)) = map.next_entry::<Text<'a>, Text<'a>>()? {
            labels.push((name.0, value.0));
        }
        Ok(Metric(labels))
    }
}

/// A JSON string, borrowed when it has no escapes.
struct Text<'a>(Cow<'a, str>);

impl<'de: 'a, 'a> Deserialize<'de> for Text<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_str(TextVisitor(PhantomData))
    }
}

struct TextVisitor<'a>(PhantomData<&'a ()>);

impl<'de: 'a, 'a> Visitor<'de> for TextVisitor<'a> {
    type Value = Text<'a>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string")
    }

    fn visit_borrowed_str<E: de::Error>(self, text: &'de str) -> Result<Text<'a>, E> {
        Ok(Text(Cow::Borrowed(text)))
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<Text<'a>, E> {
        Ok(Text(Cow::Owned(text.to_string())))
    }

    fn visit_string<E: de::Error>(self, text: String) -> Result<Text<'a>, E> {
        Ok(Text(Cow::Owned(text)))
    }
}

/// A sample value: number, `null` or a special-value string.
struct Value(f64);

impl<'de> Deserialize<'de> for Value {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ValueVisitor)
    }
}

struct ValueVisitor;

impl Visitor<'_> for ValueVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a number, null, \"Infinity\", \"-Infinity\" or \"NaN\"")
    }

    fn visit_f64<E: de::Error>(self, value: f64) -> Result<Value, E> {
        Ok(Value(value))
    }

    fn visit_i64<E: de::Error>(self, value: i64) -> Result<Value, E> {
        Ok(Value(value as f64))
    }

    fn visit_u64<E: de::Error>(self, value: u64) -> Result<Value, E> {
        Ok(Value(value as f64))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value(f64::NAN))
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<Value, E> {
        match text {
            "Infinity" => Ok(Value(f64::INFINITY)),
            "-Infinity" => Ok(Value(f64::NEG_INFINITY)),
            "NaN" => Ok(Value(f64::NAN)),
            _ => Err(E::invalid_value(Unexpected::Str(text), &self)),
        }
    }
}

/// A timestamp in integer milliseconds.
struct Timestamp(i64);

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(TimestampVisitor)
    }
}

struct TimestampVisitor;

/// `i64::MAX as f64` rounds up to 2^63, which no `i64` reaches.
const TIMESTAMP_F64_END: f64 = 9_223_372_036_854_775_808.0;

impl Visitor<'_> for TimestampVisitor {
    type Value = Timestamp;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an integer timestamp in milliseconds")
    }

    fn visit_i64<E: de::Error>(self, value: i64) -> Result<Timestamp, E> {
        Ok(Timestamp(value))
    }

    fn visit_u64<E: de::Error>(self, value: u64) -> Result<Timestamp, E> {
        i64::try_from(value)
            .map(Timestamp)
            .map_err(|_| E::invalid_value(Unexpected::Unsigned(value), &self))
    }

    fn visit_f64<E: de::Error>(self, value: f64) -> Result<Timestamp, E> {
        let integral = value.is_finite() && value.fract() == 0.0;
        if integral && (-TIMESTAMP_F64_END..TIMESTAMP_F64_END).contains(&value) {
            return Ok(Timestamp(value as i64));
        }
        Err(E::invalid_value(Unexpected::Float(value), &self))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extra_labels::ExtraLabels;
    use crate::validate::Limits;
    use estuary_types::{Labels, Tenant, is_stale_nan};

    fn context() -> BatchContext {
        BatchContext {
            tenant: Tenant::new(1, 0),
            extra_labels: ExtraLabels::none(),
            limits: Limits::default(),
        }
    }

    fn batch(body: &str) -> Result<SeriesBatch, InsertError> {
        to_batch(body.as_bytes(), 1 << 20, &context())
    }

    fn line_error_of(body: &str) -> (usize, String) {
        match batch(body) {
            Err(InsertError::Line { line, detail, .. }) => (line, detail),
            other => panic!("expected a line error, got {other:?}"),
        }
    }

    #[test]
    fn parses_lines_with_special_values() {
        let body = concat!(
            r#"{"metric":{"__name__":"up","job":"node"},"values":[1,0.5,null,"Infinity","-Infinity","NaN"],"timestamps":[1,2,3,4,5,6]}"#,
            "\r\n\n   \n",
            r#"{"metric":{"__name__":"x","esc":"a\"b\u00e9"},"values":[7],"timestamps":[1.5e12],"extra":true}"#,
        );
        let batch = batch(body).expect("valid");
        assert_eq!(batch.series.len(), 2);
        let first = &batch.series[0];
        assert_eq!(
            first.labels,
            Labels::from_pairs(&[("__name__", "up"), ("job", "node")])
        );
        let values: Vec<f64> = first.samples.iter().map(|s| s.value).collect();
        assert_eq!(&values[..2], &[1.0, 0.5]);
        assert!(values[2].is_nan() && !is_stale_nan(values[2]));
        assert_eq!(values[3], f64::INFINITY);
        assert_eq!(values[4], f64::NEG_INFINITY);
        assert!(values[5].is_nan() && !is_stale_nan(values[5]));
        let second = &batch.series[1];
        assert_eq!(second.labels.get("esc"), Some("a\"bé"));
        assert_eq!(second.samples, vec![Sample::new(1_500_000_000_000, 7.0)]);
        assert_eq!(batch.samples_count, 7);
    }

    #[test]
    fn each_malformed_line_is_an_error_naming_the_line() {
        let good = r#"{"metric":{"__name__":"up"},"values":[1],"timestamps":[1]}"#;
        let cases = [
            (
                r#"{"metric":{"__name__":"up"},"values":[1,2],"timestamps":[1]}"#,
                "\"values\" has 2 entries",
            ),
            (
                r#"{"metric":{"__name__":"up"},"values":[1],"timestamps":[1.5]}"#,
                "integer timestamp",
            ),
            (
                r#"{"metric":{"__name__":"up"},"values":[1],"timestamps":["1"]}"#,
                "integer timestamp",
            ),
            (
                r#"{"metric":{"__name__":"up"},"values":[1],"timestamps":[1e400]}"#,
                "out of range",
            ),
            (
                r#"{"metric":{"__name__":"up"},"values":["one"],"timestamps":[1]}"#,
                "\"one\"",
            ),
            (
                r#"{"metric":{"__name__":1},"values":[1],"timestamps":[1]}"#,
                "expected a string",
            ),
            (
                r#"{"values":[1],"timestamps":[1]}"#,
                "missing field `metric`",
            ),
            (r#"{"metric":{}"#, "EOF"),
            ("not json", "expected"),
        ];
        for (bad, expected) in cases {
            let body = format!("{good}\n{bad}\n{good}");
            let (line, detail) = line_error_of(&body);
            assert_eq!(line, 2, "{bad}");
            assert!(detail.contains(expected), "{bad}: {detail}");
            assert!(!detail.contains("at line"), "{bad}: {detail}");
        }
    }

    #[test]
    fn a_line_over_the_limit_is_an_error() {
        let line = r#"{"metric":{"__name__":"up"},"values":[1],"timestamps":[1]}"#;
        let error = to_batch(line.as_bytes(), 10, &context()).expect_err("too long");
        assert!(
            error.to_string().contains("-import.maxLineLen=10"),
            "{error}"
        );
    }

    #[test]
    fn duplicate_names_in_an_object_reach_validation() {
        let body = r#"{"metric":{"__name__":"up","a":"1","a":"2"},"values":[1],"timestamps":[1]}"#;
        let batch = batch(body).expect("parsed");
        assert_eq!(batch.series.len(), 0);
        assert_eq!(batch.dropped.series_count, 1);
    }
}
