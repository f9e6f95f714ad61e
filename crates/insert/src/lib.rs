//! The ingestion layer of Estuary: HTTP handlers that decode every supported
//! protocol, validate and canonicalise series, and hand them to
//! [`Storage::write`](estuary_storage_api::Storage::write).
//!
//! It knows nothing of where storage lives (in process or over RPC), of
//! sharding or replication, or of how the tenant got into the URL: the binary
//! routes `/insert/<tenant>/prometheus/...` (and the single-node paths, as
//! tenant `0:0`) to [`routes`] and puts an `axum::Extension<Tenant>` on every
//! request.
//!
//! # How the modules fit
//!
//! A request flows through them in this order:
//!
//! 1. [`handlers`] checks method and headers; `query_args` reads
//!    `extra_label` and friends; [`extra_labels`] and [`pushgateway`] turn
//!    them into labels for every series.
//! 2. `body` reads the body under `-maxInsertRequestSize`; `limiter` holds
//!    one of `-maxConcurrentInserts` slots from the first body byte to the
//!    answer.
//! 3. [`encoding`] undoes the `Content-Encoding`; [`remote_write`] adds the
//!    snappy/zstd fallback rules of remote write.
//! 4. A protocol parser — [`remote_write`] (a zero-copy protobuf decoder),
//!    [`import_json`], [`import_text`] — turns the bytes into series whose
//!    labels borrow from the body. Parsers are pure functions over bytes.
//! 5. [`batch`] applies extra labels, checks each series with [`validate`],
//!    and only then copies labels into canonical [`estuary_types::Labels`].
//! 6. The handler writes the batch to storage; [`InsertError`] maps every
//!    failure to a status in one place; `metrics` counts rows.
//!
//! # Policy for invalid input
//!
//! * A body that cannot be decoded at all (corrupt compression or protobuf,
//!   a malformed JSON or text line) stores **nothing** and is answered 400
//!   with the problem, naming the line for line formats. Counted in
//!   `vm_rows_invalid_total{type}`.
//! * A decodable request with some invalid series (too many labels, a name or
//!   value too long, an invalid label or metric name, a duplicate label name,
//!   no label at all) stores the valid series and drops the invalid ones,
//!   counting their samples in `vm_rows_ignored_total{reason}`. It is then
//!   answered **400** with a message saying how many series were stored and
//!   dropped and quoting the first few problems with their series. This is a
//!   deliberate departure from VictoriaMetrics, which answers 2xx: the client
//!   learns what is wrong, nothing valid is lost, and since remote-write
//!   clients do not retry a 400, nothing is stored twice.
//! * Storage unavailable, over its deadline or failing internally is 503 (the
//!   client keeps the data and retries); a storage limit or invalid argument
//!   is 400. Too many concurrent inserts for `-insert.maxQueueDuration` is 503.
//! * A body over `-maxInsertRequestSize`, sent or decompressed, is 413.
//!
//! Errors are plain text (`text/plain; charset=utf-8`).

pub mod batch;
mod body;
mod config;
pub mod encoding;
mod error;
pub mod extra_labels;
pub mod handlers;
pub mod import_json;
pub mod import_text;
mod limiter;
mod metrics;
pub mod pushgateway;
mod query_args;
pub mod remote_write;
mod state;
pub mod validate;

pub use config::InsertConfig;
pub use error::InsertError;
pub use handlers::routes;
pub use state::InsertState;
