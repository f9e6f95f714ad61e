//! The hot-path decoder of a remote-write `WriteRequest`.
//!
//! It walks the protobuf wire format by hand and borrows every label name and
//! value from the decompressed body as `&str` (UTF-8 checked, as protobuf
//! requires of `string` fields), so decoding allocates three vectors per
//! request and nothing per label. The schema it reads, by field number:
//!
//! ```text
//! WriteRequest { 1: repeated TimeSeries (len)   3: metadata, skipped }
//! TimeSeries   { 1: repeated Label (len)  2: repeated Sample (len)
//!                3: exemplars, 4: histograms, skipped }
//! Label        { 1: name string  2: value string }
//! Sample       { 1: value double (fixed64)  2: timestamp int64 (varint) }
//! ```
//!
//! Unknown and skipped fields are stepped over by wire type. Repeated scalar
//! fields keep the last occurrence, as protobuf specifies. Memory: a decoded
//! label takes 32 bytes and needs at least 2 body bytes, a sample 16 bytes for
//! at least 2, a series 16 bytes for at least 2, so the decoded form is at most
//! 16 times the body, and the body is capped by `-maxInsertRequestSize`.

use super::wire::{WireError, WireReader, WireResult, WireType};
use crate::error::InsertError;
use estuary_types::Sample;

/// Where one series' labels and samples end in the flat vectors.
#[derive(Debug, Clone, Copy)]
struct SeriesEnd {
    labels: usize,
    samples: usize,
}

/// A decoded `WriteRequest` borrowing its strings from the body: all labels
/// and all samples in two flat vectors, cut into series by end offsets.
#[derive(Debug, Default)]
pub struct WriteRequestRef<'a> {
    labels: Vec<(&'a str, &'a str)>,
    samples: Vec<Sample>,
    series: Vec<SeriesEnd>,
}

impl<'a> WriteRequestRef<'a> {
    /// Decodes an uncompressed `WriteRequest`. Fails on any wire defect; never
    /// panics on garbage.
    pub fn decode(body: &'a [u8]) -> Result<Self, InsertError> {
        let mut request = WriteRequestRef {
            // Rough sizes of a node_exporter-like request, to skip early regrowth.
            labels: Vec::with_capacity(body.len() / 32),
            samples: Vec::with_capacity(body.len() / 256),
            series: Vec::with_capacity(body.len() / 256),
        };
        let mut reader = WireReader::new(body, "WriteRequest");
        request.decode_write_request(&mut reader)?;
        Ok(request)
    }

    /// How many series the request holds.
    pub fn series_count(&self) -> usize {
        self.series.len()
    }

    /// How many samples the request holds over all series.
    pub fn samples_count(&self) -> usize {
        self.samples.len()
    }

    /// Each series as its labels (in the order sent) and its samples.
    pub fn series(&self) -> impl Iterator<Item = (&[(&'a str, &'a str)], &[Sample])> + '_ {
        let mut labels_start = 0;
        let mut samples_start = 0;
        self.series.iter().map(move |end| {
            let labels = self.labels.get(labels_start..end.labels).unwrap_or(&[]);
            let samples = self.samples.get(samples_start..end.samples).unwrap_or(&[]);
            labels_start = end.labels;
            samples_start = end.samples;
            (labels, samples)
        })
    }

    fn decode_write_request(&mut self, reader: &mut WireReader<'a>) -> WireResult<()> {
        while !reader.is_empty() {
            match reader.read_key()? {
                (1, WireType::Len) => {
                    let mut series = reader.read_message("TimeSeries")?;
                    self.decode_time_series(&mut series)?;
                    self.series.push(SeriesEnd {
                        labels: self.labels.len(),
                        samples: self.samples.len(),
                    });
                }
                (1, wire_type) => return Err(reader.unexpected(1, wire_type)),
                (field, wire_type) => reader.skip(field, wire_type)?,
            }
        }
        Ok(())
    }

    fn decode_time_series(&mut self, reader: &mut WireReader<'a>) -> WireResult<()> {
        while !reader.is_empty() {
            match reader.read_key()? {
                (1, WireType::Len) => {
                    let mut label = reader.read_message("Label")?;
                    self.labels.push(decode_label(&mut label)?);
                }
                (2, WireType::Len) => {
                    let mut sample = reader.read_message("Sample")?;
                    self.samples.push(decode_sample(&mut sample)?);
                }
                (field @ (1 | 2), wire_type) => return Err(reader.unexpected(field, wire_type)),
                (field, wire_type) => reader.skip(field, wire_type)?,
            }
        }
        Ok(())
    }
}

