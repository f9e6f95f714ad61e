//! Shared vocabulary of Estuary: [`Tenant`], [`Labels`], [`Sample`], [`TimeRange`]
//! and [`LabelMatcher`], [`SnapshotName`], plus the small varint helpers every codec uses.
//!
//! This crate does no I/O and knows nothing of storage, HTTP or PromQL. Every
//! other crate depends on it, so it stays small and dependency-light.

pub mod calendar;
mod encoded_labels;
pub mod encoding;
mod labels;
mod matcher;
pub mod parallel;
pub mod sample;
mod snapshot_name;
mod tenant;
mod time_range;

pub use encoded_labels::{
    EncodedLabels, Pairs as EncodedLabelPairs, RawPairs as EncodedLabelRawPairs,
};
pub use labels::{Label, Labels, LabelsError, METRIC_NAME_LABEL, series_hash_of_encoded};
pub use matcher::{LabelMatcher, MatchOp, MatcherError};
pub use sample::{STALE_NAN_BITS, Sample, is_stale_nan, sort_and_dedup, stale_nan};
pub use snapshot_name::{SnapshotName, SnapshotNameError};
pub use tenant::{Tenant, TenantParseError};
pub use time_range::{MS_PER_DAY, TimeRange, day_of};
