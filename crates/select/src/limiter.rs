//! [`ConcurrencyLimiter`]: at most `-search.maxConcurrentRequests` requests run
//! at once; the rest wait up to `-search.maxQueueDuration`, then get 429 with
//! `Retry-After`. [`limit_concurrency`] is the axum middleware around it.
//!
//! Metrics: `vm_concurrent_select_current`, `vm_concurrent_select_capacity`,
//! `vm_concurrent_select_limit_reached_total` (requests that had to wait) and
//! `vm_concurrent_select_limit_timeout_total` (requests refused).

use crate::error::ApiError;
use crate::state::SelectState;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use estuary_metrics::{Counter, Registry};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Bounds the requests served at once.
#[derive(Debug)]
pub struct ConcurrencyLimiter {
    permits: Arc<Semaphore>,
    capacity: usize,
    queue_wait_max: Duration,
    limit_reached: Arc<Counter>,
    limit_timeout: Arc<Counter>,
}

impl ConcurrencyLimiter {
    /// A limiter of `capacity` slots (at least one) whose queue waits at most
    /// `queue_wait_max`; registers its metrics in `registry`.
    pub fn new(capacity: usize, queue_wait_max: Duration, registry: &Registry) -> Self {
        let capacity = capacity.clamp(1, Semaphore::MAX_PERMITS);
        let permits = Arc::new(Semaphore::new(capacity));
        registry
            .gauge("vm_concurrent_select_capacity")
            .set(capacity as f64);
        let watched = Arc::clone(&permits);
        registry.gauge_fn("vm_concurrent_select_current", move || {
            capacity.saturating_sub(watched.available_permits()) as f64
        });
        ConcurrencyLimiter {
            permits,
            capacity,
            queue_wait_max,
            limit_reached: registry.counter("vm_concurrent_select_limit_reached_total"),
            limit_timeout: registry.counter("vm_concurrent_select_limit_timeout_total"),
        }
    }

    /// Takes a slot, waiting up to the queue limit; the slot is freed when the
    /// permit drops.
    pub async fn acquire(&self) -> Result<OwnedSemaphorePermit, ApiError> {
        if let Ok(permit) = Arc::clone(&self.permits).try_acquire_owned() {
            return Ok(permit);
        }
        self.limit_reached.inc();
        let waiting = Arc::clone(&self.permits).acquire_owned();
        match tokio::time::timeout(self.queue_wait_max, waiting).await {
            Ok(Ok(permit)) => Ok(permit),
            Ok(Err(_closed)) => Err(ApiError::Internal {
                message: "the concurrency limiter was closed".to_string(),
            }),
            Err(_elapsed) => {
                self.limit_timeout.inc();
                Err(ApiError::TooManyRequests {
                    capacity: self.capacity,
                    waited: self.queue_wait_max,
                })
            }
        }
    }

    /// The number of slots.
    pub fn capacity(&self) -> usize {
        self.capacity
    }
}

/// Middleware: runs the request inside a slot of the state's limiter, or
/// answers 429 (JSON, with `Retry-After`) when none frees up in time. Use with
/// `axum::middleware::from_fn_with_state`.
pub async fn limit_concurrency(
    State(state): State<SelectState>,
    request: Request,
    next: Next,
) -> Response {
    let permit = match state.limiter().acquire().await {
        Ok(permit) => permit,
        Err(error) => return error.into_response(),
    };
    let response = next.run(request).await;
    drop(permit);
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn waits_then_refuses() {
        let registry = Registry::default();
        let limiter = ConcurrencyLimiter::new(1, Duration::from_millis(20), &registry);
        let held = limiter.acquire().await.expect("a free slot");
        assert!(
            registry
                .render()
                .contains("vm_concurrent_select_current 1\n")
        );
        let refused = limiter.acquire().await.expect_err("no slot frees up");
        assert_eq!(refused.status().as_u16(), 429);
        drop(held);
        assert!(limiter.acquire().await.is_ok());
        let metrics = registry.render();
        assert!(metrics.contains("vm_concurrent_select_capacity 1\n"));
        assert!(metrics.contains("vm_concurrent_select_limit_reached_total 1\n"));
        assert!(metrics.contains("vm_concurrent_select_limit_timeout_total 1\n"));
    }

    #[tokio::test]
    async fn a_waiter_gets_a_freed_slot() {
        let registry = Registry::default();
        let limiter = Arc::new(ConcurrencyLimiter::new(
            1,
            Duration::from_secs(5),
            &registry,
        ));
        let held = limiter.acquire().await.expect("a free slot");
        let waiter = {
            let limiter = Arc::clone(&limiter);
            tokio::spawn(async move { limiter.acquire().await.map(drop) })
        };
        tokio::time::sleep(Duration::from_millis(10)).await;
        drop(held);
        assert!(matches!(waiter.await, Ok(Ok(()))));
    }
}
