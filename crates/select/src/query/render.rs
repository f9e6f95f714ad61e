//! A query result as the `data` of Prometheus's answer:
//! `{"resultType":"vector","result":[...]}`.
//!
//! - scalar and string: `[<t>, "<v>"]`, the scalar printed by
//!   [`format_value`];
//! - vector: `{"metric":{...},"value":[<t>,"<v>"]}` per sample;
//! - matrix: `{"metric":{...},"values":[[<t>,"<v>"],...]}` per series, series
//!   without points left out.
//!
//! Vector and matrix samples are printed by [`write_sample_value`]; labels
//! with `__name__` first. Timestamps are Unix seconds as a JSON number with
//! the shortest spelling (`1700000000`, `1700000000.5`).

use crate::metric_json::MetricJson;
use estuary_promql::{InstantSample, Series, StackText, Value, format_value, write_sample_value};
use estuary_types::Sample;
use serde::Serialize;
use serde::ser::{SerializeMap, SerializeSeq, SerializeTuple, Serializer};

/// The top-level `stats` of a query answer, fields in this order.
#[derive(Debug, Clone, Serialize)]
pub struct QueryStats {
    /// Distinct series read from storage. A string: vmalert decodes it so
    /// (and warns about rules whose selectors match nothing).
    #[serde(rename = "seriesFetched")]
    pub series_fetched: String,
    /// Time from the request's arrival to the rendered answer.
    #[serde(rename = "executionTimeMsec")]
    pub execution_time_ms: u64,
}

/// Serialises a [`Value`] as the `data` object of a query answer.
#[derive(Debug, Clone, Copy)]
pub struct QueryData<'a>(pub &'a Value);

impl Serialize for QueryData<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(2))?;
        map.serialize_entry("resultType", self.0.result_type())?;
        match self.0 {
            Value::Scalar { timestamp, value } => {
                map.serialize_entry("result", &Point(*timestamp, format_value(*value)))?;
            }
            Value::String { timestamp, value } => {
                map.serialize_entry("result", &Point(*timestamp, value.as_str()))?;
            }
            Value::Vector(samples) => {
                let entries: Vec<VectorEntry<'_>> = samples.iter().map(VectorEntry).collect();
                map.serialize_entry("result", &entries)?;
            }
            Value::Matrix(series) => {
                let entries: Vec<MatrixEntry<'_>> = series
                    .iter()
                    .filter(|s| !s.samples.is_empty())
                    .map(MatrixEntry)
                    .collect();
                map.serialize_entry("result", &entries)?;
            }
        }
        map.end()
    }
}

/// `{"metric":{...},"value":[<t>,"<v>"]}`.
struct VectorEntry<'a>(&'a InstantSample);

impl Serialize for VectorEntry<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let sample = self.0;
        let mut map = serializer.serialize_map(Some(2))?;
        map.serialize_entry("metric", &MetricJson(&sample.labels))?;
        map.serialize_entry("value", &Point(sample.timestamp, SampleValue(sample.value)))?;
        map.end()
    }
}

/// `{"metric":{...},"values":[[<t>,"<v>"],...]}`.
struct MatrixEntry<'a>(&'a Series);

impl Serialize for MatrixEntry<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(2))?;
        map.serialize_entry("metric", &MetricJson(&self.0.labels))?;
        map.serialize_entry("values", &Points(&self.0.samples))?;
        map.end()
    }
}

/// `[[<t>,"<v>"],...]`.
struct Points<'a>(&'a [Sample]);

impl Serialize for Points<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(Some(self.0.len()))?;
        for sample in self.0 {
            seq.serialize_element(&Point(sample.timestamp, SampleValue(sample.value)))?;
        }
        seq.end()
    }
}

/// A vector or matrix sample's value as a JSON string, spelled by
/// [`write_sample_value`] in a buffer on the stack: an answer holds one per
/// point, and a `String` each cost more than printing the number.
struct SampleValue(f64);

impl Serialize for SampleValue {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        // A sample value takes at most 25 bytes (`-0.0000012345678901234567`).
        let mut text = StackText::<48>::new();
        match write_sample_value(&mut text, self.0) {
            Ok(()) => serializer.serialize_str(text.as_str()),
            Err(_) => serializer.serialize_str(&estuary_promql::format_sample_value(self.0)),
        }
    }
}

/// `[<t>, "<v>"]`: a millisecond timestamp printed as seconds, and a string.
struct Point<V>(i64, V);

impl<V: Serialize> Serialize for Point<V> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut tuple = serializer.serialize_tuple(2)?;
        tuple.serialize_element(&Seconds(self.0))?;
        tuple.serialize_element(&self.1)?;
        tuple.end()
    }
}

/// Milliseconds as Unix seconds: an integer when whole, else the shortest
/// decimal that reads back to `ms / 1000`.
struct Seconds(i64);

impl Serialize for Seconds {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let ms = self.0;
        if ms % 1000 == 0 {
            serializer.serialize_i64(ms / 1000)
        } else {
            serializer.serialize_f64(ms as f64 / 1000.0)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use estuary_types::Labels;

    fn render(value: &Value) -> String {
        serde_json::to_string(&QueryData(value)).expect("encodes")
    }

    #[test]
    fn stats_keep_their_field_order() {
        let stats = QueryStats {
            series_fetched: "3".to_string(),
            execution_time_ms: 7,
        };
        assert_eq!(
            serde_json::to_string(&stats).expect("encodes"),
            r#"{"seriesFetched":"3","executionTimeMsec":7}"#
        );
    }

    #[test]
    fn scalar_and_string() {
        let scalar = Value::Scalar {
            timestamp: 4000,
            value: 2.0,
        };
        assert_eq!(
            render(&scalar),
            r#"{"resultType":"scalar","result":[4,"2"]}"#
        );
        let string = Value::String {
            timestamp: 1500,
            value: "hi".into(),
        };
        assert_eq!(
            render(&string),
            r#"{"resultType":"string","result":[1.5,"hi"]}"#
        );
    }

    #[test]
    fn vector_puts_the_name_first_and_prints_specials() {
        let vector = Value::Vector(vec![InstantSample {
            labels: Labels::from_pairs(&[("a", "1"), ("__name__", "x")]),
            timestamp: 1_700_000_000_500,
            value: f64::INFINITY,
        }]);
        assert_eq!(
            render(&vector),
            r#"{"resultType":"vector","result":[{"metric":{"__name__":"x","a":"1"},"value":[1700000000.5,"+Inf"]}]}"#
        );
    }

    #[test]
    fn matrix_skips_empty_series_and_uses_exponents_for_tiny_samples() {
        let matrix = Value::Matrix(vec![
            Series {
                labels: Labels::empty(),
                samples: vec![Sample::new(1, 1e-7), Sample::new(2000, f64::NAN)],
            },
            Series {
                labels: Labels::from_pairs(&[("a", "1")]),
                samples: vec![],
            },
        ]);
        assert_eq!(
            render(&matrix),
            r#"{"resultType":"matrix","result":[{"metric":{},"values":[[0.001,"1e-07"],[2,"NaN"]]}]}"#
        );
    }

    #[test]
    fn scalars_never_use_exponents() {
        let scalar = Value::Scalar {
            timestamp: 0,
            value: 1e-7,
        };
        assert_eq!(
            render(&scalar),
            r#"{"resultType":"scalar","result":[0,"0.0000001"]}"#
        );
    }
}
