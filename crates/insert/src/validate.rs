//! Series validation: how many labels, how long their names and values, and
//! whether names are Prometheus identifiers. Works on borrowed `&str` pairs, so
//! a series is checked before anything of it is copied.

use estuary_types::METRIC_NAME_LABEL;
use std::fmt;

/// Limits every ingested series must respect. A series over any of them is
/// dropped whole (never truncated).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Labels per series, `__name__` included (`-maxLabelsPerTimeseries`).
    pub labels_per_series_max: usize,
    /// Bytes of one label name (`-maxLabelNameLen`).
    pub label_name_bytes_max: usize,
    /// Bytes of one label value (`-maxLabelValueLen`).
    pub label_value_bytes_max: usize,
}

impl Default for Limits {
    /// VictoriaMetrics's defaults: 40 labels, 256-byte names, 4096-byte values.
    fn default() -> Self {
        Limits {
            labels_per_series_max: 40,
            label_name_bytes_max: 256,
            label_value_bytes_max: 4096,
        }
    }
}

/// Why a series was dropped: the `reason` label of `vm_rows_ignored_total`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DropReason {
    /// More labels than `-maxLabelsPerTimeseries`.
    TooManyLabels,
    /// A label name longer than `-maxLabelNameLen`.
    TooLongLabelName,
    /// A label value longer than `-maxLabelValueLen`.
    TooLongLabelValue,
    /// A label name that is not `[a-zA-Z_][a-zA-Z0-9_]*`.
    InvalidLabelName,
    /// A metric name that is not `[a-zA-Z_:][a-zA-Z0-9_:]*`.
    InvalidMetricName,
    /// Two labels of the series share a name.
    DuplicateLabelName,
    /// No label is left once empty values are dropped.
    NoLabels,
}

impl DropReason {
    /// How many reasons there are.
    pub const COUNT: usize = 7;

    /// Every reason, in [`DropReason::index`] order.
    pub const ALL: [DropReason; DropReason::COUNT] = [
        DropReason::TooManyLabels,
        DropReason::TooLongLabelName,
        DropReason::TooLongLabelValue,
        DropReason::InvalidLabelName,
        DropReason::InvalidMetricName,
        DropReason::DuplicateLabelName,
        DropReason::NoLabels,
    ];

    /// The value of the `reason` metric label.
    pub fn as_str(self) -> &'static str {
        match self {
            DropReason::TooManyLabels => "too_many_labels",
            DropReason::TooLongLabelName => "too_long_label_name",
            DropReason::TooLongLabelValue => "too_long_label_value",
            DropReason::InvalidLabelName => "invalid_label_name",
            DropReason::InvalidMetricName => "invalid_metric_name",
            DropReason::DuplicateLabelName => "duplicate_label_name",
            DropReason::NoLabels => "no_labels",
        }
    }

    /// A dense index, for per-reason arrays.
    pub fn index(self) -> usize {
        self as usize
    }
}

/// What is wrong with one series; borrows the offending name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Violation<'a> {
    /// `count` labels, over `max`.
    TooManyLabels {
        /// Labels in the series.
        count: usize,
        /// The limit.
        max: usize,
    },
    /// The name `name` is longer than `max` bytes.
    TooLongLabelName {
        /// The name.
        name: &'a str,
        /// The limit.
        max: usize,
    },
    /// The value of `name` is `len` bytes, over `max`.
    TooLongLabelValue {
        /// The label whose value is too long.
        name: &'a str,
        /// The value's length in bytes.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// The label name is not a Prometheus identifier.
    InvalidLabelName {
        /// The name.
        name: &'a str,
    },
    /// The metric name is not a Prometheus metric identifier.
    InvalidMetricName {
        /// The metric name.
        name: &'a str,
    },
    /// `name` appears more than once.
    DuplicateLabelName {
        /// The repeated name.
        name: &'a str,
    },
    /// Nothing is left once empty values are dropped.
    NoLabels,
}

impl Violation<'_> {
    /// The metric reason this violation counts under.
    pub fn reason(&self) -> DropReason {
        match self {
            Violation::TooManyLabels { .. } => DropReason::TooManyLabels,
            Violation::TooLongLabelName { .. } => DropReason::TooLongLabelName,
            Violation::TooLongLabelValue { .. } => DropReason::TooLongLabelValue,
            Violation::InvalidLabelName { .. } => DropReason::InvalidLabelName,
            Violation::InvalidMetricName { .. } => DropReason::InvalidMetricName,
            Violation::DuplicateLabelName { .. } => DropReason::DuplicateLabelName,
            Violation::NoLabels => DropReason::NoLabels,
        }
    }
}

/// Characters of a name shown in an error message; the rest is elided.
const NAME_SHOWN_CHARS_MAX: usize = 64;

impl fmt::Display for Violation<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Violation::TooManyLabels { count, max } => {
                write!(f, "{count} labels exceed -maxLabelsPerTimeseries={max}")
            }
            Violation::TooLongLabelName { name, max } => write!(
                f,
                "label name {:?} is {} bytes, over -maxLabelNameLen={max}",
                Shortened(name),
                name.len()
            ),
            Violation::TooLongLabelValue { name, len, max } => write!(
                f,
                "value of label {:?} is {len} bytes, over -maxLabelValueLen={max}",
                Shortened(name)
            ),
            Violation::InvalidLabelName { name } => write!(
                f,
                "label name {:?} does not match [a-zA-Z_][a-zA-Z0-9_]*",
                Shortened(name)
            ),
            Violation::InvalidMetricName { name } => write!(
                f,
                "metric name {:?} does not match [a-zA-Z_:][a-zA-Z0-9_:]*",
                Shortened(name)
            ),
            Violation::DuplicateLabelName { name } => {
                write!(f, "label {:?} appears more than once", Shortened(name))
            }
            Violation::NoLabels => f.write_str("series has no labels"),
        }
    }
}

