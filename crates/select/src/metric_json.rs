//! A label set as the JSON object Prometheus APIs return: `__name__` first,
//! then the other labels in their stored (sorted) order.
//!
//! [`MetricJson`] serves serde-built answers; [`push_metric_json`] and
//! [`push_json_string`] write straight into a buffer for streamed answers.

use estuary_types::{Labels, METRIC_NAME_LABEL};
use serde::ser::{Serialize, SerializeMap, Serializer};

/// Serialises a label set as `{"__name__":"up","job":"node"}`.
#[derive(Debug, Clone, Copy)]
pub struct MetricJson<'a>(pub &'a Labels);

impl Serialize for MetricJson<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (name, value) in ordered(self.0) {
            map.serialize_entry(name, value)?;
        }
        map.end()
    }
}

/// Appends the label set as a JSON object.
pub fn push_metric_json(dst: &mut Vec<u8>, labels: &Labels) {
    dst.push(b'{');
    for (index, (name, value)) in ordered(labels).enumerate() {
        if index > 0 {
            dst.push(b',');
        }
        push_json_string(dst, name);
        dst.push(b':');
        push_json_string(dst, value);
    }
    dst.push(b'}');
}

/// Appends `text` as a JSON string literal, escaped per RFC 8259.
pub fn push_json_string(dst: &mut Vec<u8>, text: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    dst.push(b'"');
    for &byte in text.as_bytes() {
        match byte {
            b'"' => dst.extend_from_slice(b"\\\""),
            b'\\' => dst.extend_from_slice(b"\\\\"),
            b'\n' => dst.extend_from_slice(b"\\n"),
            b'\r' => dst.extend_from_slice(b"\\r"),
            b'\t' => dst.extend_from_slice(b"\\t"),
            0..=0x1f => {
                dst.extend_from_slice(b"\\u00");
                dst.push(HEX[usize::from(byte >> 4)]);
                dst.push(HEX[usize::from(byte & 0xf)]);
            }
            _ => dst.push(byte),
        }
    }
    dst.push(b'"');
}

/// `__name__` first, then the rest in stored order.
fn ordered(labels: &Labels) -> impl Iterator<Item = (&str, &str)> {
    let name = labels.metric_name().map(|value| (METRIC_NAME_LABEL, value));
    let rest = labels
        .iter()
        .filter(|label| label.name != METRIC_NAME_LABEL)
        .map(|label| (label.name.as_str(), label.value.as_str()));
    name.into_iter().chain(rest)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn name_comes_first_even_when_it_does_not_sort_first() {
        let labels = Labels::from_pairs(&[("A", "1"), ("__name__", "up"), ("job", "node")]);
        let mut buf = Vec::new();
        push_metric_json(&mut buf, &labels);
        assert_eq!(buf, br#"{"__name__":"up","A":"1","job":"node"}"#);
        let via_serde = serde_json::to_vec(&MetricJson(&labels)).expect("encodes");
        assert_eq!(via_serde, buf);
    }

    #[test]
    fn empty_label_set_is_an_empty_object() {
        let mut buf = Vec::new();
        push_metric_json(&mut buf, &Labels::empty());
        assert_eq!(buf, b"{}");
    }

    #[test]
    fn strings_are_escaped_like_serde_json() {
        for text in [
            "plain",
            "q\"uote",
            "back\\slash",
            "new\nline",
            "\u{1}\u{1f}",
            "ünï",
            "\t\r",
        ] {
            let mut buf = Vec::new();
            push_json_string(&mut buf, text);
            let decoded: String = serde_json::from_slice(&buf).expect("valid JSON");
            assert_eq!(decoded, text);
        }
    }
}
