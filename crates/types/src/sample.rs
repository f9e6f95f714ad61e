//! Samples and the Prometheus staleness marker.

/// The bit pattern Prometheus writes to mark a series stale. Kept bit-exact.
pub const STALE_NAN_BITS: u64 = 0x7ff0_0000_0000_0002;

/// The staleness marker as a float.
pub fn stale_nan() -> f64 {
    f64::from_bits(STALE_NAN_BITS)
}

/// Whether `value` is the staleness marker (and not some other NaN).
pub fn is_stale_nan(value: f64) -> bool {
    value.to_bits() == STALE_NAN_BITS
}

/// One sample: a millisecond timestamp and a float value.
#[derive(Debug, Clone, Copy)]
pub struct Sample {
    /// Milliseconds since the Unix epoch.
    pub timestamp: i64,
    /// The value; NaN bit patterns are preserved.
    pub value: f64,
}

impl Sample {
    /// Builds a sample.
    pub const fn new(timestamp: i64, value: f64) -> Self {
        Sample { timestamp, value }
    }

    /// Of two samples with the same timestamp, the one every replica keeps: a real
    /// value beats a staleness marker, otherwise the larger value in IEEE total
    /// order wins. The choice does not depend on arrival order, so replicas and
    /// re-sent samples always converge on the same answer.
    pub fn wins_tie_over(&self, other: &Sample) -> bool {
        match (is_stale_nan(self.value), is_stale_nan(other.value)) {
            (false, true) => true,
            (true, false) => false,
            _ => self.value.total_cmp(&other.value).is_ge(),
        }
    }
}

/// Bit-exact equality, so that NaN payloads compare as stored.
impl PartialEq for Sample {
    fn eq(&self, other: &Self) -> bool {
        self.timestamp == other.timestamp && self.value.to_bits() == other.value.to_bits()
    }
}

/// Sorts samples by timestamp and keeps one sample per timestamp, chosen by
/// [`Sample::wins_tie_over`].
pub fn sort_and_dedup(samples: &mut Vec<Sample>) {
    samples.sort_by_key(|s| s.timestamp);
    samples.dedup_by(|later, kept| {
        if later.timestamp != kept.timestamp {
            return false;
        }
        if later.wins_tie_over(kept) {
            *kept = *later;
        }
        true
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn staleness_marker_is_not_an_ordinary_nan() {
        assert!(is_stale_nan(stale_nan()));
        assert!(!is_stale_nan(f64::NAN));
    }

    #[test]
    fn dedup_is_independent_of_arrival_order() {
        let a = vec![
            Sample::new(1, 5.0),
            Sample::new(1, stale_nan()),
            Sample::new(1, 7.0),
        ];
        let mut forward = a.clone();
        let mut backward: Vec<_> = a.into_iter().rev().collect();
        sort_and_dedup(&mut forward);
        sort_and_dedup(&mut backward);
        assert_eq!(forward, vec![Sample::new(1, 7.0)]);
        assert_eq!(forward, backward);
    }

    #[test]
    fn stale_marker_survives_when_alone() {
        let mut samples = vec![Sample::new(2, stale_nan()), Sample::new(1, 1.0)];
        sort_and_dedup(&mut samples);
        assert_eq!(samples.len(), 2);
        assert!(is_stale_nan(samples[1].value));
    }
}
