//! Label names in URL paths (`/api/v1/label/<name>/values`). Prometheus clients
//! escape names that are not legacy identifiers as `U__` followed by the name,
//! with `_` doubled and any other character written `_<hex code point>_`:
//! `U__http_2e_status` is `http.status`.

/// The label name a path segment stands for: `U__`-escaped names are decoded;
/// anything else, including a malformed escape, is taken literally (as
/// Prometheus does).
pub fn unescape_label_name(segment: &str) -> String {
    match segment.strip_prefix("U__").and_then(decode_escaped) {
        Some(name) => name,
        None => segment.to_string(),
    }
}

fn decode_escaped(escaped: &str) -> Option<String> {
    let mut out = String::with_capacity(escaped.len());
    let mut chars = escaped.chars();
    while let Some(c) = chars.next() {
        if c != '_' {
            if !(c.is_ascii_alphanumeric() || c == ':') {
                return None;
            }
            out.push(c);
            continue;
        }
        let mut hex = String::new();
        loop {
            match chars.next()? {
                '_' => break,
                digit if digit.is_ascii_hexdigit() && hex.len() < 8 => hex.push(digit),
                _ => return None,
            }
        }
        if hex.is_empty() {
            out.push('_');
        } else {
            out.push(char::from_u32(u32::from_str_radix(&hex, 16).ok()?)?);
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_names_pass_through() {
        assert_eq!(unescape_label_name("job"), "job");
        assert_eq!(unescape_label_name("__name__"), "__name__");
    }

    #[test]
    fn escaped_names_are_decoded() {
        assert_eq!(unescape_label_name("U__http_2e_status"), "http.status");
        assert_eq!(unescape_label_name("U__a__b"), "a_b");
        assert_eq!(unescape_label_name("U___1f600_"), "\u{1f600}");
        assert_eq!(unescape_label_name("U__"), "");
    }

    #[test]
    fn malformed_escapes_are_literal() {
        for name in ["U__a_zz_", "U__a_2e", "U__a.b", "U___110000_"] {
            assert_eq!(unescape_label_name(name), name);
        }
    }
}
