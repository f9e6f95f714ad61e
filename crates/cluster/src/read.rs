//! Fan-out reads: ask every node that is up, and merge what the nodes that
//! answered sent. An answer is partial when at least `replication` nodes did
//! not contribute, since then some series may have lost every copy.

use crate::node::Node;
use estuary_rpc::NodeClient;
use estuary_storage_api::{Answer, StorageError};
use futures_util::future::join_all;
use std::future::Future;
use std::sync::Arc;

/// The answers of the nodes that answered, and whether that is partial.
pub struct Gathered<T> {
    /// One answer per node that answered.
    pub answers: Vec<T>,
    /// Too many nodes missed for the union to be complete.
    pub is_partial: bool,
}

impl<T> Gathered<T> {
    /// Merges the answers into one [`Answer`].
    pub fn merge<U>(self, merge: impl FnOnce(Vec<T>) -> U) -> Answer<U> {
        Answer {
            data: merge(self.answers),
            is_partial: self.is_partial,
        }
    }
}

/// Whether an error means the node could not contribute (so the read goes on
/// without it) rather than the request being wrong or too large (which every
/// node would say, so the read fails).
fn is_missing_node(error: &StorageError) -> bool {
    matches!(
        error,
        StorageError::Unavailable(_)
            | StorageError::DeadlineExceeded { .. }
            | StorageError::Internal(_)
    )
}

/// Calls `call` on every node that is up, concurrently. Fails when a node
/// refuses the request itself, or when no node answered.
pub async fn gather<T, F, Fut>(
    nodes: &[Arc<Node>],
    replication: usize,
    method: &'static str,
    call: F,
) -> Result<Gathered<T>, StorageError>
where
    F: Fn(NodeClient) -> Fut,
    Fut: Future<Output = Result<T, StorageError>>,
{
    let mut missing = 0usize;
    let mut calls = Vec::with_capacity(nodes.len());
    for node in nodes {
        if node.is_up() {
            calls.push(node.call(method, call(node.client().clone())));
        } else {
            missing += 1;
        }
    }
    let mut answers = Vec::with_capacity(calls.len());
    let mut last_error = None;
    for result in join_all(calls).await {
        match result {
            Ok(answer) => answers.push(answer),
            Err(error) if is_missing_node(&error) => {
                missing += 1;
                last_error = Some(error);
            }
            Err(error) => return Err(error),
        }
    }
    if answers.is_empty() {
        return Err(last_error
            .unwrap_or_else(|| StorageError::Unavailable("no storage node is up".to_string())));
    }
    Ok(Gathered {
        answers,
        is_partial: missing >= replication,
    })
}

/// Calls `call` on every node and requires each to succeed (deletion, flush):
/// an operation that skipped a node would silently not have happened there.
pub async fn on_every_node<T, F, Fut>(
    nodes: &[Arc<Node>],
    method: &'static str,
    call: F,
) -> Result<Vec<T>, StorageError>
where
    F: Fn(NodeClient) -> Fut,
    Fut: Future<Output = Result<T, StorageError>>,
{
    if let Some(down) = nodes.iter().find(|node| !node.is_up()) {
        return Err(StorageError::Unavailable(format!(
            "storage node {} is down; this operation needs every node",
            down.address()
        )));
    }
    join_all(
        nodes
            .iter()
            .map(|node| node.call(method, call(node.client().clone()))),
    )
    .await
    .into_iter()
    .collect()
}
