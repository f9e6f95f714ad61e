//! Reads the series index: evaluates label matchers over a day's postings,
//! lists label names and values, and resolves series ids to labels.

use crate::error::{EngineError, RocksContext};
use crate::keys;
use crate::postings;
use estuary_types::{LabelMatcher, Labels, MatchOp, Tenant};
use roaring::RoaringBitmap;
use rocksdb::{ColumnFamily, DB, DBRawIteratorWithThreadMode, ReadOptions};

/// A read-only view of the index column family.
pub struct IndexReader<'a> {
    db: &'a DB,
    cf: &'a ColumnFamily,
}

impl<'a> IndexReader<'a> {
    /// A reader over `cf` of `db`.
    pub fn new(db: &'a DB, cf: &'a ColumnFamily) -> Self {
        IndexReader { db, cf }
    }

    fn bitmap_at(&self, key: &[u8]) -> Result<RoaringBitmap, EngineError> {
        let value = self
            .db
            .get_pinned_cf(self.cf, key)
            .context(|| "read postings".into())?;
        match value {
            None => Ok(RoaringBitmap::new()),
            Some(bytes) => postings::decode(&bytes).map_err(|e| EngineError::Corrupt {
                what: "postings",
                detail: e.to_string(),
            }),
        }
    }

    /// Series of the day with `name=value`.
    pub fn posting(
        &self,
        tenant: Tenant,
        day: u32,
        name: &str,
        value: &str,
    ) -> Result<RoaringBitmap, EngineError> {
        self.bitmap_at(&keys::postings(tenant, day, name, value))
    }

    /// Every series of the day.
    pub fn all_series(&self, tenant: Tenant, day: u32) -> Result<RoaringBitmap, EngineError> {
        self.bitmap_at(&keys::postings_all(tenant, day))
    }

    /// Calls `visit(day, value, postings)` for every value of `name` in each
    /// of `days` (ascending), in value order within a day. One iterator
    /// serves every day: opening one costs more than reading a few values.
    pub fn for_each_value_in_days(
        &self,
        tenant: Tenant,
        days: &[u32],
        name: &str,
        mut visit: impl FnMut(u32, &str, &[u8]) -> Result<(), EngineError>,
    ) -> Result<(), EngineError> {
        let Some(&last_day) = days.last() else {
            return Ok(());
        };
        let mut options = ReadOptions::default();
        if let Some(bound) = keys::prefix_upper_bound(&keys::postings_day_prefix(tenant, last_day))
        {
            options.set_iterate_upper_bound(bound);
        }
        let mut iter = self.db.raw_iterator_cf_opt(self.cf, options);
        for &day in days {
            let prefix = keys::postings_name_prefix(tenant, day, name);
            iter.seek(&prefix);
            while let (Some(key), Some(value)) = (iter.key(), iter.value()) {
                let Some(value_name) = key.strip_prefix(prefix.as_slice()) else {
                    break;
                };
                let value_name =
                    std::str::from_utf8(value_name).map_err(|_| EngineError::Corrupt {
                        what: "posting key",
                        detail: "label value is not UTF-8".into(),
                    })?;
                visit(day, value_name, value)?;
                iter.next();
            }
            iter.status().context(|| "scan label values".into())?;
        }
        Ok(())
    }

    /// Calls `visit(value, postings)` for every value of `name` in the day, in
    /// value order.
    pub fn for_each_value(
        &self,
        tenant: Tenant,
        day: u32,
        name: &str,
        mut visit: impl FnMut(&str, &[u8]) -> Result<(), EngineError>,
    ) -> Result<(), EngineError> {
        self.for_each_value_in_days(tenant, &[day], name, |_, value, postings| {
            visit(value, postings)
        })
    }

    /// The label names of the day, sorted. Skips from one name to the next with
    /// a seek instead of reading every value.
    pub fn label_names(&self, tenant: Tenant, day: u32) -> Result<Vec<String>, EngineError> {
        let prefix = keys::postings_day_prefix(tenant, day);
        let mut names = Vec::new();
        let mut options = ReadOptions::default();
        if let Some(bound) = keys::prefix_upper_bound(&prefix) {
            options.set_iterate_upper_bound(bound);
        }
        let mut iter = self.db.raw_iterator_cf_opt(self.cf, options);
        iter.seek(&prefix);
        while let Some(key) = iter.key() {
            let Some((name, _)) = keys::split_posting_suffix(&key[prefix.len()..]) else {
                return Err(EngineError::Corrupt {
                    what: "posting key",
                    detail: format!("{key:?}"),
                });
            };
            let mut next = prefix.clone();
            next.extend_from_slice(name.as_bytes());
            next.push(keys::NAME_VALUE_SEPARATOR + 1);
            if !name.is_empty() {
                names.push(name.to_string());
            }
            iter.seek(&next);
        }
        iter.status().context(|| "scan label names".into())?;
        Ok(names)
    }

    /// Series of the day satisfying every matcher (no matcher: every series).
    pub fn select(
        &self,
        tenant: Tenant,
        day: u32,
        matchers: &[LabelMatcher],
    ) -> Result<RoaringBitmap, EngineError> {
        // Cheap, selective matchers first; matchers that match the empty string
        // need the day's full series set.
        let mut ordered: Vec<&LabelMatcher> = matchers.iter().collect();
        ordered.sort_by_key(|m| match m.op {
            MatchOp::Equal if !m.value.is_empty() => 0,
            MatchOp::RegexMatch if m.literal_alternatives().is_some() => 1,
            _ if !m.matches_empty() => 2,
            _ => 3,
        });
        let mut result: Option<RoaringBitmap> = None;
        let mut all: Option<RoaringBitmap> = None;
        for matcher in ordered {
            let selected = if matcher.matches_empty() {
                let all = match &all {
                    Some(all) => all.clone(),
                    None => {
                        let loaded = self.all_series(tenant, day)?;
                        all = Some(loaded.clone());
                        loaded
                    }
                };
                all - self.union_where(tenant, day, &matcher.name, |v| !matcher.matches(v))?
            } else {
                self.matching(tenant, day, matcher)?
            };
            let narrowed = match result {
                Some(current) => current & selected,
                None => selected,
            };
            if narrowed.is_empty() {
                return Ok(narrowed);
            }
            result = Some(narrowed);
        }
        match result {
            Some(result) => Ok(result),
            None => self.all_series(tenant, day),
        }
    }

