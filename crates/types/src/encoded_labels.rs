//! [`EncodedLabels`]: a canonical label set held in the form [`Labels::encode`]
//! writes, as one buffer.
//!
//! Writes carry labels this way: ingest builds one buffer per series straight
//! from the request's borrowed strings, and storage uses the bytes as they are
//! for its registry, write-ahead log and index, where [`Labels`] would cost two
//! allocations per label and an encoding per write.

use crate::encoding::{get_len_prefixed, get_uvarint, put_len_prefixed, put_uvarint};
use crate::labels::{
    LABELS_DECODED_MAX, Label, Labels, LabelsError, fmt_prometheus, series_hash_of_encoded,
};
use crate::tenant::Tenant;
use std::fmt;

/// A canonical label set (sorted by name, names unique, values not empty) in
/// its encoded form. Every constructor checks the invariants, so the bytes
/// always decode.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct EncodedLabels(Box<[u8]>);

impl EncodedLabels {
    /// Encodes pairs that are already canonical: sorted by name, names unique,
    /// values not empty. Anything else is an error, not a reordering.
    pub fn from_canonical_pairs(pairs: &[(&str, &str)]) -> Result<Self, LabelsError> {
        let mut previous = None;
        for &(name, value) in pairs {
            check_canonical_next(previous, name, value)?;
            previous = Some(name);
        }
        let size = 1 + pairs
            .iter()
            .map(|(name, value)| name.len() + value.len() + 4)
            .sum::<usize>();
        let mut bytes = Vec::with_capacity(size);
        put_uvarint(&mut bytes, pairs.len() as u64);
        for (name, value) in pairs {
            put_len_prefixed(&mut bytes, name.as_bytes());
            put_len_prefixed(&mut bytes, value.as_bytes());
        }
        Ok(EncodedLabels(bytes.into_boxed_slice()))
    }

    /// Checks bytes written by [`Labels::encode`] (UTF-8, canonical order) and
    /// takes the set; returns it and the unread tail.
    pub fn decode(src: &[u8]) -> Result<(Self, &[u8]), LabelsError> {
        let tail = decode_canonical_pairs(src, |_, _| {})?;
        let used = src.len() - tail.len();
        Ok((EncodedLabels(src[..used].into()), tail))
    }

    /// The encoded bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// The label pairs, in canonical order.
    pub fn pairs(&self) -> Pairs<'_> {
        Pairs {
            raw: self.raw_pairs(),
        }
    }

    /// The label pairs as bytes, without the UTF-8 check [`EncodedLabels::pairs`]
    /// repeats, for callers that only look at bytes.
    pub fn raw_pairs(&self) -> RawPairs<'_> {
        let (count, rest) = get_uvarint(&self.0, "label count").unwrap_or((0, &[]));
        RawPairs {
            remaining: count,
            rest,
        }
    }

    /// Labels in the set.
    pub fn len(&self) -> usize {
        self.raw_pairs().remaining as usize
    }

    /// Whether the set holds no labels.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The value of the label `name`, if present.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.pairs()
            .find(|(n, _)| *n == name)
            .map(|(_, value)| value)
    }

    /// The metric name (`__name__`), if present.
    pub fn metric_name(&self) -> Option<&str> {
        self.get(crate::labels::METRIC_NAME_LABEL)
    }

    /// The set as [`Labels`].
    pub fn to_labels(&self) -> Labels {
        Labels::new_unchecked(
            self.pairs()
                .map(|(name, value)| Label::new(name, value))
                .collect(),
        )
    }

    /// [`Labels::series_hash`] of the set.
    pub fn series_hash(&self, tenant: Tenant) -> u64 {
        series_hash_of_encoded(tenant, &self.0)
    }
}

impl From<&Labels> for EncodedLabels {
    fn from(labels: &Labels) -> Self {
        EncodedLabels(labels.to_bytes().into_boxed_slice())
    }
}

impl From<Labels> for EncodedLabels {
    fn from(labels: Labels) -> Self {
        EncodedLabels::from(&labels)
    }
}

/// Whether `(name, value)` may follow a label named `previous` in a
/// canonical set: names strictly ascending (so unique), values not empty.
fn check_canonical_next(
    previous: Option<&str>,
    name: &str,
    value: &str,
) -> Result<(), LabelsError> {
    match previous {
        Some(before) if before == name => Err(LabelsError::DuplicateName {
            name: name.to_owned(),
        }),
        Some(before) if before > name => Err(LabelsError::NotSorted {
            name: name.to_owned(),
        }),
        _ if value.is_empty() => Err(LabelsError::EmptyValue {
            name: name.to_owned(),
        }),
        _ => Ok(()),
    }
}

