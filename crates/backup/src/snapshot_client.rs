//! Asking a storage node for a snapshot, and deleting it afterwards, over
//! its HTTP API (`/snapshot/create`, `/snapshot/delete`).

use crate::error::BackupError;
use estuary_types::SnapshotName;
use reqwest::Url;
use std::time::Duration;

/// How long one snapshot call may take (a snapshot flushes the head first).
const TIMEOUT: Duration = Duration::from_secs(300);

/// Calls `create_url` and returns the new snapshot's name.
pub async fn create(create_url: &str) -> Result<SnapshotName, BackupError> {
    let url = parse_url(create_url)?;
    let body = call(&url).await?;
    let name = body
        .get("snapshot")
        .and_then(|v| v.as_str())
        .ok_or_else(|| failure(&url, format!("no snapshot name in the answer {body}")))?;
    SnapshotName::parse(name).map_err(|e| failure(&url, e.to_string()))
}

/// Deletes `name` through `delete_url` (or the URL derived from
/// `create_url`).
pub async fn delete(
    delete_url: Option<&str>,
    create_url: &str,
    name: &SnapshotName,
) -> Result<(), BackupError> {
    let mut url = match delete_url {
        Some(url) => parse_url(url)?,
        None => derive_delete_url(create_url)?,
    };
    url.query_pairs_mut().append_pair("snapshot", name.as_str());
    call(&url).await.map(|_| ())
}

/// `/snapshot/create` → `/snapshot/delete`, keeping the query (`authKey`).
pub fn derive_delete_url(create_url: &str) -> Result<Url, BackupError> {
    let mut url = parse_url(create_url)?;
    let Some(base) = url.path().strip_suffix("/snapshot/create") else {
        return Err(BackupError::Config(format!(
            "-snapshot.createURL {create_url:?} does not end in /snapshot/create; set -snapshot.deleteURL"
        )));
    };
    let path = format!("{base}/snapshot/delete");
    url.set_path(&path);
    Ok(url)
}

fn parse_url(text: &str) -> Result<Url, BackupError> {
    let url =
        Url::parse(text).map_err(|e| BackupError::Config(format!("bad URL {text:?}: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(BackupError::Config(format!("URL {text:?} is not http(s)")));
    }
    Ok(url)
}

/// The URL without its query, for messages (the query may hold a key).
fn shown(url: &Url) -> String {
    let mut url = url.clone();
    url.set_query(None);
    url.to_string()
}

fn failure(url: &Url, detail: String) -> BackupError {
    BackupError::Snapshot {
        url: shown(url),
        detail,
    }
}

async fn call(url: &Url) -> Result<serde_json::Value, BackupError> {
    let client = reqwest::Client::builder()
        .timeout(TIMEOUT)
        .build()
        .map_err(|e| failure(url, e.to_string()))?;
    let response = client
        .get(url.clone())
        .send()
        .await
        .map_err(|e| failure(url, e.to_string()))?;
    let status = response.status();
    let text = response
        .text()
        .await
        .map_err(|e| failure(url, e.to_string()))?;
    let body: serde_json::Value = serde_json::from_str(&text)
        .map_err(|_| failure(url, format!("HTTP {status}: {}", text.trim())))?;
    if !status.is_success() || body.get("status").and_then(|s| s.as_str()) != Some("ok") {
        return Err(failure(url, format!("HTTP {status}: {}", text.trim())));
    }
    Ok(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_delete_url_follows_the_create_url() {
        let url =
            derive_delete_url("http://127.0.0.1:8482/snapshot/create?authKey=k").expect("derive");
        assert_eq!(
            url.as_str(),
            "http://127.0.0.1:8482/snapshot/delete?authKey=k"
        );
        assert!(derive_delete_url("http://127.0.0.1:8482/other").is_err());
        assert!(derive_delete_url("ftp://x/snapshot/create").is_err());
        assert!(derive_delete_url("not a url").is_err());
    }
}
