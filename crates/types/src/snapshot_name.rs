//! Snapshot names: the UTC creation time as `YYYYMMDDhhmmss`, a dash and 16
//! upper-case hex digits, e.g. `20260821165119-18A2B3C4D5E6F701`. A name is
//! also a directory under `<storageDataPath>/snapshots`, so parsing is strict:
//! nothing else (no dots, no slashes) ever reaches the file system.

use crate::calendar::civil_from_days;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use thiserror::Error;

/// A valid snapshot name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SnapshotName(String);

/// Why a string is not a snapshot name.
#[derive(Debug, Error, PartialEq, Eq)]
#[error("invalid snapshot name {name:?}: {reason}; want YYYYMMDDhhmmss-<16 hex digits>")]
pub struct SnapshotNameError {
    /// The rejected text (cut to 64 bytes).
    pub name: String,
    /// What is wrong with it.
    pub reason: &'static str,
}

const TIME_DIGITS: usize = 14;
const HEX_DIGITS: usize = 16;

impl SnapshotName {
    /// A new name for a snapshot taken at `unix_ms` (UTC). The hex part mixes
    /// the time with a process-wide counter and the process id, so two
    /// snapshots taken in the same millisecond get different names.
    pub fn new(unix_ms: i64) -> SnapshotName {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let count = COUNTER.fetch_add(1, Ordering::Relaxed);
        let mut seed = [0u8; 20];
        seed[..8].copy_from_slice(&unix_ms.to_le_bytes());
        seed[8..16].copy_from_slice(&count.to_le_bytes());
        seed[16..].copy_from_slice(&std::process::id().to_le_bytes());
        let suffix = xxhash_rust::xxh3::xxh3_64(&seed);
        let secs = unix_ms.div_euclid(1000);
        let (year, month, day) = civil_from_days(secs.div_euclid(86_400));
        let second_of_day = secs.rem_euclid(86_400);
        SnapshotName(format!(
            "{year:04}{month:02}{day:02}{:02}{:02}{:02}-{suffix:016X}",
            second_of_day / 3600,
            second_of_day / 60 % 60,
            second_of_day % 60
        ))
    }

    /// Checks `text` and wraps it.
    pub fn parse(text: &str) -> Result<SnapshotName, SnapshotNameError> {
        let fail = |reason| SnapshotNameError {
            name: text.chars().take(64).collect(),
            reason,
        };
        let Some((time, hex)) = text.split_once('-') else {
            return Err(fail("no dash"));
        };
        if time.len() != TIME_DIGITS || !time.bytes().all(|b| b.is_ascii_digit()) {
            return Err(fail("the time part is not 14 digits"));
        }
        if hex.len() != HEX_DIGITS || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(fail("the suffix is not 16 hex digits"));
        }
        let field = |range: std::ops::Range<usize>| time[range].parse::<u32>().unwrap_or(u32::MAX);
        let (month, day) = (field(4..6), field(6..8));
        let (hour, minute, second) = (field(8..10), field(10..12), field(12..14));
        if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
            return Err(fail("the date is out of range"));
        }
        if hour > 23 || minute > 59 || second > 59 {
            return Err(fail("the time of day is out of range"));
        }
        Ok(SnapshotName(text.to_string()))
    }

    /// The name as text (also its directory name).
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for SnapshotName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_names_carry_the_utc_time_and_parse_back() {
        // 2026-08-21T16:51:19.500Z
        let name = SnapshotName::new(1_787_331_079_500);
        assert!(name.as_str().starts_with("20260821165119-"), "{name}");
        assert_eq!(SnapshotName::parse(name.as_str()), Ok(name.clone()));
        assert_ne!(SnapshotName::new(1_787_331_079_500), name);
    }

    #[test]
    fn the_contract_example_parses() {
        assert!(SnapshotName::parse("20260821165119-18A2B3C4D5E6F701").is_ok());
        assert!(SnapshotName::parse("20260821165119-18a2b3c4d5e6f701").is_ok());
    }

    #[test]
    fn anything_else_is_refused() {
        for bad in [
            "",
            "..",
            "../etc",
            "20260821165119",
            "20260821165119-18A2B3C4D5E6F70",
            "20260821165119-18A2B3C4D5E6F7011",
            "20260821165119-18A2B3C4D5E6F70G",
            "2026082116511-018A2B3C4D5E6F701",
            "20261321165119-18A2B3C4D5E6F701",
            "20260821245119-18A2B3C4D5E6F701",
            "20260821165119-../../../../etc",
            "20260821165119-18A2B3C4D5E6F70/",
            "2026082116511x-18A2B3C4D5E6F701",
        ] {
            assert!(SnapshotName::parse(bad).is_err(), "{bad:?} was accepted");
        }
    }
}