#[inline]
fn decode_label<'a>(reader: &mut WireReader<'a>) -> WireResult<(&'a str, &'a str)> {
    let mut name = "";
    let mut value = "";
    while !reader.is_empty() {
        match reader.read_key()? {
            (1, WireType::Len) => name = reader.read_str()?,
            (2, WireType::Len) => value = reader.read_str()?,
            (field @ (1 | 2), wire_type) => return Err(reader.unexpected(field, wire_type)),
            (field, wire_type) => reader.skip(field, wire_type)?,
        }
    }
    Ok((name, value))
}

#[inline]
fn decode_sample(reader: &mut WireReader<'_>) -> WireResult<Sample> {
    let mut sample = Sample::new(0, 0.0);
    while !reader.is_empty() {
        match reader.read_key()? {
            (1, WireType::Fixed64) => sample.value = f64::from_bits(reader.read_fixed64()?),
            // int64 travels as the two's-complement bits in a varint.
            (2, WireType::Varint) => sample.timestamp = reader.read_varint()? as i64,
            (field @ (1 | 2), wire_type) => return Err(reader.unexpected(field, wire_type)),
            (field, wire_type) => reader.skip(field, wire_type)?,
        }
    }
    Ok(sample)
}

impl From<Box<WireError>> for InsertError {
    fn from(error: Box<WireError>) -> Self {
        InsertError::Protobuf {
            message: error.message,
            offset: error.offset,
            defect: error.defect,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::remote_write::WireDefect;
    use crate::remote_write::prompb;
    use estuary_types::stale_nan;
    use prost::Message;

    fn label(name: &str, value: &str) -> prompb::Label {
        prompb::Label {
            name: name.into(),
            value: value.into(),
        }
    }

    fn sample(timestamp: i64, value: f64) -> prompb::Sample {
        prompb::Sample { value, timestamp }
    }

    fn decode_err(body: &[u8]) -> (WireDefect, &'static str, usize) {
        match WriteRequestRef::decode(body) {
            Err(InsertError::Protobuf {
                message,
                offset,
                defect,
            }) => (defect, message, offset),
            other => panic!("expected a protobuf error, got {other:?}"),
        }
    }

    #[test]
    fn decodes_labels_and_samples_bit_exact() {
        let request = prompb::WriteRequest {
            timeseries: vec![
                prompb::TimeSeries {
                    labels: vec![label("__name__", "up"), label("job", "node")],
                    samples: vec![sample(1000, 1.0), sample(-5, stale_nan())],
                    ..Default::default()
                },
                prompb::TimeSeries {
                    labels: vec![label("__name__", "x")],
                    ..Default::default()
                },
            ],
            metadata: vec![prompb::MetricMetadata {
                r#type: 1,
                metric_family_name: "up".into(),
                help: "h".into(),
                unit: String::new(),
            }],
        };
        let body = request.encode_to_vec();
        let decoded = WriteRequestRef::decode(&body).expect("decode");
        let series: Vec<_> = decoded.series().collect();
        assert_eq!(series.len(), 2);
        assert_eq!(series[0].0, &[("__name__", "up"), ("job", "node")]);
        assert_eq!(series[0].1[0], Sample::new(1000, 1.0));
        assert_eq!(series[0].1[1].value.to_bits(), stale_nan().to_bits());
        assert_eq!(series[0].1[1].timestamp, -5);
        assert_eq!(series[1].0, &[("__name__", "x")]);
        assert!(series[1].1.is_empty());
        assert_eq!(decoded.samples_count(), 2);
    }

    #[test]
    fn exemplars_and_histograms_are_skipped() {
        let request = prompb::WriteRequest {
            timeseries: vec![prompb::TimeSeries {
                labels: vec![label("__name__", "h")],
                samples: vec![sample(1, 2.0)],
                exemplars: vec![prompb::Exemplar {
                    labels: vec![label("trace_id", "abc")],
                    value: 1.0,
                    timestamp: 1,
                }],
                histograms: vec![prompb::Histogram {
                    sum: 3.0,
                    positive_deltas: vec![1, -1],
                    ..Default::default()
                }],
            }],
            metadata: vec![],
        };
        let body = request.encode_to_vec();
        let decoded = WriteRequestRef::decode(&body).expect("decode");
        let series: Vec<_> = decoded.series().collect();
        assert_eq!(series[0].0, &[("__name__", "h")]);
        assert_eq!(series[0].1, &[Sample::new(1, 2.0)]);
    }

    #[test]
    fn empty_body_is_an_empty_request() {
        let decoded = WriteRequestRef::decode(&[]).expect("decode");
        assert_eq!(decoded.series_count(), 0);
    }

    #[test]
    fn wrong_wire_type_of_a_known_field_is_an_error() {
        // WriteRequest field 1 as a varint.
        assert_eq!(
            decode_err(&[0x08, 0x01]),
            (
                WireDefect::UnexpectedWireType { field: 1, found: 0 },
                "WriteRequest",
                1
            )
        );
        // Sample.value as a varint: series{ sample{ 0x08 0x01 } }.
        let (defect, message, _) = decode_err(&[0x0a, 0x04, 0x12, 0x02, 0x08, 0x01]);
        assert_eq!(
            defect,
            WireDefect::UnexpectedWireType { field: 1, found: 0 }
        );
        assert_eq!(message, "Sample");
    }

    #[test]
    fn invalid_utf8_in_a_label_is_an_error() {
        // series{ label{ name: [0xff] } }
        let body = [0x0a, 0x05, 0x0a, 0x03, 0x0a, 0x01, 0xff];
        let (defect, message, offset) = decode_err(&body);
        assert_eq!(defect, WireDefect::NotUtf8);
        assert_eq!(message, "Label");
        assert_eq!(offset, 5);
    }

    #[test]
    fn truncated_bodies_are_errors() {
        let request = prompb::WriteRequest {
            timeseries: vec![prompb::TimeSeries {
                labels: vec![label("__name__", "up")],
                samples: vec![sample(1, 1.0)],
                ..Default::default()
            }],
            metadata: vec![],
        };
        let body = request.encode_to_vec();
        for cut in 1..body.len() {
            let (defect, _, _) = decode_err(&body[..cut]);
            assert_eq!(defect, WireDefect::Truncated, "cut at {cut}");
        }
    }

    #[test]
    fn unknown_fields_of_every_wire_type_are_skipped() {
        let series = prompb::TimeSeries {
            labels: vec![label("a", "b")],
            samples: vec![sample(7, 8.0)],
            ..Default::default()
        }
        .encode_to_vec();
        let mut body = vec![
            0x78, 0x05, // field 15 varint
            0x79, 1, 2, 3, 4, 5, 6, 7, 8, // field 15 fixed64
            0x7d, 1, 2, 3, 4, // field 15 fixed32
            0x7a, 0x02, 0xff, 0xff, // field 15 len (bytes, not UTF-8: never read)
            0x7b, 0x08, 0x01, 0x7c, // field 15 group holding a varint
            0x0a,
        ];
        body.push(series.len() as u8);
        body.extend_from_slice(&series);
        let decoded = WriteRequestRef::decode(&body).expect("decode");
        let series: Vec<_> = decoded.series().collect();
        assert_eq!(series[0].0, &[("a", "b")]);
        assert_eq!(series[0].1, &[Sample::new(7, 8.0)]);
    }

    #[test]
    fn a_stray_end_group_is_an_error() {
        let (defect, _, _) = decode_err(&[0x7c]);
        assert_eq!(defect, WireDefect::UnexpectedEndGroup);
    }
}
