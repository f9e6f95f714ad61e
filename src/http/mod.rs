//! The HTTP front of every role: one dispatcher that resolves each path to a
//! component ([`routing`]), hands the request to that component's router with
//! the tenant attached, and serves the endpoints common to every component
//! ([`common`]).

pub mod common;
pub mod routing;
pub mod snapshot;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use estuary_storage_api::Storage;
use routing::{Target, collapse_slashes, metric_path, resolve};
use std::sync::Arc;
use tower::ServiceExt;

/// What one process serves.
pub struct Components {
    /// Ingestion routes (relative to the Prometheus base), if this role ingests.
    pub insert: Option<Router>,
    /// Query routes (relative to the Prometheus base), if this role queries.
    pub select: Option<Router>,
    /// The local storage, if this role stores data (for admin endpoints).
    pub storage: Option<Arc<dyn Storage>>,
    /// Whether the unprefixed single-node paths are served as tenant 0:0.
    pub single_node: bool,
    /// What `/ready` checks beyond the process being up: `Err` with the
    /// reason makes it answer 503. `None` is always ready.
    pub readiness: Option<Readiness>,
    /// The snapshot endpoints, on roles that store data.
    pub snapshots: Option<snapshot::SnapshotAdmin>,
}

/// A readiness check: `Ok` when the process can do its job now.
pub type Readiness = Box<dyn Fn() -> Result<(), String> + Send + Sync>;

/// The router of a whole process.
pub fn app(components: Components) -> Router {
    let components = Arc::new(components);
    Router::new().fallback(move |request: Request<Body>| dispatch(components.clone(), request))
}

async fn dispatch(components: Arc<Components>, mut request: Request<Body>) -> Response {
    let path = collapse_slashes(request.uri().path());
    let target = match resolve(&path, request.headers(), components.single_node) {
        Ok(target) => target,
        Err(error) => return common::plain(StatusCode::BAD_REQUEST, error.0),
    };
    let metric = metric_path(&target);
    estuary_metrics::global()
        .counter(&estuary_metrics::series_name(
            "vm_http_requests_total",
            &[("path", &metric)],
        ))
        .inc();
    let response = match target {
        Target::Insert { tenant, suffix } => match &components.insert {
            Some(router) => forward(router, tenant, &suffix, request).await,
            None => common::unsupported_path(&path),
        },
        Target::Select { tenant, suffix } => match &components.select {
            Some(router) => forward(router, tenant, &suffix, request).await,
            None => common::unsupported_path(&path),
        },
        Target::Common(path) => {
            request.extensions_mut().insert(common::RequestPath(path));
            common::serve(&components, request).await
        }
    };
    if response.status().is_client_error() || response.status().is_server_error() {
        estuary_metrics::global()
            .counter(&estuary_metrics::series_name(
                "vm_http_request_errors_total",
                &[("path", &metric)],
            ))
            .inc();
    }
    response
}

/// Rewrites the request to the component-relative suffix, attaches the tenant
/// and runs the component's router.
async fn forward(
    router: &Router,
    tenant: estuary_types::Tenant,
    suffix: &str,
    mut request: Request<Body>,
) -> Response {
    let path_and_query = match request.uri().query() {
        Some(query) => format!("{suffix}?{query}"),
        None => suffix.to_string(),
    };
    match path_and_query.parse::<Uri>() {
        Ok(uri) => *request.uri_mut() = uri,
        Err(error) => {
            return common::plain(
                StatusCode::BAD_REQUEST,
                format!("invalid request path: {error}"),
            );
        }
    }
    request.extensions_mut().insert(tenant);
    let original = suffix.to_string();
    let router = router
        .clone()
        .fallback(move || async move { common::unsupported_path(&original) });
    match router.oneshot(request).await {
        Ok(response) => response,
        Err(never) => match never {},
    }
}

/// Binds `addr` (VictoriaMetrics form `:8428` means all interfaces) and serves
/// `app` until the process receives SIGINT or SIGTERM.
pub async fn serve(addr: &str, app: Router) -> Result<(), String> {
    serve_until(addr, app, shutdown_signal()).await
}

/// `host:port` to bind for a VictoriaMetrics-style listen address.
pub fn bind_address(addr: &str) -> String {
    if addr.starts_with(':') {
        format!("0.0.0.0{addr}")
    } else {
        addr.to_string()
    }
}

/// Serves `app` on `addr` until `shutdown` completes.
pub async fn serve_until(
    addr: &str,
    app: Router,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<(), String> {
    let bind = bind_address(addr);
    let listener = tokio::net::TcpListener::bind(&bind)
        .await
        .map_err(|e| format!("cannot listen on {bind}: {e}"))?;
    tracing::info!("listening for HTTP on {bind}");
    axum::serve(listener, app.into_make_service())
        .with_graceful_shutdown(shutdown)
        .await
        .map_err(|e| format!("HTTP server on {bind} failed: {e}"))
}

/// Completes when the process receives SIGINT or SIGTERM.
pub async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    let mut terminate =
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(signal) => signal,
            Err(error) => {
                tracing::warn!(%error, "cannot listen for SIGTERM; only Ctrl-C stops the server");
                let _ = interrupt.await;
                return;
            }
        };
    tokio::select! {
        _ = interrupt => {},
        _ = terminate.recv() => {},
    }
    tracing::info!("shutting down");
}

impl IntoResponse for routing::RouteError {
    fn into_response(self) -> Response {
        common::plain(StatusCode::BAD_REQUEST, self.0)
    }
}