    /// Series whose `name` value satisfies a matcher that rejects the empty string.
    fn matching(
        &self,
        tenant: Tenant,
        day: u32,
        matcher: &LabelMatcher,
    ) -> Result<RoaringBitmap, EngineError> {
        if matcher.op == MatchOp::Equal {
            return self.posting(tenant, day, &matcher.name, &matcher.value);
        }
        if let Some(values) = matcher.literal_alternatives() {
            let mut union = RoaringBitmap::new();
            for value in values {
                union |= self.posting(tenant, day, &matcher.name, &value)?;
            }
            return Ok(union);
        }
        self.union_where(tenant, day, &matcher.name, |v| matcher.matches(v))
    }

    fn union_where(
        &self,
        tenant: Tenant,
        day: u32,
        name: &str,
        keep: impl Fn(&str) -> bool,
    ) -> Result<RoaringBitmap, EngineError> {
        let mut union = RoaringBitmap::new();
        self.for_each_value(tenant, day, name, |value, bytes| {
            if keep(value) {
                union |= postings::decode(bytes).map_err(|e| EngineError::Corrupt {
                    what: "postings",
                    detail: e.to_string(),
                })?;
            }
            Ok(())
        })?;
        Ok(union)
    }

    /// The labels of a series, if it exists.
    pub fn labels_of(&self, tenant: Tenant, series_id: u32) -> Result<Option<Labels>, EngineError> {
        let value = self
            .db
            .get_pinned_cf(self.cf, keys::labels_by_series(tenant, series_id))
            .context(|| format!("read labels of series {series_id}"))?;
        match value {
            None => Ok(None),
            Some(bytes) => {
                let (labels, _) = Labels::decode(&bytes).map_err(|e| EngineError::Corrupt {
                    what: "series labels",
                    detail: e.to_string(),
                })?;
                Ok(Some(labels))
            }
        }
    }

    /// A cursor for the labels of many series, asked for in ascending id order.
    pub fn labels_cursor(&self, tenant: Tenant) -> LabelsCursor<'a> {
        LabelsCursor {
            iter: self.db.raw_iterator_cf(self.cf),
            tenant,
        }
    }

    /// The id of a series, if it exists.
    pub fn series_id_of(
        &self,
        tenant: Tenant,
        labels_encoded: &[u8],
    ) -> Result<Option<u32>, EngineError> {
        let value = self
            .db
            .get_pinned_cf(self.cf, keys::series_by_labels(tenant, labels_encoded))
            .context(|| "look up series by labels".into())?;
        match value {
            None => Ok(None),
            Some(bytes) => {
                let bytes: [u8; 4] =
                    bytes
                        .as_ref()
                        .try_into()
                        .map_err(|_| EngineError::Corrupt {
                            what: "series id",
                            detail: format!("{} bytes instead of 4", bytes.len()),
                        })?;
                Ok(Some(u32::from_be_bytes(bytes)))
            }
        }
    }

    /// Series of the tenant that were deleted.
    pub fn deleted(&self, tenant: Tenant) -> Result<RoaringBitmap, EngineError> {
        self.bitmap_at(&keys::deleted_series(tenant))
    }

    /// Calls `visit(key, value)` for every key starting with `prefix`.
    pub fn scan_prefix(
        &self,
        prefix: &[u8],
        mut visit: impl FnMut(&[u8], &[u8]) -> Result<(), EngineError>,
    ) -> Result<(), EngineError> {
        let mut options = ReadOptions::default();
        if let Some(bound) = keys::prefix_upper_bound(prefix) {
            options.set_iterate_upper_bound(bound);
        }
        let mut iter = self.db.raw_iterator_cf_opt(self.cf, options);
        iter.seek(prefix);
        while let (Some(key), Some(value)) = (iter.key(), iter.value()) {
            visit(key, value)?;
            iter.next();
        }
        iter.status().context(|| "scan index".into())
    }
}

/// Reads the labels of series in ascending id order with one iterator: series
/// created together have consecutive ids, and the next one's labels are then
/// the iterator's next entry instead of a lookup of their own.
pub struct LabelsCursor<'a> {
    iter: DBRawIteratorWithThreadMode<'a, DB>,
    tenant: Tenant,
}

impl LabelsCursor<'_> {
    /// The labels of a series, if it exists. Ids asked for in ascending order
    /// are cheapest; any order gives the right answer.
    pub fn labels_of(&mut self, series_id: u32) -> Result<Option<Labels>, EngineError> {
        let key = keys::labels_by_series(self.tenant, series_id);
        if self.iter.key() != Some(key.as_slice()) {
            self.iter.seek(key);
        }
        let labels = match (self.iter.key(), self.iter.value()) {
            (Some(found), Some(bytes)) if found == key => {
                let (labels, _) = Labels::decode(bytes).map_err(|e| EngineError::Corrupt {
                    what: "series labels",
                    detail: e.to_string(),
                })?;
                Some(labels)
            }
            _ => None,
        };
        self.iter
            .status()
            .context(|| format!("read labels of series {series_id}"))?;
        if labels.is_some() {
            self.iter.next();
        }
        Ok(labels)
    }
}
