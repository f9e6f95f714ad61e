//! Label matchers: the four PromQL operators, with regexes anchored as Prometheus
//! anchors them.

use regex::Regex;
use std::fmt;
use thiserror::Error;

/// The matcher operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MatchOp {
    /// `=`
    Equal,
    /// `!=`
    NotEqual,
    /// `=~`
    RegexMatch,
    /// `!~`
    RegexNoMatch,
}

/// A matcher whose regex does not compile.
#[derive(Debug, Error)]
#[error("invalid regex {pattern:?} for label {name:?}: {source}")]
pub struct MatcherError {
    /// The label name.
    pub name: String,
    /// The rejected pattern.
    pub pattern: String,
    /// The compiler's complaint.
    #[source]
    pub source: regex::Error,
}

/// One label matcher. A missing label matches as the empty string, as in PromQL.
#[derive(Debug, Clone)]
pub struct LabelMatcher {
    /// The label name.
    pub name: String,
    /// The operator.
    pub op: MatchOp,
    /// The literal value or the regex source.
    pub value: String,
    regex: Option<Regex>,
}

impl LabelMatcher {
    /// Builds a matcher; regexes are anchored at both ends.
    pub fn new(
        op: MatchOp,
        name: impl Into<String>,
        value: impl Into<String>,
    ) -> Result<Self, MatcherError> {
        let name = name.into();
        let value = value.into();
        let regex = match op {
            MatchOp::Equal | MatchOp::NotEqual => None,
            MatchOp::RegexMatch | MatchOp::RegexNoMatch => {
                let anchored = format!("^(?:{value})$");
                Some(Regex::new(&anchored).map_err(|source| MatcherError {
                    name: name.clone(),
                    pattern: value.clone(),
                    source,
                })?)
            }
        };
        Ok(LabelMatcher {
            name,
            op,
            value,
            regex,
        })
    }

    /// An `=` matcher (cannot fail).
    pub fn equal(name: impl Into<String>, value: impl Into<String>) -> Self {
        LabelMatcher {
            name: name.into(),
            op: MatchOp::Equal,
            value: value.into(),
            regex: None,
        }
    }

    /// Whether `value` (the empty string for an absent label) satisfies the matcher.
    pub fn matches(&self, value: &str) -> bool {
        match (self.op, &self.regex) {
            (MatchOp::Equal, _) => value == self.value,
            (MatchOp::NotEqual, _) => value != self.value,
            (MatchOp::RegexMatch, Some(re)) => re.is_match(value),
            (MatchOp::RegexNoMatch, Some(re)) => !re.is_match(value),
            (MatchOp::RegexMatch | MatchOp::RegexNoMatch, None) => {
                panic!(
                    "BUG: regex matcher for {:?} has no compiled regex",
                    self.name
                )
            }
        }
    }

    /// Whether a series without this label would match.
    pub fn matches_empty(&self) -> bool {
        self.matches("")
    }

    /// For `=~` matchers that are a plain alternation of literals (`a|b|c`), the
    /// literals; lets the index look them up directly instead of scanning values.
    pub fn literal_alternatives(&self) -> Option<Vec<String>> {
        if self.op != MatchOp::RegexMatch {
            return None;
        }
        let is_literal = |s: &str| {
            !s.is_empty()
                && s.chars().all(|c| {
                    c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | ':' | '/' | ' ' | ',')
                })
        };
        let parts: Vec<String> = self.value.split('|').map(str::to_string).collect();
        parts.iter().all(|p| is_literal(p)).then_some(parts)
    }
}

impl fmt::Display for LabelMatcher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let op = match self.op {
            MatchOp::Equal => "=",
            MatchOp::NotEqual => "!=",
            MatchOp::RegexMatch => "=~",
            MatchOp::RegexNoMatch => "!~",
        };
        write!(f, "{}{}{:?}", self.name, op, self.value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regexes_are_anchored() {
        let m = LabelMatcher::new(MatchOp::RegexMatch, "job", "no.e").expect("valid");
        assert!(m.matches("node"));
        assert!(!m.matches("nodes"));
        assert!(!m.matches_empty());
    }

    #[test]
    fn negative_matchers_match_absent_labels() {
        let m = LabelMatcher::new(MatchOp::NotEqual, "job", "x").expect("valid");
        assert!(m.matches_empty());
        let m = LabelMatcher::new(MatchOp::RegexMatch, "job", ".*").expect("valid");
        assert!(m.matches_empty());
    }

    #[test]
    fn literal_alternatives_are_recognised() {
        let m = LabelMatcher::new(MatchOp::RegexMatch, "mode", "user|system").expect("valid");
        assert_eq!(
            m.literal_alternatives(),
            Some(vec!["user".into(), "system".into()])
        );
        let m = LabelMatcher::new(MatchOp::RegexMatch, "mode", "us.*").expect("valid");
        assert_eq!(m.literal_alternatives(), None);
    }

    #[test]
    fn bad_regex_is_an_error() {
        assert!(LabelMatcher::new(MatchOp::RegexMatch, "a", "(").is_err());
    }
}
