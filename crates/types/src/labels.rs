//! Canonical label sets: the identity of a series within its tenant.

use crate::encoding::{DecodeError, put_len_prefixed, put_uvarint};
use crate::tenant::Tenant;
use std::fmt;
use thiserror::Error;

/// The label that holds the metric name.
pub const METRIC_NAME_LABEL: &str = "__name__";

/// Labels per series accepted when decoding a set; a guard against corrupt input,
/// far above any ingest limit.
pub(crate) const LABELS_DECODED_MAX: u64 = 4096;

/// One label pair.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Label {
    /// The label name.
    pub name: String,
    /// The label value (never empty inside [`Labels`]).
    pub value: String,
}

impl Label {
    /// Builds a label pair.
    pub fn new(name: impl Into<String>, value: impl Into<String>) -> Self {
        Label {
            name: name.into(),
            value: value.into(),
        }
    }
}

/// A label set that cannot be made canonical.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum LabelsError {
    /// Two labels share a name.
    #[error("duplicate label name {name:?}")]
    DuplicateName {
        /// The repeated name.
        name: String,
    },
    /// The encoded form is damaged.
    #[error("cannot decode label set: {0}")]
    Decode(#[from] DecodeError),
    /// A decoded name or value is not UTF-8.
    #[error("cannot decode label set: label {what} is not valid UTF-8")]
    NotUtf8 {
        /// "name" or "value".
        what: &'static str,
    },
    /// Names are out of order (canonical sets sort by name).
    #[error("label {name:?} is out of order")]
    NotSorted {
        /// The first name found out of order.
        name: String,
    },
    /// A canonical set holds no empty values.
    #[error("label {name:?} has an empty value")]
    EmptyValue {
        /// The label's name.
        name: String,
    },
    /// The encoded form claims more labels than any series can have.
    #[error("cannot decode label set: {count} labels exceed the limit of {LABELS_DECODED_MAX}")]
    TooMany {
        /// The claimed count.
        count: u64,
    },
}

/// A canonical label set: sorted by name, names unique, empty values dropped.
/// `__name__` is an ordinary member (it sorts first among the usual names
/// because `_` sorts before lowercase letters, but that is not relied upon).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Labels(Vec<Label>);

impl Labels {
    /// The empty label set.
    pub fn empty() -> Self {
        Labels(Vec::new())
    }

    /// Canonicalises `labels`: drops empty values, sorts by name, rejects
    /// duplicate names.
    pub fn new(mut labels: Vec<Label>) -> Result<Self, LabelsError> {
        labels.retain(|l| !l.value.is_empty());
        labels.sort_by(|a, b| a.name.cmp(&b.name));
        if let Some(pair) = labels.windows(2).find(|w| w[0].name == w[1].name) {
            return Err(LabelsError::DuplicateName {
                name: pair[0].name.clone(),
            });
        }
        Ok(Labels(labels))
    }

    /// Takes labels known to be canonical (from a checked [`EncodedLabels`](crate::EncodedLabels)).
    pub(crate) fn new_unchecked(labels: Vec<Label>) -> Self {
        Labels(labels)
    }

    /// Like [`Labels::new`], but a later label replaces an earlier one of the same
    /// name (how `extra_label` overrides work).
    pub fn new_last_wins(labels: Vec<Label>) -> Self {
        let mut labels: Vec<Label> = labels;
        // Stable sort keeps arrival order among equal names; keep the last of each run.
        labels.sort_by(|a, b| a.name.cmp(&b.name));
        let mut out: Vec<Label> = Vec::with_capacity(labels.len());
        for label in labels {
            match out.last_mut() {
                Some(last) if last.name == label.name => *last = label,
                _ => out.push(label),
            }
        }
        out.retain(|l| !l.value.is_empty());
        Labels(out)
    }

    /// Builds from `(name, value)` pairs; panics on duplicates (tests and literals).
    pub fn from_pairs(pairs: &[(&str, &str)]) -> Self {
        let labels = pairs.iter().map(|(n, v)| Label::new(*n, *v)).collect();
        match Labels::new(labels) {
            Ok(labels) => labels,
            Err(error) => panic!("BUG: literal label set is not canonical: {error}"),
        }
    }

