//! Listing a backup location into a [`Listing`].

use crate::error::{BackupError, StoreContext};
use crate::layout::Listing;
use crate::location::Location;
use futures::TryStreamExt;

/// Lists every object under the location's prefix.
pub async fn list(location: &Location) -> Result<Listing, BackupError> {
    let prefix = (!location.prefix.as_ref().is_empty()).then_some(&location.prefix);
    let objects: Vec<_> = location
        .store
        .list(prefix)
        .try_collect()
        .await
        .store_context(|| format!("list {}", location.url))?;
    let mut listing = Listing::default();
    for object in objects {
        if let Some(relative) = location.relative(&object.location) {
            listing.add(relative);
        }
    }
    Ok(listing)
}
