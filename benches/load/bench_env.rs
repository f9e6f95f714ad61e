//! What every benchmark binary needs from its environment: sizes from env
//! vars, the data's end time, and where its JSON report goes.

use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

/// How long before now the generated data ends, so both servers see it as
/// complete and recent.
const END_AGE_MS: i64 = 60_000;

/// The end of the last scrape interval: a minute ago, on an interval boundary.
pub fn end_ms(interval_ms: i64) -> i64 {
    let now_ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .expect("the clock is after 1970");
    (now_ms - END_AGE_MS) / interval_ms * interval_ms
}

/// A positive integer from the environment, or `default` when unset.
pub fn env_usize(name: &str, default: usize) -> usize {
    match std::env::var(name) {
        Err(_) => default,
        Ok(text) => match text.trim().parse::<usize>() {
            Ok(value) if value > 0 => value,
            _ => panic!("{name}={text:?} is not a positive integer"),
        },
    }
}

/// `$CARGO_TARGET_DIR/<file_name>`, else `target/` of the workspace.
pub fn report_path(file_name: &str) -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target"),
        PathBuf::from,
    );
    target.join(file_name)
}

/// Writes the report as pretty JSON, creating its directory.
pub fn write_report(path: &Path, report: &serde_json::Value) {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .unwrap_or_else(|e| panic!("create {}: {e}", parent.display()));
    }
    let text = serde_json::to_string_pretty(report).expect("render the report as JSON");
    std::fs::write(path, text + "\n").unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
}
