//! One module per endpoint family. Each handler parses its arguments through
//! [`crate::params`] and [`crate::filters`], calls the storage under a
//! deadline, and answers through [`crate::response`] or [`crate::error`].

pub mod export;
mod export_body;
mod export_line;
pub mod labels;
pub mod query;
pub mod series;
pub mod static_answers;
pub mod tsdb_status;
