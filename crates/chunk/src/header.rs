//! [`ChunkHeader`], what a chunk says about itself ahead of its body, and
//! [`ValueEncoding`], how its values are stored.

use estuary_types::TimeRange;

use crate::error::ChunkError;

/// The header of a chunk: enough to decide whether a query needs its samples
/// without decoding them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChunkHeader {
    /// Samples in the chunk, in `1..=SAMPLES_PER_CHUNK_MAX`.
    pub sample_count: u32,
    /// Timestamp of the first sample, in milliseconds.
    pub timestamp_min: i64,
    /// Timestamp of the last sample, in milliseconds.
    pub timestamp_max: i64,
    /// How the chunk's values are encoded.
    pub value_encoding: ValueEncoding,
}

impl ChunkHeader {
    /// The closed range `[timestamp_min, timestamp_max]` the samples lie in.
    pub fn time_range(&self) -> TimeRange {
        TimeRange::new(self.timestamp_min, self.timestamp_max)
    }

    /// Whether any sample can lie inside `range`; when not, a query skips the chunk.
    pub fn overlaps(&self, range: &TimeRange) -> bool {
        !self.time_range().intersect(range).is_empty()
    }
}

/// How a chunk's values are encoded, stored as one byte in the header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ValueEncoding {
    /// Decimal mantissas with one shared exponent, each mantissa stored as its
    /// difference from the one before: for gauges.
    DecimalDelta,
    /// Decimal mantissas with one shared exponent, each stored as the change of
    /// that difference: for counters, whose difference is the rate.
    DecimalDeltaOfDelta,
    /// Gorilla-style XOR of the IEEE 754 bit patterns: for values that are not
    /// decimals (NaN, infinities, -0.0, the staleness marker, arbitrary floats).
    Xor,
}

impl ValueEncoding {
    /// The byte stored in the header. Zero is left unused, so that zeroed bytes
    /// never decode as a chunk.
    pub(crate) fn to_byte(self) -> u8 {
        match self {
            ValueEncoding::DecimalDelta => 1,
            ValueEncoding::DecimalDeltaOfDelta => 2,
            ValueEncoding::Xor => 3,
        }
    }

    /// Inverse of [`ValueEncoding::to_byte`].
    pub(crate) fn from_byte(byte: u8) -> Result<Self, ChunkError> {
        match byte {
            1 => Ok(ValueEncoding::DecimalDelta),
            2 => Ok(ValueEncoding::DecimalDeltaOfDelta),
            3 => Ok(ValueEncoding::Xor),
            found => Err(ChunkError::UnknownValueEncoding { found }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn value_encoding_byte_round_trips_and_zero_is_unknown() {
        for encoding in [
            ValueEncoding::DecimalDelta,
            ValueEncoding::DecimalDeltaOfDelta,
            ValueEncoding::Xor,
        ] {
            assert_eq!(
                ValueEncoding::from_byte(encoding.to_byte()).ok(),
                Some(encoding)
            );
        }
        assert!(matches!(
            ValueEncoding::from_byte(0),
            Err(ChunkError::UnknownValueEncoding { found: 0 })
        ));
    }

    #[test]
    fn overlaps_is_inclusive_at_both_ends() {
        let header = ChunkHeader {
            sample_count: 2,
            timestamp_min: 10,
            timestamp_max: 20,
            value_encoding: ValueEncoding::Xor,
        };
        assert!(header.overlaps(&TimeRange::new(20, 30)));
        assert!(header.overlaps(&TimeRange::new(0, 10)));
        assert!(!header.overlaps(&TimeRange::new(21, 30)));
        assert!(!header.overlaps(&TimeRange::new(0, 9)));
    }
}
