//! Series selectors (`match[]`, `extra_filters[]`): PromQL vector selectors,
//! parsed with `promql-parser`, turned into OR-ed groups of AND-ed
//! [`LabelMatcher`]s.
//!
//! `foo{a="1" or b="2"}` gives two groups, each with `__name__="foo"`. As in
//! Prometheus, every group must hold a matcher that rejects the empty string, so
//! no selector silently selects every series.

use estuary_types::{LabelMatcher, METRIC_NAME_LABEL, MatchOp};
use promql_parser::label::{MatchOp as ParsedOp, Matcher as ParsedMatcher};
use promql_parser::parser::{Expr, VectorSelector};

/// Parses one selector into OR-ed groups of AND-ed matchers.
pub fn parse_series_selector(text: &str) -> Result<Vec<Vec<LabelMatcher>>, String> {
    if !is_selector_shaped(text) {
        return Err(NOT_A_SELECTOR.to_string());
    }
    let expr = promql_parser::parser::parse(text)?;
    let Expr::VectorSelector(selector) = expr else {
        return Err(NOT_A_SELECTOR.to_string());
    };
    if selector.offset.is_some() || selector.at.is_some() {
        return Err("a series selector takes no offset or @ modifier".to_string());
    }
    let groups = matcher_groups(&selector)?;
    if groups
        .iter()
        .any(|group| group.iter().all(LabelMatcher::matches_empty))
    {
        return Err(
            "vector selector must contain at least one matcher that does not match \
             the empty string"
                .to_string(),
        );
    }
    Ok(groups)
}

const NOT_A_SELECTOR: &str = "expected a series selector such as foo{bar=\"baz\"}";

/// Whether `text` has the shape of a series selector: an optional metric name,
/// then optionally one `{...}` block holding only names, quoted strings,
/// commas, matcher operators and `or`, then nothing. Checked before parsing so
/// that no expression (`-(-(...))`, `a or a or ...`) reaches the parser, whose
/// tree would be as deep as the input is long.
fn is_selector_shaped(text: &str) -> bool {
    let (name, block) = match text.find('{') {
        Some(at) => text.split_at(at),
        None => (text, ""),
    };
    let name = name.trim();
    if !name.chars().all(is_name_char) || (name.is_empty() && block.is_empty()) {
        return false;
    }
    let mut chars = block.chars();
    if chars.next().is_none() {
        return true;
    }
    while let Some(c) = chars.next() {
        let fits = match c {
            '"' | '\'' => skip_quoted(&mut chars, c, true),
            '`' => skip_quoted(&mut chars, c, false),
            '}' => return chars.all(char::is_whitespace),
            c => is_name_char(c) || c.is_whitespace() || matches!(c, ',' | '=' | '!' | '~'),
        };
        if !fits {
            return false;
        }
    }
    false
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == ':'
}

/// Advances past a string's closing quote; false when it is never closed.
fn skip_quoted(chars: &mut std::str::Chars<'_>, quote: char, escapes: bool) -> bool {
    while let Some(c) = chars.next() {
        if escapes && c == '\\' {
            chars.next();
        } else if c == quote {
            return true;
        }
    }
    false
}

/// The selector's matchers as groups, the metric name AND-ed into each.
fn matcher_groups(selector: &VectorSelector) -> Result<Vec<Vec<LabelMatcher>>, String> {
    let matchers = &selector.matchers;
    let parsed_groups: Vec<Vec<&ParsedMatcher>> = if matchers.or_matchers.is_empty() {
        vec![matchers.matchers.iter().collect()]
    } else {
        // Matchers outside any `or` branch (the parser leaves none today) hold
        // for every branch.
        matchers
            .or_matchers
            .iter()
            .map(|branch| branch.iter().chain(&matchers.matchers).collect())
            .collect()
    };
    let mut groups = Vec::with_capacity(parsed_groups.len());
    for parsed in parsed_groups {
        let mut group = Vec::with_capacity(parsed.len() + 1);
        if let Some(name) = &selector.name {
            group.push(LabelMatcher::equal(METRIC_NAME_LABEL, name.as_str()));
        }
        for matcher in parsed {
            group.push(convert(matcher)?);
        }
        groups.push(group);
    }
    Ok(groups)
}

