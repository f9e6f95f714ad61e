//! The hand-written remote-write decoder agrees with prost: on random valid
//! requests, on requests with unknown fields of every wire type at every
//! level, and on garbage (whatever prost accepts, the decoder accepts and
//! decodes the same; it never panics).

use estuary_insert::remote_write::{WriteRequestRef, prompb};
use proptest::prelude::*;
use prost::Message;
use prost::encoding::encode_varint;

/// A decoded request in comparable form: labels, and samples as
/// (timestamp, value bits) so NaN payloads compare exactly.
type Flat = Vec<(Vec<(String, String)>, Vec<(i64, u64)>)>;

fn flatten_prost(request: &prompb::WriteRequest) -> Flat {
    request
        .timeseries
        .iter()
        .map(|ts| {
            let labels = ts
                .labels
                .iter()
                .map(|l| (l.name.clone(), l.value.clone()))
                .collect();
            let samples = ts
                .samples
                .iter()
                .map(|s| (s.timestamp, s.value.to_bits()))
                .collect();
            (labels, samples)
        })
        .collect()
}

fn flatten_ours(request: &WriteRequestRef<'_>) -> Flat {
    request
        .series()
        .map(|(labels, samples)| {
            let labels = labels
                .iter()
                .map(|(n, v)| (n.to_string(), v.to_string()))
                .collect();
            let samples = samples
                .iter()
                .map(|s| (s.timestamp, s.value.to_bits()))
                .collect();
            (labels, samples)
        })
        .collect()
}

/// Prost accepting a body implies the decoder accepts it with the same result.
fn check_agreement(body: &[u8]) -> Result<(), TestCaseError> {
    let ours = WriteRequestRef::decode(body);
    if let Ok(reference) = prompb::WriteRequest::decode(body) {
        let ours = match ours {
            Ok(ours) => ours,
            Err(error) => {
                return Err(TestCaseError::fail(format!(
                    "prost accepts, we fail: {error}"
                )));
            }
        };
        prop_assert_eq!(flatten_ours(&ours), flatten_prost(&reference));
    }
    Ok(())
}

fn label() -> impl Strategy<Value = prompb::Label> {
    (".{0,12}", ".{0,16}").prop_map(|(name, value)| prompb::Label { name, value })
}

fn sample() -> impl Strategy<Value = prompb::Sample> {
    (any::<u64>(), any::<i64>()).prop_map(|(bits, timestamp)| prompb::Sample {
        value: f64::from_bits(bits),
        timestamp,
    })
}

fn time_series() -> impl Strategy<Value = prompb::TimeSeries> {
    (
        prop::collection::vec(label(), 0..6),
        prop::collection::vec(sample(), 0..4),
        prop::collection::vec((label(), any::<f64>(), any::<i64>()), 0..2),
        prop::collection::vec(
            (any::<f64>(), prop::collection::vec(any::<i64>(), 0..3)),
            0..2,
        ),
    )
        .prop_map(
            |(labels, samples, exemplars, histograms)| prompb::TimeSeries {
                labels,
                samples,
                exemplars: exemplars
                    .into_iter()
                    .map(|(label, value, timestamp)| prompb::Exemplar {
                        labels: vec![label],
                        value,
                        timestamp,
                    })
                    .collect(),
                histograms: histograms
                    .into_iter()
                    .map(|(sum, positive_deltas)| prompb::Histogram {
                        sum,
                        positive_deltas,
                        ..Default::default()
                    })
                    .collect(),
            },
        )
}

fn write_request() -> impl Strategy<Value = prompb::WriteRequest> {
    (
        prop::collection::vec(time_series(), 0..8),
        prop::collection::vec(".{0,8}", 0..3),
    )
        .prop_map(|(timeseries, names)| prompb::WriteRequest {
            timeseries,
            metadata: names
                .into_iter()
                .map(|metric_family_name| prompb::MetricMetadata {
                    r#type: 1,
                    metric_family_name,
                    help: "help".into(),
                    unit: String::new(),
                })
                .collect(),
        })
}

/// An unknown field (number >= 5, unknown at every level) of any wire type.
#[derive(Debug, Clone)]
enum Unknown {
    Varint(u32, u64),
    Fixed64(u32, u64),
    Fixed32(u32, u32),
    Bytes(u32, Vec<u8>),
    Group(u32, u64),
}

