//! The concurrency limit on inserts (`-maxConcurrentInserts`): at most that
//! many requests read, decode and store at once; the others wait up to
//! `-insert.maxQueueDuration` and are then refused with 503. The limit bounds
//! the memory held by request bodies and decoded rows.

use crate::error::InsertError;
use crate::metrics;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Slots accepted for `-maxConcurrentInserts`; far above what a node can
/// serve, it only keeps the semaphore within its own limits.
const CONCURRENT_INSERTS_MAX: usize = 1 << 16;

/// A counting gate for insert requests.
#[derive(Debug)]
pub(crate) struct InsertLimiter {
    semaphore: Arc<Semaphore>,
    capacity: usize,
    queue_duration_max: Duration,
    in_flight: Arc<AtomicUsize>,
}

/// A held insert slot; released on drop.
#[derive(Debug)]
pub(crate) struct InsertPermit {
    _permit: OwnedSemaphorePermit,
    in_flight: Arc<AtomicUsize>,
}

impl InsertLimiter {
    /// A limiter with `capacity` slots (clamped to 1..=65536).
    pub(crate) fn new(capacity: usize, queue_duration_max: Duration) -> Self {
        let capacity = capacity.clamp(1, CONCURRENT_INSERTS_MAX);
        metrics::get().concurrent_capacity.set(capacity as f64);
        InsertLimiter {
            semaphore: Arc::new(Semaphore::new(capacity)),
            capacity,
            queue_duration_max,
            in_flight: Arc::new(AtomicUsize::new(0)),
        }
    }

    /// Takes a slot, waiting up to the queue duration for one to free up.
    pub(crate) async fn acquire(&self) -> Result<InsertPermit, InsertError> {
        let permit = match self.semaphore.clone().try_acquire_owned() {
            Ok(permit) => permit,
            Err(_) => self.wait().await?,
        };
        let in_flight = self.in_flight.fetch_add(1, Ordering::Relaxed) + 1;
        metrics::get().concurrent_current.set(in_flight as f64);
        Ok(InsertPermit {
            _permit: permit,
            in_flight: self.in_flight.clone(),
        })
    }

    async fn wait(&self) -> Result<OwnedSemaphorePermit, InsertError> {
        let started = Instant::now();
        let acquire = self.semaphore.clone().acquire_owned();
        match tokio::time::timeout(self.queue_duration_max, acquire).await {
            Ok(Ok(permit)) => Ok(permit),
            // Timed out, or the semaphore was closed (it never is).
            Ok(Err(_)) | Err(_) => Err(InsertError::QueueTimeout {
                capacity: self.capacity,
                waited: started.elapsed(),
            }),
        }
    }
}

impl Drop for InsertPermit {
    fn drop(&mut self) {
        let in_flight = self.in_flight.fetch_sub(1, Ordering::Relaxed) - 1;
        metrics::get().concurrent_current.set(in_flight as f64);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn waits_then_refuses_when_every_slot_is_busy() {
        let limiter = InsertLimiter::new(1, Duration::from_millis(20));
        let held = limiter.acquire().await.expect("first slot");
        let error = limiter.acquire().await.expect_err("no slot left");
        assert!(matches!(
            error,
            InsertError::QueueTimeout { capacity: 1, .. }
        ));
        drop(held);
        assert!(limiter.acquire().await.is_ok());
    }

    #[tokio::test]
    async fn a_waiter_gets_a_slot_freed_in_time() {
        let limiter = Arc::new(InsertLimiter::new(1, Duration::from_secs(5)));
        let held = limiter.acquire().await.expect("first slot");
        let waiter = {
            let limiter = limiter.clone();
            tokio::spawn(async move { limiter.acquire().await.map(drop) })
        };
        tokio::time::sleep(Duration::from_millis(10)).await;
        drop(held);
        assert!(waiter.await.expect("join").is_ok());
    }

    #[test]
    fn capacity_is_clamped() {
        assert_eq!(InsertLimiter::new(0, Duration::ZERO).capacity, 1);
    }
}