/// A string cut to [`NAME_SHOWN_CHARS_MAX`] characters for messages.
pub(crate) struct Shortened<'a>(pub &'a str);

impl fmt::Debug for Shortened<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0.char_indices().nth(NAME_SHOWN_CHARS_MAX) {
            None => write!(f, "{:?}", self.0),
            Some((cut, _)) => write!(f, "{:?}...", &self.0[..cut]),
        }
    }
}

/// Checks a final label set (extra labels applied, empty values removed).
pub fn check_labels<'a>(
    labels: &[(&'a str, &'a str)],
    limits: &Limits,
) -> Result<(), Violation<'a>> {
    if labels.is_empty() {
        return Err(Violation::NoLabels);
    }
    if labels.len() > limits.labels_per_series_max {
        return Err(Violation::TooManyLabels {
            count: labels.len(),
            max: limits.labels_per_series_max,
        });
    }
    for &(name, value) in labels {
        if name.len() > limits.label_name_bytes_max {
            return Err(Violation::TooLongLabelName {
                name,
                max: limits.label_name_bytes_max,
            });
        }
        if value.len() > limits.label_value_bytes_max {
            return Err(Violation::TooLongLabelValue {
                name,
                len: value.len(),
                max: limits.label_value_bytes_max,
            });
        }
        if !is_label_name(name) {
            return Err(Violation::InvalidLabelName { name });
        }
        if name == METRIC_NAME_LABEL && !is_metric_name(value) {
            return Err(Violation::InvalidMetricName { name: value });
        }
    }
    Ok(())
}

/// The first name that appears twice in labels sorted by name.
pub fn find_duplicate_name<'a>(sorted: &[(&'a str, &'a str)]) -> Option<&'a str> {
    sorted.windows(2).find_map(|pair| match pair {
        [(a, _), (b, _)] if a == b => Some(*a),
        _ => None,
    })
}

/// Whether `name` is a Prometheus label name: `[a-zA-Z_][a-zA-Z0-9_]*`.
pub fn is_label_name(name: &str) -> bool {
    is_identifier(name, false)
}

/// Whether `name` is a Prometheus metric name: `[a-zA-Z_:][a-zA-Z0-9_:]*`.
pub fn is_metric_name(name: &str) -> bool {
    is_identifier(name, true)
}

#[inline]
fn is_identifier(name: &str, colon_allowed: bool) -> bool {
    let bytes = name.as_bytes();
    let Some((&first, rest)) = bytes.split_first() else {
        return false;
    };
    let word = |b: u8| b.is_ascii_alphanumeric() || b == b'_' || (colon_allowed && b == b':');
    !first.is_ascii_digit() && word(first) && rest.iter().all(|&b| word(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMITS: Limits = Limits {
        labels_per_series_max: 3,
        label_name_bytes_max: 8,
        label_value_bytes_max: 5,
    };

    #[test]
    fn identifiers_follow_prometheus() {
        for good in ["a", "_", "job", "__name__", "A9_z"] {
            assert!(is_label_name(good), "{good}");
        }
        for bad in ["", "9a", "a-b", "a:b", "é", "a b"] {
            assert!(!is_label_name(bad), "{bad}");
        }
        for good in ["up", "a:b:c", ":x", "node_cpu_seconds_total"] {
            assert!(is_metric_name(good), "{good}");
        }
        for bad in ["", "1x", "a.b", "a-b"] {
            assert!(!is_metric_name(bad), "{bad}");
        }
    }

    #[test]
    fn each_limit_yields_its_reason() {
        let check = |labels: &[(&str, &str)]| check_labels(labels, &LIMITS).map_err(|v| v.reason());
        assert_eq!(check(&[("__name__", "up"), ("job", "x")]), Ok(()));
        assert_eq!(
            check(&[("a", "1"), ("b", "1"), ("c", "1"), ("d", "1")]),
            Err(DropReason::TooManyLabels)
        );
        assert_eq!(
            check(&[("abcdefghi", "1")]),
            Err(DropReason::TooLongLabelName)
        );
        assert_eq!(
            check(&[("a", "123456")]),
            Err(DropReason::TooLongLabelValue)
        );
        assert_eq!(check(&[("a-b", "1")]), Err(DropReason::InvalidLabelName));
        assert_eq!(
            check(&[("__name__", "a.b")]),
            Err(DropReason::InvalidMetricName)
        );
        assert_eq!(check(&[]), Err(DropReason::NoLabels));
    }

    #[test]
    fn messages_name_the_flag_and_the_label() {
        let violation = check_labels(&[("a", "123456")], &LIMITS).expect_err("too long");
        assert_eq!(
            violation.to_string(),
            "value of label \"a\" is 6 bytes, over -maxLabelValueLen=5"
        );
        let long = "x".repeat(100);
        let shown = Violation::InvalidLabelName { name: &long }.to_string();
        assert!(shown.contains("\"... does not match"), "{shown}");
    }

    #[test]
    fn duplicates_are_found_in_sorted_labels() {
        assert_eq!(find_duplicate_name(&[("a", "1"), ("b", "2")]), None);
        assert_eq!(find_duplicate_name(&[("a", "1"), ("a", "2")]), Some("a"));
    }

    #[test]
    fn reasons_are_indexed_densely() {
        for (index, reason) in DropReason::ALL.iter().enumerate() {
            assert_eq!(reason.index(), index);
        }
    }
}
