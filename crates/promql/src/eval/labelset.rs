//! Label-set surgery and matching signatures, computed once per series.

use estuary_types::{Label, Labels, METRIC_NAME_LABEL};

/// Separates names and values in signatures; cannot occur in UTF-8 text.
const SEPARATOR: u8 = 0xff;

/// The labels whose names are in `names` (`by`, `on`).
pub(crate) fn keep(labels: &Labels, names: &[String]) -> Labels {
    let kept: Vec<Label> = labels
        .iter()
        .filter(|l| names.contains(&l.name))
        .cloned()
        .collect();
    Labels::new_last_wins(kept)
}

/// The labels whose names are not in `names`, and never `__name__` (`without`).
pub(crate) fn without(labels: &Labels, names: &[String]) -> Labels {
    let kept: Vec<Label> = labels
        .iter()
        .filter(|l| l.name != METRIC_NAME_LABEL && !names.contains(&l.name))
        .cloned()
        .collect();
    Labels::new_last_wins(kept)
}

/// The labels with `name` set to `value`; an empty value removes the label.
pub(crate) fn set(labels: &Labels, name: &str, value: &str) -> Labels {
    let mut all: Vec<Label> = labels.iter().filter(|l| l.name != name).cloned().collect();
    if !value.is_empty() {
        all.push(Label::new(name, value));
    }
    Labels::new_last_wins(all)
}

/// The labels without those named in `names`.
pub(crate) fn remove(labels: &Labels, names: &[String]) -> Labels {
    let kept: Vec<Label> = labels
        .iter()
        .filter(|l| !names.contains(&l.name))
        .cloned()
        .collect();
    Labels::new_last_wins(kept)
}

/// The matching signature of a series: its values of `names` when `on`,
/// otherwise of every label except `names` and `__name__`.
pub(crate) fn signature(labels: &Labels, on: bool, names: &[String]) -> Vec<u8> {
    let mut out = Vec::with_capacity(64);
    for label in labels.iter() {
        let listed = names.contains(&label.name);
        let included = if on {
            listed
        } else {
            !listed && label.name != METRIC_NAME_LABEL
        };
        if included {
            out.extend_from_slice(label.name.as_bytes());
            out.push(SEPARATOR);
            out.extend_from_slice(label.value.as_bytes());
            out.push(SEPARATOR);
        }
    }
    out
}

/// The label set as Prometheus prints it in error messages:
/// `{__name__="up", job="node"}` (every label inside the braces).
pub(crate) fn to_prometheus_string(labels: &Labels) -> String {
    let pairs: Vec<String> = labels
        .iter()
        .map(|l| format!("{}={:?}", l.name, l.value))
        .collect();
    format!("{{{}}}", pairs.join(", "))
}

/// Whether `name` is a valid Prometheus label name.
pub(crate) fn is_valid_label_name(name: &str) -> bool {
    let mut chars = name.chars();
    match chars.next() {
        Some(c) if c.is_ascii_alphabetic() || c == '_' => {}
        _ => return false,
    }
    chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_respect_on_and_ignoring() {
        let a = Labels::from_pairs(&[("__name__", "x"), ("job", "a"), ("i", "1")]);
        let b = Labels::from_pairs(&[("__name__", "y"), ("job", "a"), ("i", "2")]);
        let job = vec!["job".to_string()];
        let i = vec!["i".to_string()];
        assert_eq!(signature(&a, true, &job), signature(&b, true, &job));
        assert_ne!(signature(&a, false, &[]), signature(&b, false, &[]));
        assert_eq!(signature(&a, false, &i), signature(&b, false, &i));
    }

    #[test]
    fn label_names_are_validated() {
        assert!(is_valid_label_name("_a1"));
        assert!(!is_valid_label_name("1a"));
        assert!(!is_valid_label_name("invalid-label-name"));
        assert!(!is_valid_label_name(""));
    }
}