fn unknown() -> impl Strategy<Value = Unknown> {
    let field = 5u32..3000;
    prop_oneof![
        (field.clone(), any::<u64>()).prop_map(|(f, v)| Unknown::Varint(f, v)),
        (field.clone(), any::<u64>()).prop_map(|(f, v)| Unknown::Fixed64(f, v)),
        (field.clone(), any::<u32>()).prop_map(|(f, v)| Unknown::Fixed32(f, v)),
        (field.clone(), prop::collection::vec(any::<u8>(), 0..8))
            .prop_map(|(f, v)| Unknown::Bytes(f, v)),
        (field, any::<u64>()).prop_map(|(f, v)| Unknown::Group(f, v)),
    ]
}

fn key(out: &mut Vec<u8>, field: u32, wire_type: u64) {
    encode_varint((u64::from(field) << 3) | wire_type, out);
}

fn put_unknown(out: &mut Vec<u8>, unknown: &Unknown) {
    match unknown {
        Unknown::Varint(field, value) => {
            key(out, *field, 0);
            encode_varint(*value, out);
        }
        Unknown::Fixed64(field, value) => {
            key(out, *field, 1);
            out.extend_from_slice(&value.to_le_bytes());
        }
        Unknown::Fixed32(field, value) => {
            key(out, *field, 5);
            out.extend_from_slice(&value.to_le_bytes());
        }
        Unknown::Bytes(field, bytes) => {
            key(out, *field, 2);
            encode_varint(bytes.len() as u64, out);
            out.extend_from_slice(bytes);
        }
        Unknown::Group(field, value) => {
            key(out, *field, 3);
            key(out, 1, 0);
            encode_varint(*value, out);
            key(out, *field, 4);
        }
    }
}

fn put_message(out: &mut Vec<u8>, field: u32, body: &[u8]) {
    key(out, field, 2);
    encode_varint(body.len() as u64, out);
    out.extend_from_slice(body);
}

/// Encodes `request` by hand, putting unknown fields (cycling through
/// `unknowns`) after every label, sample and series and at the top level.
fn encode_with_unknowns(request: &prompb::WriteRequest, unknowns: &[Unknown]) -> Vec<u8> {
    let mut next = unknowns.iter().cycle();
    let mut top = Vec::new();
    for ts in &request.timeseries {
        let mut series = Vec::new();
        for label in &ts.labels {
            let mut bytes = label.encode_to_vec();
            if let Some(u) = next.next() {
                put_unknown(&mut bytes, u);
            }
            put_message(&mut series, 1, &bytes);
        }
        for sample in &ts.samples {
            let mut bytes = Vec::new();
            if let Some(u) = next.next() {
                put_unknown(&mut bytes, u);
            }
            bytes.extend_from_slice(&sample.encode_to_vec());
            put_message(&mut series, 2, &bytes);
        }
        if let Some(u) = next.next() {
            put_unknown(&mut series, u);
        }
        put_message(&mut top, 1, &series);
        if let Some(u) = next.next() {
            put_unknown(&mut top, u);
        }
    }
    top
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn agrees_with_prost_on_valid_requests(request in write_request()) {
        let body = request.encode_to_vec();
        let ours = WriteRequestRef::decode(&body).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(flatten_ours(&ours), flatten_prost(&request));
    }

    #[test]
    fn skips_unknown_fields_like_prost(
        request in write_request(),
        unknowns in prop::collection::vec(unknown(), 1..6),
    ) {
        let body = encode_with_unknowns(&request, &unknowns);
        let reference = prompb::WriteRequest::decode(&body[..]).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let ours = WriteRequestRef::decode(&body).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(flatten_ours(&ours), flatten_prost(&reference));
    }

    #[test]
    fn garbage_never_panics_and_never_disagrees(body in prop::collection::vec(any::<u8>(), 0..512)) {
        check_agreement(&body)?;
    }

    #[test]
    fn damaged_requests_never_panic_and_never_disagree(
        request in write_request(),
        flips in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..4),
        cut in any::<prop::sample::Index>(),
    ) {
        let mut body = request.encode_to_vec();
        if body.is_empty() {
            return Ok(());
        }
        for (index, byte) in &flips {
            let at = index.index(body.len());
            body[at] ^= byte;
        }
        check_agreement(&body)?;
        let cut = cut.index(body.len());
        check_agreement(&body[..cut])?;
    }
}
