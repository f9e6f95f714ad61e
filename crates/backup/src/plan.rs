//! What a run has to do, decided before anything is touched: pure functions
//! from the local files and the listings to lists of operations.

use crate::layout::{self, Listing, Part, is_immutable};
use std::collections::BTreeMap;

/// A local file: its path relative to the root (`/`-separated) and size.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalFile {
    /// Relative path, `/`-separated.
    pub path: String,
    /// Size in bytes.
    pub size: u64,
}

/// The operations of one backup run.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct BackupPlan {
    /// Keys (relative to the destination prefix) to delete: files gone from
    /// the snapshot, changed or half-written files, and stray objects.
    pub delete: Vec<String>,
    /// Files to copy server-side from the origin, with their parts.
    pub copy: Vec<(String, Vec<Part>)>,
    /// Files to upload.
    pub upload: Vec<LocalFile>,
    /// Files already in the destination, untouched.
    pub reused: Vec<LocalFile>,
}

/// Plans a backup of `local` into `dst`, copying from `origin` what it holds.
pub fn plan_backup(local: &[LocalFile], dst: &Listing, origin: Option<&Listing>) -> BackupPlan {
    let mut plan = BackupPlan::default();
    let wanted: BTreeMap<&str, &LocalFile> = local.iter().map(|f| (f.path.as_str(), f)).collect();
    for (path, parts) in &dst.files {
        let keep = wanted
            .get(path.as_str())
            .is_some_and(|f| is_immutable(&f.path) && layout::covers(parts, f.size));
        if !keep {
            plan.delete
                .extend(parts.iter().map(|part| layout::part_key(path, part)));
        }
    }
    plan.delete.extend(dst.foreign.iter().cloned());
    for file in local {
        let reusable = |listing: &Listing| {
            is_immutable(&file.path) && listing.has_complete(&file.path, file.size)
        };
        if reusable(dst) {
            plan.reused.push(file.clone());
        } else if let Some(parts) = origin
            .filter(|o| reusable(o))
            .and_then(|o| o.files.get(&file.path))
        {
            plan.copy.push((file.path.clone(), parts.clone()));
        } else {
            plan.upload.push(file.clone());
        }
    }
    plan
}

/// Plans a server-side copy of the complete backup `origin` into `dst`:
/// what a backup of the same files would do, with every file fetched from
/// the origin (there is no local copy to upload from).
pub fn plan_sync(origin: &Listing, dst: &Listing) -> BackupPlan {
    let files: Vec<LocalFile> = origin
        .files
        .iter()
        .map(|(path, parts)| LocalFile {
            path: path.clone(),
            size: parts.first().map_or(0, |p| p.file_size),
        })
        .collect();
    let mut plan = plan_backup(&files, dst, Some(origin));
    for file in std::mem::take(&mut plan.upload) {
        if let Some(parts) = origin.files.get(&file.path) {
            plan.copy.push((file.path, parts.clone()));
        }
    }
    plan
}

/// The operations of one restore run.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct RestorePlan {
    /// Local files to delete (not in the backup).
    pub delete: Vec<String>,
    /// Files to download, with their size and parts.
    pub download: Vec<(LocalFile, Vec<Part>)>,
    /// Local files already equal to the backup's.
    pub kept: Vec<LocalFile>,
}

