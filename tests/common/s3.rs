//! A real S3-protocol server on loopback: moto's standalone server
//! (`python3 -m moto.server`, installed by `bash scripts/setup.sh` from
//! PyPI's `moto[server]`). Each test gets its own server on a free port,
//! killed on drop, and its own bucket.

use super::process::{Process, wait_until_ready};
use std::path::PathBuf;
use std::time::Duration;
use tempfile::TempDir;

/// How long the server may take to answer.
const READY_TIMEOUT: Duration = Duration::from_secs(60);
/// Start attempts, each on a new port.
const START_ATTEMPTS: usize = 3;
/// The access keys the backup CLI is given (moto accepts any).
pub const ACCESS_KEY_ID: &str = "estuary-test";
/// See [`ACCESS_KEY_ID`].
pub const SECRET_ACCESS_KEY: &str = "estuary-test-secret";

/// A running S3 server.
pub struct S3Server {
    process: Process,
    /// The port it listens on.
    pub port: u16,
    _dir: TempDir,
}

impl S3Server {
    /// Starts moto's server on a free loopback port.
    pub fn start() -> S3Server {
        let python = find_in_path("python3");
        let mut failures = Vec::new();
        for _ in 0..START_ATTEMPTS {
            let dir = tempfile::Builder::new()
                .prefix("s3-")
                .tempdir()
                .expect("create S3 server dir");
            let port = super::free_port();
            let args = [
                "-m",
                "moto.server",
                "-H",
                "127.0.0.1",
                "-p",
                &port.to_string(),
            ]
            .map(String::from);
            let mut process = Process::spawn("moto", &python, &args, &dir.path().join("moto.log"));
            match wait_until_ready(
                &mut process,
                &format!("http://127.0.0.1:{port}/"),
                READY_TIMEOUT,
            ) {
                Ok(()) => {
                    return S3Server {
                        process,
                        port,
                        _dir: dir,
                    };
                }
                Err(error) => {
                    process.kill9();
                    failures.push(error);
                }
            }
        }
        panic!(
            "the S3 server (moto) did not start; run `bash scripts/setup.sh`:\n{}",
            failures.join("\n")
        );
    }

    /// `http://127.0.0.1:<port>`: the `-customS3Endpoint`.
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Creates a bucket.
    pub fn create_bucket(&self, bucket: &str) {
        let response = reqwest::blocking::Client::new()
            .put(format!("{}/{bucket}", self.endpoint()))
            .send()
            .expect("create bucket");
        assert!(
            response.status().is_success(),
            "create bucket {bucket}: {}",
            response.status()
        );
    }

    /// Every object key under `prefix` in `bucket`, with its size.
    pub fn list(&self, bucket: &str, prefix: &str) -> Vec<(String, u64)> {
        let mut keys = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let mut query = vec![
                ("list-type", "2".to_string()),
                ("prefix", prefix.to_string()),
            ];
            if let Some(token) = &token {
                query.push(("continuation-token", token.clone()));
            }
            let body = reqwest::blocking::Client::new()
                .get(format!("{}/{bucket}", self.endpoint()))
                .query(&query)
                .send()
                .and_then(|r| r.error_for_status())
                .and_then(|r| r.text())
                .unwrap_or_else(|e| panic!("list {bucket}/{prefix}: {e}"));
            for contents in body.split("<Contents>").skip(1) {
                let key = between(contents, "<Key>", "</Key>").expect("Key in Contents");
                let size = between(contents, "<Size>", "</Size>")
                    .and_then(|s| s.parse().ok())
                    .expect("Size in Contents");
                keys.push((key.replace("&amp;", "&"), size));
            }
            token = between(&body, "<NextContinuationToken>", "</NextContinuationToken>")
                .map(str::to_string);
            if token.is_none() {
                return keys;
            }
        }
    }

    /// Deletes one object. moto refuses an anonymous delete but does not
    /// check signatures, so the request names the test credentials only.
    pub fn delete(&self, bucket: &str, key: &str) {
        let authorization = format!(
            "AWS4-HMAC-SHA256 Credential={ACCESS_KEY_ID}/20260101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=00"
        );
        let response = reqwest::blocking::Client::new()
            .delete(format!("{}/{bucket}/{key}", self.endpoint()))
            .header("Authorization", authorization)
            .send()
            .expect("delete object");
        assert!(
            response.status().is_success(),
            "delete {key}: {}",
            response.status()
        );
    }

    /// The server's log, for failure messages.
    pub fn log_tail(&self) -> String {
        self.process.log_tail()
    }
}

fn between<'a>(text: &'a str, open: &str, close: &str) -> Option<&'a str> {
    let start = text.find(open)? + open.len();
    let end = text[start..].find(close)? + start;
    Some(&text[start..end])
}

/// The first `name` on `PATH`.
fn find_in_path(name: &str) -> PathBuf {
    std::env::var_os("PATH")
        .iter()
        .flat_map(std::env::split_paths)
        .map(|dir| dir.join(name))
        .find(|path| path.is_file())
        .unwrap_or_else(|| panic!("{name} is not on PATH; run `bash scripts/setup.sh`"))
}
