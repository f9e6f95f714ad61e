//! The wall clock, in the units the read API works in.

use std::time::{SystemTime, UNIX_EPOCH};

/// Milliseconds since the Unix epoch (0 if the clock is set before 1970).
pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| {
            i64::try_from(elapsed.as_millis()).unwrap_or(i64::MAX)
        })
}

/// "Now" rounded down to whole seconds, in milliseconds: the default of absent
/// `time`, `start` and `end` arguments.
pub fn now_whole_seconds_ms() -> i64 {
    let now = now_ms();
    now - now.rem_euclid(1000)
}