fn convert(matcher: &ParsedMatcher) -> Result<LabelMatcher, String> {
    let (op, value) = match &matcher.op {
        ParsedOp::Equal => (MatchOp::Equal, matcher.value.clone()),
        ParsedOp::NotEqual => (MatchOp::NotEqual, matcher.value.clone()),
        ParsedOp::Re(regex) => (MatchOp::RegexMatch, regex_source(regex, &matcher.value)),
        ParsedOp::NotRe(regex) => (MatchOp::RegexNoMatch, regex_source(regex, &matcher.value)),
    };
    LabelMatcher::new(op, matcher.name.as_str(), value).map_err(|error| error.to_string())
}

/// The pattern as the parser compiled it, minus its anchoring. The parser
/// escapes braces that Go reads literally (`a{b}`) but Rust would reject, so its
/// pattern matches what Prometheus matches; [`LabelMatcher`] anchors it again.
fn regex_source(regex: &regex::Regex, original: &str) -> String {
    regex
        .as_str()
        .strip_prefix("^(?:")
        .and_then(|pattern| pattern.strip_suffix(")$"))
        .unwrap_or(original)
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn describe(groups: &[Vec<LabelMatcher>]) -> Vec<Vec<String>> {
        groups
            .iter()
            .map(|group| group.iter().map(ToString::to_string).collect())
            .collect()
    }

    fn parse(text: &str) -> Vec<Vec<String>> {
        describe(&parse_series_selector(text).expect("valid selector"))
    }

    #[test]
    fn metric_name_becomes_a_name_matcher() {
        assert_eq!(parse("up"), [["__name__=\"up\""]]);
        assert_eq!(
            parse("up{job=\"node\"}"),
            [["__name__=\"up\"", "job=\"node\""]]
        );
    }

    #[test]
    fn all_four_operators() {
        assert_eq!(
            parse(r#"{a="1", b!="2", c=~"x|y", d!~"z.*"}"#),
            [["a=\"1\"", "b!=\"2\"", "c=~\"x|y\"", "d!~\"z.*\""]]
        );
    }

    #[test]
    fn regexes_are_anchored() {
        let groups = parse_series_selector(r#"{job=~"no.e"}"#).expect("valid");
        let matcher = &groups[0][0];
        assert!(matcher.matches("node"));
        assert!(!matcher.matches("nodes"));
    }

    #[test]
    fn go_style_literal_braces_are_accepted() {
        let groups = parse_series_selector(r#"{path=~"/a{id}"}"#).expect("valid");
        assert!(groups[0][0].matches("/a{id}"));
    }

    #[test]
    fn or_inside_braces_gives_groups() {
        assert_eq!(
            parse(r#"foo{a="1" or b="2", c="3"}"#),
            [
                vec!["__name__=\"foo\"", "a=\"1\""],
                vec!["__name__=\"foo\"", "b=\"2\"", "c=\"3\""],
            ]
        );
    }

    #[test]
    fn selectors_matching_everything_are_rejected() {
        for bad in [
            "{}",
            r#"{a=""}"#,
            r#"{a=~".*"}"#,
            r#"{a!="x"}"#,
            r#"{a="1" or b=~".*"}"#,
        ] {
            assert!(
                parse_series_selector(bad).is_err(),
                "{bad:?} must be rejected"
            );
        }
        assert!(parse_series_selector(r#"{a=~".*", b="1"}"#).is_ok());
    }

    #[test]
    fn quoted_strings_may_hold_anything() {
        let groups = parse_series_selector(r#"{a=~"(x|-y)+", b='q\'(', c!~`[a-z]`}"#)
            .expect("valid selector");
        assert_eq!(groups[0].len(), 3);
        assert!(groups[0][0].matches("x-y"));
    }

    #[test]
    fn non_selectors_are_rejected() {
        for bad in &[
            "rate(up[5m])",
            "up[5m]",
            "up offset 5m",
            "up @ 100",
            "1",
            "up + up",
            "(up)",
            "up{",
            r#"{a=~"("}"#,
            "",
            "-up",
            "up{a=\"1\"",
            "up or down",
            "{a=\"x\"} / 2",
            "{a=\"x\"}{b=\"y\"}",
            "{a=\"x\" {b=\"y\"}}",
            &"-(".repeat(100_000),
            &"a or ".repeat(100_000),
        ] {
            assert!(
                parse_series_selector(bad).is_err(),
                "{bad:?} must be rejected"
            );
        }
    }
}
