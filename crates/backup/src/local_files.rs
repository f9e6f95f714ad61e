//! The files under a local directory, as relative `/`-separated paths.

use crate::error::{BackupError, IoContext};
use crate::plan::LocalFile;
use std::path::Path;

/// Every regular file under `root` (recursively), sorted by path, except the
/// top-level names in `skip`. Symbolic links are refused: a snapshot holds
/// none, and following one could leave the directory.
pub fn walk(root: &Path, skip: &[&str]) -> Result<Vec<LocalFile>, BackupError> {
    let mut files = Vec::new();
    walk_into(root, "", skip, &mut files)?;
    files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(files)
}

fn walk_into(
    dir: &Path,
    relative: &str,
    skip: &[&str],
    files: &mut Vec<LocalFile>,
) -> Result<(), BackupError> {
    let entries = std::fs::read_dir(dir).io_context(|| format!("list {}", dir.display()))?;
    for entry in entries {
        let entry = entry.io_context(|| format!("list {}", dir.display()))?;
        let name = entry.file_name();
        let Some(name) = name.to_str() else {
            return Err(BackupError::Backup(format!(
                "{} has a file name that is not UTF-8",
                dir.display()
            )));
        };
        if relative.is_empty() && skip.contains(&name) {
            continue;
        }
        let path = if relative.is_empty() {
            name.to_string()
        } else {
            format!("{relative}/{name}")
        };
        let kind = entry
            .file_type()
            .io_context(|| format!("inspect {}", entry.path().display()))?;
        if kind.is_dir() {
            walk_into(&entry.path(), &path, skip, files)?;
        } else if kind.is_file() {
            let size = entry
                .metadata()
                .io_context(|| format!("inspect {}", entry.path().display()))?
                .len();
            files.push(LocalFile { path, size });
        } else {
            return Err(BackupError::Backup(format!(
                "{} is neither a file nor a directory",
                entry.path().display()
            )));
        }
    }
    Ok(())
}

/// Removes empty directories under `root` (not `root` itself).
pub fn remove_empty_dirs(root: &Path) -> Result<(), BackupError> {
    let entries = std::fs::read_dir(root).io_context(|| format!("list {}", root.display()))?;
    for entry in entries {
        let entry = entry.io_context(|| format!("list {}", root.display()))?;
        if entry
            .file_type()
            .io_context(|| format!("inspect {}", entry.path().display()))?
            .is_dir()
        {
            remove_empty_dirs(&entry.path())?;
            let path = entry.path();
            let empty = std::fs::read_dir(&path)
                .io_context(|| format!("list {}", path.display()))?
                .next()
                .is_none();
            if empty {
                std::fs::remove_dir(&path)
                    .io_context(|| format!("remove empty directory {}", path.display()))?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn walks_nested_files_and_skips_top_level_names() {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::create_dir_all(dir.path().join("db/sub")).expect("mkdir");
        std::fs::create_dir_all(dir.path().join("empty/inner")).expect("mkdir");
        std::fs::write(dir.path().join("db/1.sst"), b"abc").expect("write");
        std::fs::write(dir.path().join("db/sub/x"), b"").expect("write");
        std::fs::write(dir.path().join("marker"), b"").expect("write");
        let files = walk(dir.path(), &["marker"]).expect("walk");
        let paths: Vec<(&str, u64)> = files.iter().map(|f| (f.path.as_str(), f.size)).collect();
        assert_eq!(paths, vec![("db/1.sst", 3), ("db/sub/x", 0)]);
        remove_empty_dirs(dir.path()).expect("clean");
        assert!(!dir.path().join("empty").exists());
        assert!(dir.path().join("db/sub").exists());
    }
}
