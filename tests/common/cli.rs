//! One-shot `estuary` commands (`backup`, `restore`) run to completion, with
//! the S3 test credentials in their environment.

use super::s3;
use std::process::Command;

/// What a finished command did.
#[derive(Debug)]
pub struct Finished {
    /// Whether it exited with status 0.
    pub success: bool,
    /// stdout and stderr together (the log).
    pub output: String,
}

impl Finished {
    /// The value of `field=<number>` in the log line containing `message`.
    pub fn logged_number(&self, message: &str, field: &str) -> u64 {
        let line = self
            .output
            .lines()
            .find(|line| line.contains(message))
            .unwrap_or_else(|| panic!("no log line with {message:?}:\n{}", self.output));
        let prefix = format!("{field}=");
        line.split_whitespace()
            .find_map(|word| word.strip_prefix(&prefix))
            .and_then(|value| value.parse().ok())
            .unwrap_or_else(|| panic!("no {field} in {line:?}"))
    }
}

/// Runs `estuary <args>` and waits for it.
pub fn run(args: &[String]) -> Finished {
    let output = Command::new(env!("CARGO_BIN_EXE_estuary"))
        .args(args)
        .env("AWS_ACCESS_KEY_ID", s3::ACCESS_KEY_ID)
        .env("AWS_SECRET_ACCESS_KEY", s3::SECRET_ACCESS_KEY)
        .env("AWS_REGION", "us-east-1")
        .env("NO_COLOR", "1")
        .output()
        .unwrap_or_else(|e| panic!("cannot run estuary {args:?}: {e}"));
    let mut text = String::from_utf8_lossy(&output.stdout).into_owned();
    text.push_str(&String::from_utf8_lossy(&output.stderr));
    Finished {
        success: output.status.success(),
        output: text,
    }
}
