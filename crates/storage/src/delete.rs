//! Series deletion: mark ids deleted (reads subtract them at once), forget
//! their label lookups so new samples start new series, drop head samples.
//! Their chunks are dropped by later day merges and by retention.

use crate::engine::Engine;
use crate::error::{EngineError, RocksContext};
use crate::keys;
use crate::postings;
use crate::registry::registry_key;
use estuary_storage_api::SeriesRequest;
use rocksdb::{WriteBatch, WriteOptions};

impl Engine {
    /// Deletes every series matching the request; returns how many.
    pub fn delete_series(&self, request: &SeriesRequest) -> Result<u64, EngineError> {
        let ids = self.matching_series(request)?;
        if ids.is_empty() {
            return Ok(0);
        }
        if ids.len() > request.limit as u64 {
            return Err(EngineError::LimitExceeded {
                what: "the number of series to delete",
                limit: request.limit as u64,
                hint: "narrow the selector or raise -search.maxDeleteSeries",
            });
        }
        let index_cf = self.cf(keys::CF_INDEX);
        let mut batch = WriteBatch::default();
        let mut registry_keys = Vec::new();
        for id in &ids {
            if let Some(labels) = self.index().labels_of(request.tenant, id)? {
                let encoded = labels.to_bytes();
                batch.delete_cf(index_cf, keys::series_by_labels(request.tenant, &encoded));
                registry_keys.push(registry_key(request.tenant, &encoded));
            }
        }
        batch.merge_cf(
            index_cf,
            keys::deleted_series(request.tenant),
            postings::encode(&ids),
        );
        let mut options = WriteOptions::default();
        options.set_sync(true);
        self.db
            .write_opt(batch, &options)
            .context(|| "delete series".into())?;
        self.registry.remove(&registry_keys);
        self.head.remove(ids.iter());
        Ok(ids.len())
    }
}
