//! The payload of one WAL record: the series definitions a write introduces and
//! the samples it carries.
//!
//! ```text
//! kind u8 (=1) | uvarint definition count | definitions | uvarint series count | series
//! definition = uvarint series id | tenant (8 bytes) | encoded labels
//! series     = uvarint series id | uvarint account id | uvarint project id
//!              | uvarint sample count | samples
//! sample     = zigzag varint (timestamp - previous timestamp of this run, first from 0)
//!              | value as u64 little-endian bits
//! ```

use estuary_types::encoding::{
    DecodeError, get_bytes, get_uvarint, get_varint, put_uvarint, put_varint,
};
use estuary_types::{Labels, LabelsError, Sample, Tenant};
use thiserror::Error;

const KIND_BATCH: u8 = 1;
/// Samples per series run accepted when decoding; guards allocations.
const SAMPLES_PER_RUN_MAX: u64 = 1 << 24;

/// A record that cannot be decoded.
#[derive(Debug, Error)]
pub enum RecordError {
    /// The kind byte is unknown (a newer or corrupt log).
    #[error("unknown WAL record kind {0}")]
    UnknownKind(u8),
    /// A field is truncated or malformed.
    #[error("malformed WAL record: {0}")]
    Malformed(#[from] DecodeError),
    /// A label set is damaged.
    #[error("malformed WAL record: {0}")]
    Labels(#[from] LabelsError),
    /// A count is implausibly large.
    #[error("malformed WAL record: {what} count {count} exceeds {max}")]
    TooLarge {
        /// What was counted.
        what: &'static str,
        /// The count found.
        count: u64,
        /// The maximum accepted.
        max: u64,
    },
    /// Bytes remain after the last field.
    #[error("malformed WAL record: {0} trailing bytes")]
    Trailing(usize),
}

/// A series definition carried in the log until the index holds it durably.
#[derive(Debug, Clone, PartialEq)]
pub struct SeriesDefinition {
    /// The id the series was given.
    pub series_id: u32,
    /// Its tenant.
    pub tenant: Tenant,
    /// Its canonical labels.
    pub labels: Labels,
}

/// Appends records into a reusable buffer.
#[derive(Debug, Default)]
pub struct RecordBuilder {
    definitions: Vec<u8>,
    definition_count: u64,
    runs: Vec<u8>,
    run_count: u64,
}

impl RecordBuilder {
    /// Adds a series definition.
    pub fn add_definition(&mut self, series_id: u32, tenant: Tenant, labels_encoded: &[u8]) {
        put_uvarint(&mut self.definitions, u64::from(series_id));
        self.definitions.extend_from_slice(&tenant.to_key_bytes());
        self.definitions.extend_from_slice(labels_encoded);
        self.definition_count += 1;
    }

    /// Adds the samples of one series.
    pub fn add_samples(&mut self, series_id: u32, tenant: Tenant, samples: &[Sample]) {
        put_uvarint(&mut self.runs, u64::from(series_id));
        put_uvarint(&mut self.runs, u64::from(tenant.account_id));
        put_uvarint(&mut self.runs, u64::from(tenant.project_id));
        put_uvarint(&mut self.runs, samples.len() as u64);
        let mut previous = 0i64;
        for sample in samples {
            put_varint(&mut self.runs, sample.timestamp.wrapping_sub(previous));
            previous = sample.timestamp;
            self.runs
                .extend_from_slice(&sample.value.to_bits().to_le_bytes());
        }
        self.run_count += 1;
    }

    /// Whether nothing was added.
    pub fn is_empty(&self) -> bool {
        self.definition_count == 0 && self.run_count == 0
    }

    /// The finished payload.
    pub fn finish(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.definitions.len() + self.runs.len() + 21);
        out.push(KIND_BATCH);
        put_uvarint(&mut out, self.definition_count);
        out.extend_from_slice(&self.definitions);
        put_uvarint(&mut out, self.run_count);
        out.extend_from_slice(&self.runs);
        out
    }
}

/// Decodes a payload, calling `on_definition` and `on_samples` in log order.
pub fn decode(
    payload: &[u8],
    mut on_definition: impl FnMut(SeriesDefinition),
    mut on_samples: impl FnMut(u32, Tenant, Vec<Sample>),
) -> Result<(), RecordError> {
    let (kind, mut rest) = get_bytes(payload, 1, "record kind")?;
    if kind[0] != KIND_BATCH {
        return Err(RecordError::UnknownKind(kind[0]));
    }
    let (definitions, tail) = get_uvarint(rest, "definition count")?;
    rest = tail;
    for _ in 0..definitions {
        let (series_id, tail) = get_series_id(rest)?;
        let (tenant, tail) = get_bytes(tail, 8, "tenant")?;
        let tenant = Tenant::from_key_bytes(
            tenant
                .try_into()
                .map_err(|_| DecodeError::Truncated { what: "tenant" })?,
        );
        let (labels, tail) = Labels::decode(tail)?;
        rest = tail;
        on_definition(SeriesDefinition {
            series_id,
            tenant,
            labels,
        });
    }
    let (runs, tail) = get_uvarint(rest, "series count")?;
    rest = tail;
    for _ in 0..runs {
        let (series_id, tail) = get_series_id(rest)?;
        let (account_id, tail) = get_u32(tail, "account id")?;
        let (project_id, tail) = get_u32(tail, "project id")?;
        let tenant = Tenant::new(account_id, project_id);
        let (count, mut tail) = get_uvarint(tail, "sample count")?;
        if count > SAMPLES_PER_RUN_MAX {
            return Err(RecordError::TooLarge {
                what: "sample",
                count,
                max: SAMPLES_PER_RUN_MAX,
            });
        }
        // Each sample takes at least 9 bytes; never reserve more than the input can hold.
        let mut samples = Vec::with_capacity((count as usize).min(tail.len() / 9));
        let mut previous = 0i64;
        for _ in 0..count {
            let (delta, rest_ts) = get_varint(tail, "timestamp")?;
            let (bits, rest_value) = get_bytes(rest_ts, 8, "value")?;
            let bits: [u8; 8] = bits
                .try_into()
                .map_err(|_| DecodeError::Truncated { what: "value" })?;
            previous = previous.wrapping_add(delta);
            samples.push(Sample::new(
                previous,
                f64::from_bits(u64::from_le_bytes(bits)),
            ));
            tail = rest_value;
        }
        rest = tail;
        on_samples(series_id, tenant, samples);
    }
    if !rest.is_empty() {
        return Err(RecordError::Trailing(rest.len()));
    }
    Ok(())
}

fn get_series_id(src: &[u8]) -> Result<(u32, &[u8]), RecordError> {
    get_u32(src, "series id")
}

fn get_u32<'a>(src: &'a [u8], what: &'static str) -> Result<(u32, &'a [u8]), RecordError> {
    let (value, tail) = get_uvarint(src, what)?;
    let value = u32::try_from(value).map_err(|_| RecordError::TooLarge {
        what,
        count: value,
        max: u64::from(u32::MAX),
    })?;
    Ok((value, tail))
}