    /// The labels in canonical order.
    pub fn iter(&self) -> std::slice::Iter<'_, Label> {
        self.0.iter()
    }

    /// How many labels the set holds.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether the set holds no label.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The value of `name`, if present.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .binary_search_by(|l| l.name.as_str().cmp(name))
            .ok()
            .map(|i| self.0[i].value.as_str())
    }

    /// The metric name, if present.
    pub fn metric_name(&self) -> Option<&str> {
        self.get(METRIC_NAME_LABEL)
    }

    /// Gives the labels back as a vector.
    pub fn into_vec(self) -> Vec<Label> {
        self.0
    }

    /// A copy without `__name__`.
    pub fn without_metric_name(&self) -> Labels {
        Labels(
            self.0
                .iter()
                .filter(|l| l.name != METRIC_NAME_LABEL)
                .cloned()
                .collect(),
        )
    }

    /// Appends the encoded set: a varint count, then per label a length-prefixed
    /// name and a length-prefixed value.
    pub fn encode(&self, dst: &mut Vec<u8>) {
        put_uvarint(dst, self.0.len() as u64);
        for label in &self.0 {
            put_len_prefixed(dst, label.name.as_bytes());
            put_len_prefixed(dst, label.value.as_bytes());
        }
    }

    /// The encoded set as a fresh vector.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(16 * self.0.len() + 1);
        self.encode(&mut out);
        out
    }

    /// Decodes a set written by [`Labels::encode`]; returns it and the unread tail.
    /// The decoded set is checked to be canonical (as [`EncodedLabels::decode`](crate::EncodedLabels::decode)).
    pub fn decode(src: &[u8]) -> Result<(Labels, &[u8]), LabelsError> {
        let mut labels = Vec::new();
        let tail = crate::encoded_labels::decode_canonical_pairs(src, |name, value| {
            labels.push(Label::new(name, value));
        })?;
        Ok((Labels(labels), tail))
    }

    /// The 64-bit placement hash of a series: xxh3 over the tenant and the
    /// encoded canonical labels.
    pub fn series_hash(&self, tenant: Tenant) -> u64 {
        series_hash_of_encoded(tenant, &self.to_bytes())
    }
}

/// [`Labels::series_hash`] of a label set already in the form
/// [`Labels::encode`] writes, without encoding it again.
pub fn series_hash_of_encoded(tenant: Tenant, labels_encoded: &[u8]) -> u64 {
    let mut hasher = xxhash_rust::xxh3::Xxh3::new();
    hasher.update(&tenant.to_key_bytes());
    hasher.update(labels_encoded);
    hasher.digest()
}

impl<'a> IntoIterator for &'a Labels {
    type Item = &'a Label;
    type IntoIter = std::slice::Iter<'a, Label>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

/// Prometheus notation: `name{a="b", c="d"}`.
impl fmt::Display for Labels {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt_prometheus(
            f,
            self.0.iter().map(|l| (l.name.as_str(), l.value.as_str())),
        )
    }
}

/// Writes canonical pairs in Prometheus notation: `name{a="b", c="d"}`.
pub(crate) fn fmt_prometheus<'a>(
    f: &mut fmt::Formatter<'_>,
    pairs: impl Iterator<Item = (&'a str, &'a str)> + Clone,
) -> fmt::Result {
    if let Some((_, name)) = pairs.clone().find(|(n, _)| *n == METRIC_NAME_LABEL) {
        f.write_str(name)?;
    }
    f.write_str("{")?;
    let mut first = true;
    for (name, value) in pairs.filter(|(n, _)| *n != METRIC_NAME_LABEL) {
        if !first {
            f.write_str(", ")?;
        }
        first = false;
        write!(f, "{name}={value:?}")?;
    }
    f.write_str("}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn canonical_form_sorts_and_drops_empty_values() {
        let labels = Labels::new(vec![
            Label::new("job", "node"),
            Label::new("__name__", "up"),
            Label::new("empty", ""),
        ])
        .expect("canonical");
        let names: Vec<_> = labels.iter().map(|l| l.name.as_str()).collect();
        assert_eq!(names, ["__name__", "job"]);
        assert_eq!(labels.get("job"), Some("node"));
        assert_eq!(labels.to_string(), "up{job=\"node\"}");
    }

    #[test]
    fn duplicate_names_are_rejected_or_overridden() {
        let pairs = vec![Label::new("a", "1"), Label::new("a", "2")];
        assert!(Labels::new(pairs.clone()).is_err());
        assert_eq!(Labels::new_last_wins(pairs).get("a"), Some("2"));
    }

    #[test]
    fn tenant_changes_the_hash() {
        let labels = Labels::from_pairs(&[("__name__", "up")]);
        assert_ne!(
            labels.series_hash(Tenant::new(1, 0)),
            labels.series_hash(Tenant::new(2, 0))
        );
    }

    proptest! {
        #[test]
        fn encoding_round_trips(pairs in proptest::collection::btree_map("[a-z_]{1,8}", ".{1,12}", 0..10)) {
            let labels = Labels::new(pairs.iter().map(|(n, v)| Label::new(n.as_str(), v.as_str())).collect()).expect("canonical");
            let mut buf = vec![0xAA];
            labels.encode(&mut buf);
            let (decoded, tail) = Labels::decode(&buf[1..]).expect("decode");
            prop_assert_eq!(decoded, labels);
            prop_assert!(tail.is_empty());
        }

        #[test]
        fn garbage_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
            let _ = Labels::decode(&bytes);
        }
    }
}
