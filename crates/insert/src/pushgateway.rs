//! The Pushgateway path form of the text import:
//! `/api/v1/import/prometheus/metrics/job/<job>[/<label>/<value>...]`.
//!
//! The path after `/metrics/` is a list of `<label>/<value>` segment pairs,
//! the first of which must be the job. Segments are percent-decoded; a name
//! written `<label>@base64` takes its value in URL-safe base64 (padding
//! optional, `=` alone meaning the empty value), which is how values holding
//! `/` travel. The pairs become extra labels of every pushed series.

use crate::error::InsertError;
use crate::validate::is_label_name;
use base64::Engine as _;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use percent_encoding::percent_decode_str;

/// URL-safe base64 that accepts values with or without `=` padding.
const BASE64_URL: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::URL_SAFE,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

const BASE64_SUFFIX: &str = "@base64";

/// Parses the raw (still percent-encoded) path after `/metrics/` into label
/// pairs, the job first.
pub fn parse_path(raw: &str) -> Result<Vec<(String, String)>, InsertError> {
    let error = |reason: String| InsertError::PushgatewayPath {
        path: raw.to_string(),
        reason,
    };
    let trimmed = raw.strip_suffix('/').unwrap_or(raw);
    let segments: Vec<&str> = trimmed.split('/').collect();
    if !segments.len().is_multiple_of(2) {
        return Err(error("expected <label>/<value> pairs".to_string()));
    }
    let mut labels = Vec::with_capacity(segments.len() / 2);
    for pair in segments.chunks_exact(2) {
        let [name, value] = pair else {
            continue;
        };
        labels.push(parse_pair(name, value).map_err(error)?);
    }
    match labels.first() {
        Some((name, job)) if name == "job" && !job.is_empty() => Ok(labels),
        Some((name, _)) if name == "job" => Err(error("the job name is empty".to_string())),
        _ => Err(error("the path must start with job/<job>".to_string())),
    }
}

fn parse_pair(name: &str, value: &str) -> Result<(String, String), String> {
    let name = percent_decode(name)?;
    let (name, base64) = match name.strip_suffix(BASE64_SUFFIX) {
        Some(bare) => (bare.to_string(), true),
        None => (name, false),
    };
    if !is_label_name(&name) {
        return Err(format!(
            "label name {name:?} does not match [a-zA-Z_][a-zA-Z0-9_]*"
        ));
    }
    let value = percent_decode(value)?;
    let value = if base64 {
        decode_base64(&value).map_err(|detail| format!("the value of label {name:?} {detail}"))?
    } else {
        value
    };
    Ok((name, value))
}

fn percent_decode(segment: &str) -> Result<String, String> {
    percent_decode_str(segment)
        .decode_utf8()
        .map(|text| text.into_owned())
        .map_err(|_| format!("segment {segment:?} is not UTF-8 once percent-decoded"))
}

fn decode_base64(value: &str) -> Result<String, String> {
    if value == "=" {
        return Ok(String::new());
    }
    let bytes = BASE64_URL
        .decode(value)
        .map_err(|error| format!("is not URL-safe base64: {error}"))?;
    String::from_utf8(bytes).map_err(|_| "is not UTF-8 once base64-decoded".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(raw: &str) -> Vec<(String, String)> {
        parse_path(raw).unwrap_or_else(|error| panic!("{raw}: {error}"))
    }

    fn owned(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn parses_job_and_label_pairs() {
        assert_eq!(pairs("job/backup"), owned(&[("job", "backup")]));
        assert_eq!(
            pairs("job/backup/instance/db%3A5432/"),
            owned(&[("job", "backup"), ("instance", "db:5432")])
        );
    }

    #[test]
    fn decodes_base64_values() {
        // "/var/tmp" and "a/b" in URL-safe base64, without and with padding.
        assert_eq!(
            pairs("job@base64/L3Zhci90bXA/path@base64/YS9i"),
            owned(&[("job", "/var/tmp"), ("path", "a/b")])
        );
        assert_eq!(
            pairs("job/x/empty@base64/="),
            owned(&[("job", "x"), ("empty", "")])
        );
        assert_eq!(
            pairs("job/x/v@base64/YQ=="),
            owned(&[("job", "x"), ("v", "a")])
        );
    }

    #[test]
    fn rejects_malformed_paths() {
        for (bad, expected) in [
            ("job", "pairs"),
            ("job/x/instance", "pairs"),
            ("instance/x", "must start with job"),
            ("job/", "pairs"),
            ("job//x/y", "job name is empty"),
            ("job/x/bad-name/y", "does not match"),
            ("job/x/v@base64/!!!", "base64"),
            ("job/x/v@base64/_w", "UTF-8"),
            ("job/x/v/%FF", "UTF-8"),
        ] {
            match parse_path(bad) {
                Err(InsertError::PushgatewayPath { reason, .. }) => {
                    assert!(reason.contains(expected), "{bad}: {reason}");
                }
                other => panic!("{bad}: expected an error, got {other:?}"),
            }
        }
    }
}
