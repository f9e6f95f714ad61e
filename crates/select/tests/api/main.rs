//! Drives `estuary_select::routes()` through tower against an in-memory storage
//! and checks the exact answers of every endpoint.

mod errors;
mod export;
mod labels;
mod limiter;
mod partial;
mod query;
mod query_errors;
mod query_range;
mod series;
mod static_answers;
mod support;
mod tsdb_status;
