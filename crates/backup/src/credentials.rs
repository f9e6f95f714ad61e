//! The AWS shared credentials file (`-credsFilePath`): INI sections named by
//! profile with `aws_access_key_id`, `aws_secret_access_key` and optionally
//! `aws_session_token`.

use crate::error::{BackupError, IoContext};
use std::path::Path;

/// Keys of one profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credentials {
    /// `aws_access_key_id`.
    pub access_key_id: String,
    /// `aws_secret_access_key`.
    pub secret_access_key: String,
    /// `aws_session_token`, if any.
    pub session_token: Option<String>,
}

/// Reads `profile` from the file at `path`.
pub fn read(path: &Path, profile: &str) -> Result<Credentials, BackupError> {
    let text = std::fs::read_to_string(path)
        .io_context(|| format!("read credentials file {}", path.display()))?;
    parse(&text, profile)
        .map_err(|e| BackupError::Config(format!("credentials file {}: {e}", path.display())))
}

/// Parses the text of a credentials file.
pub fn parse(text: &str, profile: &str) -> Result<Credentials, String> {
    let mut in_profile = false;
    let (mut id, mut secret, mut token) = (None, None, None);
    for line in text.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if let Some(section) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            let section = section.trim();
            in_profile = section == profile || section == format!("profile {profile}");
            continue;
        }
        if !in_profile {
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            return Err(format!("line {line:?} is not key = value"));
        };
        let value = Some(value.trim().to_string());
        match key.trim() {
            "aws_access_key_id" => id = value,
            "aws_secret_access_key" => secret = value,
            "aws_session_token" => token = value,
            _ => {}
        }
    }
    match (id, secret) {
        (Some(access_key_id), Some(secret_access_key)) => Ok(Credentials {
            access_key_id,
            secret_access_key,
            session_token: token,
        }),
        _ => Err(format!(
            "profile {profile:?} lacks aws_access_key_id or aws_secret_access_key"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profiles_are_read() {
        let text = "[default]\naws_access_key_id = A\naws_secret_access_key = B\n\n[other]\naws_access_key_id=C\naws_secret_access_key=D\naws_session_token=T\n";
        assert_eq!(parse(text, "default").expect("default").access_key_id, "A");
        let other = parse(text, "other").expect("other");
        assert_eq!(other.session_token.as_deref(), Some("T"));
        assert!(parse(text, "missing").is_err());
        assert!(parse("[default]\nnonsense\n", "default").is_err());
    }
}
