//! [`SelectState`]: what every handler shares: the storage, the limits and the
//! concurrency limiter.

use crate::config::SelectConfig;
use crate::limiter::ConcurrencyLimiter;
use estuary_metrics::Registry;
use estuary_storage_api::Storage;
use std::sync::Arc;

/// The shared state of the read API; cheap to clone.
#[derive(Clone)]
pub struct SelectState {
    shared: Arc<Shared>,
}

struct Shared {
    storage: Arc<dyn Storage>,
    config: SelectConfig,
    limiter: ConcurrencyLimiter,
}

impl SelectState {
    /// Builds the state; registers the limiter's metrics in `registry`
    /// (normally `estuary_metrics::global()`).
    pub fn new(storage: Arc<dyn Storage>, config: SelectConfig, registry: &Registry) -> Self {
        let limiter = ConcurrencyLimiter::new(
            config.max_concurrent_requests,
            config.max_queue_duration,
            registry,
        );
        SelectState {
            shared: Arc::new(Shared {
                storage,
                config,
                limiter,
            }),
        }
    }

    /// The storage every read goes to.
    pub fn storage(&self) -> &dyn Storage {
        self.shared.storage.as_ref()
    }

    /// The limits.
    pub fn config(&self) -> &SelectConfig {
        &self.shared.config
    }

    /// The concurrency limiter.
    pub fn limiter(&self) -> &ConcurrencyLimiter {
        &self.shared.limiter
    }
}

impl std::fmt::Debug for SelectState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SelectState")
            .field("config", &self.shared.config)
            .field("limiter", &self.shared.limiter)
            .finish_non_exhaustive()
    }
}