/// Reads a set written by [`Labels::encode`], checking that it is UTF-8 and
/// canonical, and hands each pair to `visit`; returns the unread tail. One
/// pass serves both [`EncodedLabels::decode`] and [`Labels::decode`].
pub(crate) fn decode_canonical_pairs<'a>(
    src: &'a [u8],
    mut visit: impl FnMut(&'a str, &'a str),
) -> Result<&'a [u8], LabelsError> {
    let (count, mut tail) = get_uvarint(src, "label count")?;
    if count > LABELS_DECODED_MAX {
        return Err(LabelsError::TooMany { count });
    }
    let mut previous: Option<&str> = None;
    for _ in 0..count {
        let (name, rest) = get_len_prefixed(tail, "label name")?;
        let (value, rest) = get_len_prefixed(rest, "label value")?;
        tail = rest;
        let name = std::str::from_utf8(name).map_err(|_| LabelsError::NotUtf8 { what: "name" })?;
        let value =
            std::str::from_utf8(value).map_err(|_| LabelsError::NotUtf8 { what: "value" })?;
        check_canonical_next(previous, name, value)?;
        visit(name, value);
        previous = Some(name);
    }
    Ok(tail)
}

/// Equal when `labels` encodes to these bytes.
impl PartialEq<Labels> for EncodedLabels {
    fn eq(&self, labels: &Labels) -> bool {
        self.len() == labels.len()
            && self
                .pairs()
                .zip(labels.iter())
                .all(|((name, value), label)| name == label.name && value == label.value)
    }
}

/// The pairs of an [`EncodedLabels`], as `(name, value)` bytes.
#[derive(Debug, Clone)]
pub struct RawPairs<'a> {
    remaining: u64,
    rest: &'a [u8],
}

impl<'a> Iterator for RawPairs<'a> {
    type Item = (&'a [u8], &'a [u8]);

    fn next(&mut self) -> Option<Self::Item> {
        if self.remaining == 0 {
            return None;
        }
        // The constructors checked the bytes; should they not decode, the
        // iteration ends.
        let (name, rest) = get_len_prefixed(self.rest, "label name").ok()?;
        let (value, rest) = get_len_prefixed(rest, "label value").ok()?;
        self.rest = rest;
        self.remaining -= 1;
        Some((name, value))
    }
}

/// The pairs of an [`EncodedLabels`], as `(name, value)` strings.
#[derive(Debug, Clone)]
pub struct Pairs<'a> {
    raw: RawPairs<'a>,
}

impl<'a> Iterator for Pairs<'a> {
    type Item = (&'a str, &'a str);

    fn next(&mut self) -> Option<Self::Item> {
        let (name, value) = self.raw.next()?;
        Some((
            std::str::from_utf8(name).ok()?,
            std::str::from_utf8(value).ok()?,
        ))
    }
}

/// Prometheus notation, as [`Labels`] prints it.
impl fmt::Display for EncodedLabels {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt_prometheus(f, self.pairs())
    }
}

impl fmt::Debug for EncodedLabels {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "EncodedLabels({self})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_pairs_encode_as_labels_do() {
        let pairs = [("__name__", "up"), ("instance", "a:9100"), ("job", "node")];
        let encoded = EncodedLabels::from_canonical_pairs(&pairs).expect("canonical");
        let labels = Labels::from_pairs(&pairs);
        assert_eq!(encoded.as_bytes(), labels.to_bytes().as_slice());
        assert_eq!(encoded.to_labels(), labels);
        assert_eq!(encoded.pairs().collect::<Vec<_>>(), pairs);
        assert_eq!(encoded.len(), 3);
        assert_eq!(encoded.to_string(), labels.to_string());
        assert_eq!(
            encoded.series_hash(Tenant::new(1, 2)),
            labels.series_hash(Tenant::new(1, 2))
        );
    }

    #[test]
    fn pairs_that_are_not_canonical_are_refused() {
        for pairs in [
            vec![("job", "node"), ("__name__", "up")],
            vec![("a", "1"), ("a", "2")],
            vec![("a", "")],
        ] {
            assert!(
                EncodedLabels::from_canonical_pairs(&pairs).is_err(),
                "{pairs:?}"
            );
        }
    }

    #[test]
    fn decoding_checks_what_it_takes() {
        let labels = Labels::from_pairs(&[("__name__", "up"), ("job", "node")]);
        let mut bytes = labels.to_bytes();
        bytes.extend_from_slice(b"tail");
        let (decoded, tail) = EncodedLabels::decode(&bytes).expect("decodes");
        assert_eq!(decoded.to_labels(), labels);
        assert_eq!(tail, b"tail");

        let mut unsorted = Vec::new();
        put_uvarint(&mut unsorted, 2);
        for part in ["job", "node", "__name__", "up"] {
            put_len_prefixed(&mut unsorted, part.as_bytes());
        }
        assert!(EncodedLabels::decode(&unsorted).is_err());
        let mut not_utf8 = Vec::new();
        put_uvarint(&mut not_utf8, 1);
        put_len_prefixed(&mut not_utf8, b"a");
        put_len_prefixed(&mut not_utf8, &[0xff]);
        assert!(EncodedLabels::decode(&not_utf8).is_err());
        assert!(EncodedLabels::decode(&[5]).is_err());
    }
}
