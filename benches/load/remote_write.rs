//! The pre-encoded remote-write request bodies: one request per
//! scrape round per block of series, protobuf then snappy block format, as
//! vmagent and Prometheus send them.

use super::dataset::Dataset;
use bytes::Bytes;
use prost::Message;

/// The message types are the integration tests' hand-written ones, so the
/// two cannot drift apart.
#[allow(dead_code)]
#[path = "../../tests/common/remote_write.rs"]
mod prompb;

pub use prompb::{Label, Sample, TimeSeries, WriteRequest};

/// How the data set is cut into requests and placed in time.
#[derive(Debug, Clone, Copy)]
pub struct Schedule {
    /// Scrape rounds.
    pub scrape_count: usize,
    /// Milliseconds between scrapes of one target.
    pub interval_ms: i64,
    /// The last round's interval ends here (milliseconds since the epoch).
    pub end_ms: i64,
    /// Series per request.
    pub series_per_request: usize,
}

/// Request bodies ready to send, in send order (round by round), and what they hold.
pub struct Payloads {
    /// Snappy-compressed `WriteRequest`s.
    pub bodies: Vec<Bytes>,
    /// Samples in all bodies.
    pub sample_count: u64,
    /// Distinct series in all bodies.
    pub series_count: usize,
    /// Smallest timestamp sent.
    pub timestamp_min_ms: i64,
    /// Largest timestamp sent.
    pub timestamp_max_ms: i64,
    /// Bytes of protobuf before compression.
    pub protobuf_bytes: u64,
    /// Bytes of the compressed bodies.
    pub body_bytes: u64,
}

/// Encodes the whole data set: for every round, the series in blocks of
/// `series_per_request`, one sample per series.
pub fn encode_payloads(dataset: &mut Dataset, schedule: Schedule) -> Payloads {
    let mut requests = empty_requests(dataset, schedule.series_per_request);
    let mut encoder = snap::raw::Encoder::new();
    let mut payloads = Payloads {
        bodies: Vec::with_capacity(schedule.scrape_count * requests.len()),
        sample_count: 0,
        series_count: dataset.series.len(),
        timestamp_min_ms: i64::MAX,
        timestamp_max_ms: i64::MIN,
        protobuf_bytes: 0,
        body_bytes: 0,
    };
    for round in 0..schedule.scrape_count {
        let rounds_left = (schedule.scrape_count - round) as i64;
        let interval_start_ms = schedule.end_ms - rounds_left * schedule.interval_ms;
        let host_timestamps = dataset.scrape_timestamps(interval_start_ms);
        let mut index = 0;
        for request in &mut requests {
            for series in &mut request.timeseries {
                let (timestamp, value) = dataset.next_sample(index, &host_timestamps);
                series.samples[0] = Sample { value, timestamp };
                payloads.timestamp_min_ms = payloads.timestamp_min_ms.min(timestamp);
                payloads.timestamp_max_ms = payloads.timestamp_max_ms.max(timestamp);
                index += 1;
            }
            let protobuf = request.encode_to_vec();
            let body = encoder
                .compress_vec(&protobuf)
                .expect("snappy-compress a remote-write body");
            payloads.sample_count += request.timeseries.len() as u64;
            payloads.protobuf_bytes += protobuf.len() as u64;
            payloads.body_bytes += body.len() as u64;
            payloads.bodies.push(Bytes::from(body));
        }
    }
    payloads
}

/// One request per block of series, labels filled in, one placeholder sample
/// per series that each round overwrites.
fn empty_requests(dataset: &Dataset, series_per_request: usize) -> Vec<WriteRequest> {
    assert!(series_per_request > 0, "BUG: zero series per request");
    dataset
        .series
        .chunks(series_per_request)
        .map(|block| WriteRequest {
            timeseries: block
                .iter()
                .map(|series| TimeSeries {
                    labels: series
                        .labels
                        .iter()
                        .map(|(name, value)| Label {
                            name: name.clone(),
                            value: value.clone(),
                        })
                        .collect(),
                    samples: vec![Sample::default()],
                })
                .collect(),
        })
        .collect()
}

/// Decodes every body and checks it holds what [`Payloads`] says: catches a
/// broken encoder before either server is blamed for it.
pub fn verify_payloads(payloads: &Payloads) -> Result<(), String> {
    let mut decoder = snap::raw::Decoder::new();
    let mut samples = 0u64;
    for (index, body) in payloads.bodies.iter().enumerate() {
        let protobuf = decoder
            .decompress_vec(body)
            .map_err(|e| format!("body {index}: snappy: {e}"))?;
        let request = WriteRequest::decode(protobuf.as_slice())
            .map_err(|e| format!("body {index}: protobuf: {e}"))?;
        for series in &request.timeseries {
            if series.labels.first().is_none_or(|l| l.name != "__name__") {
                return Err(format!("body {index}: a series without __name__ first"));
            }
            samples += series.samples.len() as u64;
        }
    }
    if samples != payloads.sample_count {
        return Err(format!(
            "bodies hold {samples} samples, expected {}",
            payloads.sample_count
        ));
    }
    Ok(())
}
