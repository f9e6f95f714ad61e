//! [`Node`]: one storage node as insert and select see it: its client, whether
//! it is believed up, and the metrics of the calls made to it.
//!
//! A node goes down when a call to it fails for a reason of its own (it is
//! unreachable, it timed out) and comes back when a health probe succeeds;
//! both transitions are logged once. Calls in flight to a node that goes down
//! are abandoned at once, so a frozen node holds nobody for longer than a
//! probe interval.

use estuary_metrics::{Counter, Registry, series_name};
use estuary_rpc::NodeClient;
use estuary_storage_api::StorageError;
use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Instant;
use tokio::sync::watch;

/// The RPC methods, as they appear in metric labels.
pub const METHODS: [&str; 9] = [
    "write",
    "search",
    "series",
    "labels",
    "tsdb_status",
    "tenants",
    "delete",
    "admin",
    "hints",
];

/// Counters of one (node, method) pair.
struct CallMetrics {
    requests: Arc<Counter>,
    errors: Arc<Counter>,
    micros: Arc<Counter>,
}

/// One storage node.
pub struct Node {
    client: NodeClient,
    up: watch::Sender<bool>,
    calls: HashMap<&'static str, CallMetrics>,
    rerouted_rows: Arc<Counter>,
    hints_held: Mutex<Vec<(String, u64)>>,
}

impl Node {
    /// A node reached through `client`, believed up until a call fails.
    /// Registers its metrics in `registry`.
    pub fn new(client: NodeClient, registry: &Registry) -> Arc<Self> {
        let address = client.address().to_string();
        let calls = METHODS
            .iter()
            .map(|&method| {
                let labels = [("node", address.as_str()), ("method", method)];
                let micros = registry.counter(&series_name(
                    "estuary_rpc_duration_microseconds_total",
                    &labels,
                ));
                (
                    method,
                    CallMetrics {
                        requests: registry
                            .counter(&series_name("estuary_rpc_requests_total", &labels)),
                        errors: registry.counter(&series_name("estuary_rpc_errors_total", &labels)),
                        micros,
                    },
                )
            })
            .collect();
        let rerouted_rows = registry.counter(&series_name(
            "estuary_rows_rerouted_total",
            &[("node", address.as_str())],
        ));
        let (up, _) = watch::channel(true);
        let node = Arc::new(Node {
            client,
            up,
            calls,
            rerouted_rows,
            hints_held: Mutex::new(Vec::new()),
        });
        let weak = Arc::downgrade(&node);
        registry.gauge_fn(
            &series_name("estuary_storage_node_up", &[("node", address.as_str())]),
            move || {
                weak.upgrade()
                    .map_or(0.0, |n| f64::from(u8::from(n.is_up())))
            },
        );
        node
    }

    /// The node's address, as configured.
    pub fn address(&self) -> &str {
        self.client.address()
    }

    /// The RPC client.
    pub fn client(&self) -> &NodeClient {
        &self.client
    }

    /// Whether the node is believed to answer.
    pub fn is_up(&self) -> bool {
        *self.up.borrow()
    }

    /// Marks the node down (logging the first time) with the reason.
    pub fn mark_down(&self, reason: &StorageError) {
        if self.up.send_replace(false) {
            tracing::warn!(
                node = self.address(),
                "storage node is unavailable, skipped until a health probe succeeds: {reason}"
            );
        }
    }

    /// Marks the node up (logging when it was down).
    pub fn mark_up(&self) {
        if !self.up.send_replace(true) {
            tracing::info!(node = self.address(), "storage node is back");
        }
    }

    /// Records the rows this node keeps for other nodes, as its last probe
    /// reported them.
    pub fn set_hints_held(&self, hints: Vec<(String, u64)>) {
        *self.hints_held.lock().unwrap_or_else(|p| p.into_inner()) = hints;
    }

    /// Rows this node keeps for `target`, as of its last probe.
    pub fn hints_held_for(&self, target: &str) -> u64 {
        self.hints_held
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .find(|(name, _)| name == target)
            .map_or(0, |(_, rows)| *rows)
    }

    /// Counts `rows` series rows that could not go to this node.
    pub fn count_rerouted(&self, rows: u64) {
        self.rerouted_rows.add(rows);
    }

    /// Runs a call to this node: counts it, times it, abandons it when the
    /// node goes down meanwhile, and marks the node down when the call fails
    /// because of the node.
    pub async fn call<T>(
        &self,
        method: &'static str,
        call: impl Future<Output = Result<T, StorageError>>,
    ) -> Result<T, StorageError> {
        let started = Instant::now();
        let mut up = self.up.subscribe();
        // A call to a node already believed down (a last resort, or a check
        // whether it is back) runs to its own timeout.
        let result = if *up.borrow_and_update() {
            tokio::select! {
                result = call => result,
                _ = up.wait_for(|up| !*up) => Err(StorageError::Unavailable(format!(
                    "storage node {} went down during the call",
                    self.address()
                ))),
            }
        } else {
            call.await
        };
        if let Some(metrics) = self.calls.get(method) {
            metrics.requests.inc();
            metrics
                .micros
                .add(u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX));
            if result.is_err() {
                metrics.errors.inc();
            }
        }
        if let Err(error) = &result
            && is_node_failure(error)
        {
            self.mark_down(error);
        }
        result
    }
}

/// Whether an error says the node itself is unreachable or stuck (as opposed
/// to the request being refused or too large).
pub fn is_node_failure(error: &StorageError) -> bool {
    matches!(error, StorageError::Unavailable(_))
}
