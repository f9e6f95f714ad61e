//! `label_replace` and `label_join`: new label sets computed once per series.

use crate::error::EvalError;
use crate::eval::labelset;
use estuary_types::Labels;
use regex::Regex;

/// A compiled `label_replace(v, dst, replacement, src, regex)`.
pub(crate) struct LabelReplace {
    dst: String,
    replacement: String,
    src: String,
    regex: Regex,
}

impl LabelReplace {
    /// Compiles the regex (anchored at both ends) and checks the destination.
    pub fn new(dst: &str, replacement: &str, src: &str, regex: &str) -> Result<Self, EvalError> {
        let regex = Regex::new(&format!("^(?:{regex})$")).map_err(|_| {
            EvalError::exec(format!(
                "invalid regular expression in label_replace(): {regex}"
            ))
        })?;
        if !labelset::is_valid_label_name(dst) {
            return Err(EvalError::exec(format!(
                "invalid destination label name in label_replace(): {dst}"
            )));
        }
        Ok(LabelReplace {
            dst: dst.to_string(),
            replacement: replacement.to_string(),
            src: src.to_string(),
            regex,
        })
    }

    /// The new label set: unchanged unless the regex matches the source value;
    /// then `dst` is the expanded replacement (removed when empty).
    pub fn apply(&self, labels: &Labels) -> Labels {
        let source = labels.get(&self.src).unwrap_or("");
        let Some(captures) = self.regex.captures(source) else {
            return labels.clone();
        };
        // Rust's `$name`/`${name}` expansion follows the same rules as Go's
        // `Regexp.Expand` (longest name, unknown groups expand to nothing).
        let mut value = String::new();
        captures.expand(&self.replacement, &mut value);
        labelset::set(labels, &self.dst, &value)
    }
}

/// A checked `label_join(v, dst, separator, src...)`.
pub(crate) struct LabelJoin {
    dst: String,
    separator: String,
    sources: Vec<String>,
}

impl LabelJoin {
    /// Checks the label names.
    pub fn new(dst: &str, separator: &str, sources: Vec<String>) -> Result<Self, EvalError> {
        if !labelset::is_valid_label_name(dst) {
            return Err(EvalError::exec(format!(
                "invalid destination label name in label_join(): {dst}"
            )));
        }
        if let Some(bad) = sources.iter().find(|s| !labelset::is_valid_label_name(s)) {
            return Err(EvalError::exec(format!(
                "invalid source label name in label_join(): {bad}"
            )));
        }
        Ok(LabelJoin {
            dst: dst.to_string(),
            separator: separator.to_string(),
            sources,
        })
    }

    /// The new label set with `dst` set to the joined source values (removed
    /// when the result is empty).
    pub fn apply(&self, labels: &Labels) -> Labels {
        let values: Vec<&str> = self
            .sources
            .iter()
            .map(|s| labels.get(s).unwrap_or(""))
            .collect();
        labelset::set(labels, &self.dst, &values.join(&self.separator))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replace_expands_groups_and_needs_a_full_match() {
        let labels = Labels::from_pairs(&[("src", "source-value-10"), ("dst", "x")]);
        let r = LabelReplace::new("dst", "destination-value-$1", "src", "source-value-(.*)")
            .expect("valid");
        assert_eq!(r.apply(&labels).get("dst"), Some("destination-value-10"));
        let partial = LabelReplace::new("dst", "v-$1", "src", "value-(.*)").expect("valid");
        assert_eq!(partial.apply(&labels).get("dst"), Some("x"));
    }

    #[test]
    fn replace_rejects_bad_input() {
        assert!(LabelReplace::new("dst", "", "src", "(.*").is_err());
        assert!(LabelReplace::new("invalid-label-name", "", "src", "(.*)").is_err());
    }

    #[test]
    fn join_treats_missing_sources_as_empty() {
        let labels = Labels::from_pairs(&[("a", "1"), ("b", "2")]);
        let j = LabelJoin::new("dst", "-", vec!["a".into(), "missing".into(), "b".into()])
            .expect("valid");
        assert_eq!(j.apply(&labels).get("dst"), Some("1--2"));
    }
}
