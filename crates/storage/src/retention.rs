//! Retention: delete whole days that every tenant's retention has passed, by
//! range deletes over the day-prefixed chunk and posting keys.

use crate::engine::{Engine, now_ms};
use crate::error::{EngineError, RocksContext};
use crate::keys;
use estuary_types::{Tenant, day_of};
use rocksdb::WriteBatch;
use std::collections::BTreeMap;

impl Engine {
    /// Deletes the days older than each tenant's retention. Reads already hide
    /// those samples; this reclaims the space.
    pub fn apply_retention(&self) -> Result<(), EngineError> {
        let now = now_ms();
        let mut oldest_day: BTreeMap<Tenant, u32> = BTreeMap::new();
        self.index()
            .scan_prefix(&keys::TENANT_DAY_PREFIX, |key, _| {
                if let Some((tenant, day)) = keys::parse_tenant_day(key) {
                    oldest_day.entry(tenant).or_insert(day);
                }
                Ok(())
            })?;
        for (tenant, oldest) in oldest_day {
            // Keep the day the cutoff falls in: it still holds retained samples.
            let first_kept = day_of(self.config.retention.cutoff_ms(tenant, now));
            if oldest >= first_kept {
                continue;
            }
            self.delete_days(tenant, first_kept)?;
            tracing::info!(%tenant, first_kept, "retention deleted days before {first_kept}");
        }
        Ok(())
    }

    fn delete_days(&self, tenant: Tenant, first_kept: u32) -> Result<(), EngineError> {
        let index_cf = self.cf(keys::CF_INDEX);
        let chunks_cf = self.cf(keys::CF_CHUNKS);
        let meta_cf = self.cf(keys::CF_META);
        let mut batch = WriteBatch::default();
        batch.delete_range_cf(
            chunks_cf,
            keys::chunk_day_prefix(tenant, 0),
            keys::chunk_day_prefix(tenant, first_kept),
        );
        batch.delete_range_cf(
            index_cf,
            keys::postings_day_prefix(tenant, 0),
            keys::postings_day_prefix(tenant, first_kept),
        );
        batch.delete_range_cf(
            index_cf,
            keys::tenant_day(tenant, 0),
            keys::tenant_day(tenant, first_kept),
        );
        batch.delete_range_cf(
            meta_cf,
            keys::pending_merge(tenant, 0),
            keys::pending_merge(tenant, first_kept),
        );
        self.db
            .write(batch)
            .context(|| format!("delete expired days of {tenant}"))?;
        self.tenant_days.remove_before(tenant, first_kept);
        self.db.compact_range_cf(
            chunks_cf,
            Some(keys::chunk_day_prefix(tenant, 0)),
            Some(keys::chunk_day_prefix(tenant, first_kept)),
        );
        Ok(())
    }
}
