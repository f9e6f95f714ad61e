//! Labels added to every series of a request: `extra_label=name=value` query
//! args and the labels of a Pushgateway path.

use crate::error::InsertError;
use crate::validate::is_label_name;

/// Labels set on every series of a request, overriding the series' own labels
/// of the same name. Sorted by name with one entry per name; of repeated names
/// the last given wins. An empty value removes the label from every series.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExtraLabels(Vec<(String, String)>);

impl ExtraLabels {
    /// No extra label.
    pub fn none() -> Self {
        ExtraLabels(Vec::new())
    }

    /// Builds the set from pairs in the order given; later pairs win.
    pub fn new(pairs: Vec<(String, String)>) -> Self {
        let mut pairs = pairs;
        // Stable: among equal names the arrival order is kept, the last one wins.
        pairs.sort_by(|a, b| a.0.cmp(&b.0));
        let mut unique: Vec<(String, String)> = Vec::with_capacity(pairs.len());
        for pair in pairs {
            match unique.last_mut() {
                Some(last) if last.0 == pair.0 => *last = pair,
                _ => unique.push(pair),
            }
        }
        ExtraLabels(unique)
    }

    /// Parses the values of the `extra_label` query args, each `name=value`.
    pub fn parse_args(args: &[String]) -> Result<Vec<(String, String)>, InsertError> {
        args.iter().map(|arg| parse_arg(arg)).collect()
    }

    /// The labels, sorted by name.
    pub fn pairs(&self) -> &[(String, String)] {
        &self.0
    }

    /// Whether there is no extra label.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

fn parse_arg(arg: &str) -> Result<(String, String), InsertError> {
    let error = |reason| InsertError::ExtraLabel {
        arg: arg.to_string(),
        reason,
    };
    let (name, value) = arg
        .split_once('=')
        .ok_or_else(|| error("expected name=value"))?;
    if name.is_empty() {
        return Err(error("the label name is empty"));
    }
    if !is_label_name(name) {
        return Err(error(
            "the label name does not match [a-zA-Z_][a-zA-Z0-9_]*",
        ));
    }
    Ok((name.to_string(), value.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(values: &[&str]) -> Vec<String> {
        values.iter().map(|v| v.to_string()).collect()
    }

    #[test]
    fn parses_name_value_and_keeps_equals_in_the_value() {
        let pairs =
            ExtraLabels::parse_args(&args(&["env=prod", "expr=a=b", "empty="])).expect("valid");
        assert_eq!(
            pairs,
            vec![
                ("env".into(), "prod".into()),
                ("expr".into(), "a=b".into()),
                ("empty".into(), String::new()),
            ]
        );
    }

    #[test]
    fn rejects_malformed_args() {
        for bad in ["noequals", "=value", "bad-name=x", "1x=y"] {
            let error = ExtraLabels::parse_args(&args(&[bad])).expect_err(bad);
            assert!(matches!(error, InsertError::ExtraLabel { .. }), "{bad}");
        }
    }

    #[test]
    fn later_pairs_win_and_the_set_is_sorted() {
        let labels = ExtraLabels::new(vec![
            ("job".into(), "a".into()),
            ("env".into(), "x".into()),
            ("job".into(), "b".into()),
        ]);
        assert_eq!(
            labels.pairs(),
            &[("env".into(), "x".into()), ("job".into(), "b".into())]
        );
    }
}
