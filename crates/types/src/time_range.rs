//! Closed time ranges in milliseconds and UTC day numbers.

/// Milliseconds in one UTC day.
pub const MS_PER_DAY: i64 = 86_400_000;

/// The UTC day number (days since the Unix epoch) of a millisecond timestamp.
/// Timestamps before the epoch map to day 0: the index has no negative days.
pub fn day_of(timestamp_ms: i64) -> u32 {
    u32::try_from(timestamp_ms.max(0) / MS_PER_DAY).unwrap_or(u32::MAX)
}

/// A closed interval `[start, end]` of millisecond timestamps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeRange {
    /// First included millisecond.
    pub start: i64,
    /// Last included millisecond.
    pub end: i64,
}

impl TimeRange {
    /// Every representable timestamp.
    pub const ALL: TimeRange = TimeRange {
        start: i64::MIN,
        end: i64::MAX,
    };

    /// Builds a range; callers ensure `start <= end` or accept an empty range.
    pub const fn new(start: i64, end: i64) -> Self {
        TimeRange { start, end }
    }

    /// Whether the range holds no timestamp.
    pub fn is_empty(&self) -> bool {
        self.start > self.end
    }

    /// Whether `timestamp` lies inside the range.
    pub fn contains(&self, timestamp: i64) -> bool {
        self.start <= timestamp && timestamp <= self.end
    }

    /// The overlap of two ranges (possibly empty).
    pub fn intersect(&self, other: &TimeRange) -> TimeRange {
        TimeRange {
            start: self.start.max(other.start),
            end: self.end.min(other.end),
        }
    }

    /// The UTC days the range touches, first and last inclusive.
    pub fn days(&self) -> std::ops::RangeInclusive<u32> {
        day_of(self.start)..=day_of(self.end)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_cover_both_ends() {
        let range = TimeRange::new(MS_PER_DAY - 1, MS_PER_DAY * 2);
        assert_eq!(range.days(), 0..=2);
        assert_eq!(day_of(-5), 0);
    }

    #[test]
    fn intersection_can_be_empty() {
        let a = TimeRange::new(0, 10);
        assert!(a.intersect(&TimeRange::new(11, 20)).is_empty());
        assert_eq!(a.intersect(&TimeRange::new(5, 20)), TimeRange::new(5, 10));
    }
}
