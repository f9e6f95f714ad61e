//! What the handlers share: storage, configuration and the insert limiter.

use crate::config::InsertConfig;
use crate::limiter::InsertLimiter;
use estuary_storage_api::Storage;
use std::fmt;
use std::sync::Arc;

/// The state behind [`routes`](crate::routes); cheap to clone.
#[derive(Clone)]
pub struct InsertState(Arc<Shared>);

struct Shared {
    storage: Arc<dyn Storage>,
    config: InsertConfig,
    limiter: InsertLimiter,
}

impl InsertState {
    /// State that writes to `storage` under the limits of `config`.
    pub fn new(storage: Arc<dyn Storage>, config: InsertConfig) -> Self {
        let limiter = InsertLimiter::new(config.concurrent_inserts_max, config.queue_duration_max);
        InsertState(Arc::new(Shared {
            storage,
            config,
            limiter,
        }))
    }

    /// The configuration in force.
    pub fn config(&self) -> &InsertConfig {
        &self.0.config
    }

    pub(crate) fn storage(&self) -> &dyn Storage {
        self.0.storage.as_ref()
    }

    pub(crate) fn limiter(&self) -> &InsertLimiter {
        &self.0.limiter
    }
}

impl fmt::Debug for InsertState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InsertState")
            .field("config", &self.0.config)
            .finish_non_exhaustive()
    }
}
