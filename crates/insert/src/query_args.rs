//! The query args the insert endpoints read.

use crate::error::InsertError;

/// Query args of an insert request, decoded but not yet interpreted.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct QueryArgs {
    /// Every `extra_label` value, in order.
    pub(crate) extra_labels: Vec<String>,
    /// `timestamp`: milliseconds given to text samples that carry none.
    pub(crate) timestamp: Option<String>,
    /// `get_vm_proto_version` is present: vmagent's protocol probe.
    pub(crate) get_vm_proto_version: bool,
}

impl QueryArgs {
    /// Decodes a raw query string (percent- and `+`-decoding included).
    pub(crate) fn parse(query: Option<&str>) -> Self {
        let mut args = QueryArgs::default();
        for (name, value) in form_urlencoded::parse(query.unwrap_or("").as_bytes()) {
            match name.as_ref() {
                "extra_label" => args.extra_labels.push(value.into_owned()),
                "timestamp" => args.timestamp = Some(value.into_owned()),
                "get_vm_proto_version" => args.get_vm_proto_version = true,
                _ => {}
            }
        }
        args
    }

    /// The `timestamp` arg as milliseconds, if given.
    pub(crate) fn timestamp_ms(&self) -> Result<Option<i64>, InsertError> {
        let Some(value) = &self.timestamp else {
            return Ok(None);
        };
        value
            .trim()
            .parse::<i64>()
            .map(Some)
            .map_err(|_| InsertError::QueryArg {
                name: "timestamp",
                value: value.clone(),
                reason: "expected integer milliseconds since the epoch",
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_repeated_and_escaped_args() {
        let args = QueryArgs::parse(Some(
            "extra_label=a%3Db&extra_label=c=d+e&timestamp=123&other=1",
        ));
        assert_eq!(args.extra_labels, ["a=b", "c=d e"]);
        assert_eq!(args.timestamp_ms().expect("valid"), Some(123));
        assert!(!args.get_vm_proto_version);
        assert!(QueryArgs::parse(Some("get_vm_proto_version=1")).get_vm_proto_version);
        assert_eq!(QueryArgs::parse(None), QueryArgs::default());
    }

    #[test]
    fn a_malformed_timestamp_is_an_error() {
        let args = QueryArgs::parse(Some("timestamp=yesterday"));
        assert!(matches!(
            args.timestamp_ms(),
            Err(InsertError::QueryArg {
                name: "timestamp",
                ..
            })
        ));
    }
}