#[cfg(test)]
mod tests {
    use super::*;
    use estuary_types::stale_nan;

    #[test]
    fn record_round_trips_definitions_and_samples() {
        let labels = Labels::from_pairs(&[("__name__", "up"), ("job", "node")]);
        let samples = vec![
            Sample::new(-3, 1.5),
            Sample::new(1_700_000_000_000, stale_nan()),
            Sample::new(5, f64::INFINITY),
        ];
        let mut builder = RecordBuilder::default();
        builder.add_definition(7, Tenant::new(1, 2), &labels.to_bytes());
        builder.add_samples(7, Tenant::new(1, 2), &samples);
        builder.add_samples(9, Tenant::new(3, 0), &[]);
        let payload = builder.finish();

        let mut definitions = Vec::new();
        let mut runs = Vec::new();
        decode(
            &payload,
            |d| definitions.push(d),
            |id, t, s| runs.push((id, t, s)),
        )
        .expect("decode");
        assert_eq!(
            definitions,
            vec![SeriesDefinition {
                series_id: 7,
                tenant: Tenant::new(1, 2),
                labels
            }]
        );
        assert_eq!(
            runs,
            vec![
                (7, Tenant::new(1, 2), samples),
                (9, Tenant::new(3, 0), vec![])
            ]
        );
    }

    #[test]
    fn truncated_records_are_errors() {
        let mut builder = RecordBuilder::default();
        builder.add_samples(
            1,
            Tenant::new(1, 0),
            &[Sample::new(1, 1.0), Sample::new(2, 2.0)],
        );
        let payload = builder.finish();
        for cut in 0..payload.len() {
            assert!(
                decode(&payload[..cut], |_| {}, |_, _, _| {}).is_err(),
                "cut at {cut}"
            );
        }
    }
}
