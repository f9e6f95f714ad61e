//! The read API of the select role: everything under
//! `/select/<tenant>/prometheus`, PromQL queries included.
//!
//! | Route (GET and POST) | Handler | Reads storage |
//! |---|---|---|
//! | `/api/v1/query`, `/api/v1/query_range` | [`handlers::query`] | yes |
//! | `/api/v1/export` | [`handlers::export`] | yes |
//! | `/api/v1/series` | [`handlers::series`] | yes |
//! | `/api/v1/labels`, `/api/v1/label/{name}/values` | [`handlers::labels`] | yes |
//! | `/api/v1/status/tsdb` | [`handlers::tsdb_status`] | yes |
//! | `/api/v1/status/buildinfo`, `/api/v1/query_exemplars`, `/api/v1/rules`, `/rules`, `/api/v1/alerts`, `/alerts`, `/api/v1/notifiers`, `/api/v1/metadata`, `/-/healthy`, `/-/ready` | [`handlers::static_answers`] | no |
//!
//! A request flows through these parts:
//!
//! - [`params`] collects arguments from the query string and a form body
//!   ([`Params`]) and parses times, durations, booleans and counts; bad input
//!   becomes `400 bad_data` naming the argument and the value.
//! - [`selectors`] parses `match[]`/`extra_filters[]` series selectors with
//!   `promql-parser`; [`filters`] combines them with `extra_label` into the
//!   storage's OR-of-AND matcher groups.
//! - [`deadline`] derives the storage deadline from `-search.max*Duration` and
//!   `timeout`, and enforces it around each storage call.
//! - [`handlers`] hold one module per endpoint family; [`limiter`] bounds how
//!   many of those that read storage run at once.
//! - [`query`] serves the PromQL handlers: it plans and evaluates with
//!   `estuary_promql` on a query thread, fetches the planned selectors from
//!   storage, and renders Prometheus's result shapes.
//! - [`response`] and [`metric_json`] write success envelopes; [`error`] maps
//!   every failure ([`ApiError`]) to a status, an `errorType` and a JSON or
//!   plain-text body, in one place.
//!
//! What this crate leaves to others: the tenant is parsed by the binary's
//! routing layer, which inserts an `Extension<Tenant>` into every request;
//! request counting per path is the binary's too; PromQL semantics are
//! `estuary_promql`'s.

pub mod clock;
pub mod config;
pub mod deadline;
pub mod error;
pub mod filters;
pub mod handlers;
pub mod label_name;
pub mod limiter;
pub mod list_limit;
pub mod metric_json;
pub mod params;
pub mod partial;
pub mod query;
pub mod response;
pub mod selectors;
pub mod state;

pub use config::SelectConfig;
pub use error::{ApiError, TextError};
pub use params::Params;
pub use response::Success;
pub use state::SelectState;

use axum::Router;
use axum::middleware::{from_fn_with_state, map_response};
use axum::routing::get;
use handlers::{export, labels, series, static_answers, tsdb_status};

/// The read API's routes, relative to the Prometheus base
/// (`/select/<tenant>/prometheus`). Every route answers GET and POST. Routes
/// that read storage run under the concurrency limiter; every answer carries
/// `Access-Control-Allow-Origin: *`.
///
/// Requests must carry an `Extension<Tenant>`.
pub fn routes(state: SelectState) -> Router {
    let reading = Router::new()
        .route(
            "/api/v1/query",
            get(handlers::query::query).post(handlers::query::query),
        )
        .route(
            "/api/v1/query_range",
            get(handlers::query::query_range).post(handlers::query::query_range),
        )
        .route("/api/v1/export", get(export::export).post(export::export))
        .route("/api/v1/series", get(series::series).post(series::series))
        .route("/api/v1/labels", get(labels::labels).post(labels::labels))
        .route(
            "/api/v1/label/{name}/values",
            get(labels::label_values).post(labels::label_values),
        )
        .route(
            "/api/v1/status/tsdb",
            get(tsdb_status::tsdb_status).post(tsdb_status::tsdb_status),
        )
        .route_layer(from_fn_with_state(
            state.clone(),
            limiter::limit_concurrency,
        ));
    let answering = Router::new()
        .route(
            "/api/v1/status/buildinfo",
            get(static_answers::buildinfo).post(static_answers::buildinfo),
        )
        .route(
            "/api/v1/query_exemplars",
            get(static_answers::query_exemplars).post(static_answers::query_exemplars),
        )
        .route(
            "/api/v1/rules",
            get(static_answers::rules).post(static_answers::rules),
        )
        .route(
            "/rules",
            get(static_answers::rules).post(static_answers::rules),
        )
        .route(
            "/api/v1/alerts",
            get(static_answers::alerts).post(static_answers::alerts),
        )
        .route(
            "/alerts",
            get(static_answers::alerts).post(static_answers::alerts),
        )
        .route(
            "/api/v1/notifiers",
            get(static_answers::notifiers).post(static_answers::notifiers),
        )
        .route(
            "/api/v1/metadata",
            get(static_answers::metadata).post(static_answers::metadata),
        )
        .route(
            "/-/healthy",
            get(static_answers::healthy).post(static_answers::healthy),
        )
        .route(
            "/-/ready",
            get(static_answers::ready).post(static_answers::ready),
        );
    reading
        .merge(answering)
        .layer(map_response(response::allow_any_origin))
        .with_state(state)
}