/// Plans a restore of `backup` over the `local` files. Fails when a file of
/// the backup is missing parts.
pub fn plan_restore(backup: &Listing, local: &[LocalFile]) -> Result<RestorePlan, String> {
    let mut plan = RestorePlan::default();
    let present: BTreeMap<&str, u64> = local.iter().map(|f| (f.path.as_str(), f.size)).collect();
    for (path, parts) in &backup.files {
        let size = parts.first().map_or(0, |p| p.file_size);
        if !layout::covers(parts, size) {
            return Err(format!(
                "the backup is damaged: the parts of {path} do not cover its {size} bytes"
            ));
        }
        let file = LocalFile {
            path: path.clone(),
            size,
        };
        if is_immutable(path) && present.get(path.as_str()) == Some(&size) {
            plan.kept.push(file);
        } else {
            let mut parts = parts.clone();
            parts.sort();
            plan.download.push((file, parts));
        }
    }
    plan.delete = local
        .iter()
        .filter(|f| !backup.files.contains_key(&f.path))
        .map(|f| f.path.clone())
        .collect();
    Ok(plan)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layout::{BACKUP_COMPLETE, part_key, parts_of};

    fn file(path: &str, size: u64) -> LocalFile {
        LocalFile {
            path: path.into(),
            size,
        }
    }

    fn listing(files: &[LocalFile]) -> Listing {
        let mut listing = Listing::default();
        for f in files {
            for part in parts_of(f.size, 10) {
                listing.add(&part_key(&f.path, &part));
            }
        }
        listing.add(BACKUP_COMPLETE);
        listing
    }

    #[test]
    fn a_first_backup_uploads_everything() {
        let local = [file("db/1.sst", 5), file("db/CURRENT", 16)];
        let plan = plan_backup(&local, &Listing::default(), None);
        assert_eq!(plan.upload, local.to_vec());
        assert!(plan.delete.is_empty() && plan.reused.is_empty());
    }

    #[test]
    fn an_incremental_backup_uploads_new_and_mutable_files_and_deletes_gone_ones() {
        let before = [
            file("db/1.sst", 25),
            file("db/2.sst", 5),
            file("db/CURRENT", 16),
        ];
        let mut dst = listing(&before);
        dst.add("stray-object");
        let now = [
            file("db/1.sst", 25),
            file("db/3.sst", 7),
            file("db/CURRENT", 16),
        ];
        let plan = plan_backup(&now, &dst, None);
        assert_eq!(plan.reused, vec![file("db/1.sst", 25)]);
        assert_eq!(
            plan.upload,
            vec![file("db/3.sst", 7), file("db/CURRENT", 16)]
        );
        let mut expected_delete: Vec<String> = parts_of(16, 10)
            .iter()
            .map(|p| part_key("db/CURRENT", p))
            .chain(parts_of(5, 10).iter().map(|p| part_key("db/2.sst", p)))
            .collect();
        expected_delete.push("stray-object".into());
        let mut deleted = plan.delete.clone();
        deleted.sort();
        expected_delete.sort();
        assert_eq!(deleted, expected_delete);
    }

    #[test]
    fn a_half_uploaded_or_resized_file_is_uploaded_again() {
        let mut dst = Listing::default();
        let parts = parts_of(25, 10);
        dst.add(&part_key("db/1.sst", &parts[0]));
        let plan = plan_backup(&[file("db/1.sst", 25)], &dst, None);
        assert_eq!(plan.upload.len(), 1);
        assert_eq!(plan.delete, vec![part_key("db/1.sst", &parts[0])]);
        let plan = plan_backup(
            &[file("db/1.sst", 26)],
            &listing(&[file("db/1.sst", 25)]),
            None,
        );
        assert_eq!(plan.upload.len(), 1);
    }

    #[test]
    fn files_in_the_origin_are_copied_not_uploaded() {
        let origin = listing(&[file("db/1.sst", 5), file("db/CURRENT", 16)]);
        let local = [file("db/1.sst", 5), file("db/CURRENT", 16)];
        let plan = plan_backup(&local, &Listing::default(), Some(&origin));
        assert_eq!(plan.copy.len(), 1);
        assert_eq!(plan.copy[0].0, "db/1.sst");
        assert_eq!(plan.upload, vec![file("db/CURRENT", 16)]);
    }

    #[test]
    fn a_sync_copies_everything_the_destination_lacks() {
        let origin = listing(&[
            file("db/1.sst", 5),
            file("db/2.sst", 25),
            file("db/CURRENT", 16),
        ]);
        let dst = listing(&[file("db/1.sst", 5), file("db/9.sst", 3)]);
        let plan = plan_sync(&origin, &dst);
        assert!(plan.upload.is_empty());
        let copied: Vec<&str> = plan.copy.iter().map(|(p, _)| p.as_str()).collect();
        assert_eq!(copied, vec!["db/2.sst", "db/CURRENT"]);
        assert_eq!(plan.copy[0].1.len(), 3);
        assert_eq!(plan.reused, vec![file("db/1.sst", 5)]);
        assert_eq!(plan.delete, vec![part_key("db/9.sst", &parts_of(3, 10)[0])]);
    }

    #[test]
    fn a_restore_downloads_what_differs_and_deletes_the_rest() {
        let backup = listing(&[
            file("db/1.sst", 25),
            file("db/2.sst", 5),
            file("db/CURRENT", 16),
        ]);
        let local = [
            file("db/1.sst", 25),
            file("db/2.sst", 4),
            file("db/CURRENT", 16),
            file("wal/1", 3),
        ];
        let plan = plan_restore(&backup, &local).expect("plan");
        assert_eq!(plan.kept, vec![file("db/1.sst", 25)]);
        let downloads: Vec<&str> = plan.download.iter().map(|(f, _)| f.path.as_str()).collect();
        assert_eq!(downloads, vec!["db/2.sst", "db/CURRENT"]);
        assert_eq!(plan.delete, vec!["wal/1".to_string()]);
    }

    #[test]
    fn a_restore_refuses_a_file_with_missing_parts() {
        let mut backup = Listing::default();
        backup.add(&part_key("db/1.sst", &parts_of(25, 10)[1]));
        assert!(plan_restore(&backup, &[]).is_err());
    }
}
