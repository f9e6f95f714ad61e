//! How a backup lies in the object store: every file of the snapshot, by its
//! path relative to the snapshot root, as one or more objects named
//! `<path>/<fileSize:016X>_<offset:016X>_<chunkSize:016X>` (chunks of at most
//! 1 GiB), plus marker objects at the top of the prefix.

use std::collections::BTreeMap;

/// Written last by a backup; a restore refuses a backup without it.
pub const BACKUP_COMPLETE: &str = "backup_complete.ignore";
/// When the backup started and finished (JSON).
pub const BACKUP_METADATA: &str = "backup_metadata.ignore";
/// The largest object one file is split into.
pub const CHUNK_BYTES_MAX: u64 = 1 << 30;

/// One object of a file: bytes `offset..offset + len` of a file of `file_size`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Part {
    /// The whole file's size.
    pub file_size: u64,
    /// Where the chunk starts in the file.
    pub offset: u64,
    /// The chunk's length.
    pub len: u64,
}

impl Part {
    /// The object name within the file's directory.
    pub fn object_name(&self) -> String {
        format!(
            "{:016X}_{:016X}_{:016X}",
            self.file_size, self.offset, self.len
        )
    }

    /// Parses an object name; `None` if it is not one of ours.
    pub fn parse(name: &str) -> Option<Part> {
        let mut fields = name.split('_');
        let mut next = || {
            fields
                .next()
                .filter(|f| f.len() == 16)
                .and_then(|f| u64::from_str_radix(f, 16).ok())
        };
        let part = Part {
            file_size: next()?,
            offset: next()?,
            len: next()?,
        };
        (fields.next().is_none()).then_some(part)
    }
}

/// The parts a file of `size` bytes is stored as (one empty part for an
/// empty file).
pub fn parts_of(size: u64, chunk_max: u64) -> Vec<Part> {
    let chunk_max = chunk_max.max(1);
    if size == 0 {
        return vec![Part {
            file_size: 0,
            offset: 0,
            len: 0,
        }];
    }
    (0..size.div_ceil(chunk_max))
        .map(|i| {
            let offset = i * chunk_max;
            Part {
                file_size: size,
                offset,
                len: chunk_max.min(size - offset),
            }
        })
        .collect()
}

/// Whether `parts` cover a file of `size` bytes exactly once, in order.
pub fn covers(parts: &[Part], size: u64) -> bool {
    let mut sorted = parts.to_vec();
    sorted.sort();
    if size == 0 {
        return sorted.len() == 1 && sorted[0].file_size == 0 && sorted[0].len == 0;
    }
    let mut next = 0;
    for part in &sorted {
        if part.file_size != size || part.offset != next || part.len == 0 {
            return false;
        }
        next += part.len;
    }
    next == size
}

/// Whether a file never changes once written, so an equal size means equal
/// content: RocksDB's table and blob files. Everything else (`CURRENT`,
/// `MANIFEST-*`, `OPTIONS-*`, logs) is copied again on every run.
pub fn is_immutable(relative_path: &str) -> bool {
    relative_path.ends_with(".sst") || relative_path.ends_with(".blob")
}

/// What a prefix in the object store holds.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Listing {
    /// Files by relative path, with the parts found.
    pub files: BTreeMap<String, Vec<Part>>,
    /// Marker objects found (by name).
    pub markers: Vec<String>,
    /// Objects under the prefix that are neither (relative keys).
    pub foreign: Vec<String>,
}

impl Listing {
    /// Sorts one object key (relative to the prefix) into the listing.
    pub fn add(&mut self, key: &str) {
        if key == BACKUP_COMPLETE || key == BACKUP_METADATA {
            self.markers.push(key.to_string());
            return;
        }
        match key.rsplit_once('/') {
            Some((file, name)) if is_safe_relative_path(file) => match Part::parse(name) {
                Some(part) => self.files.entry(file.to_string()).or_default().push(part),
                None => self.foreign.push(key.to_string()),
            },
            _ => self.foreign.push(key.to_string()),
        }
    }

    /// Whether `file` is stored completely with `size` bytes.
    pub fn has_complete(&self, file: &str, size: u64) -> bool {
        self.files
            .get(file)
            .is_some_and(|parts| covers(parts, size))
    }

    /// Whether the backup-complete marker is there.
    pub fn is_complete(&self) -> bool {
        self.markers.iter().any(|m| m == BACKUP_COMPLETE)
    }
}

/// The object key of one part, relative to the prefix.
pub fn part_key(file: &str, part: &Part) -> String {
    format!("{file}/{}", part.object_name())
}

/// Whether a relative path is safe to join onto a local directory: `/`
/// separated, no empty, `.` or `..` components, no backslashes or NULs.
pub fn is_safe_relative_path(path: &str) -> bool {
    !path.is_empty()
        && !path.contains(['\\', '\0'])
        && path
            .split('/')
            .all(|c| !c.is_empty() && c != "." && c != "..")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn part_names_round_trip_and_match_the_contract() {
        let part = Part {
            file_size: 0x1234,
            offset: 0,
            len: 0x1234,
        };
        assert_eq!(
            part.object_name(),
            "0000000000001234_0000000000000000_0000000000001234"
        );
        assert_eq!(Part::parse(&part.object_name()), Some(part));
        for bad in [
            "",
            "x",
            "0000000000001234_0_0",
            "0000000000001234_0000000000000000_000000000000123G",
            "0000000000001234_0000000000000000_0000000000001234_0000000000000000",
        ] {
            assert_eq!(Part::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn files_split_into_chunks_that_cover_them() {
        assert_eq!(parts_of(0, 10).len(), 1);
        assert!(covers(&parts_of(0, 10), 0));
        let parts = parts_of(25, 10);
        assert_eq!(
            parts.iter().map(|p| p.len).collect::<Vec<_>>(),
            vec![10, 10, 5]
        );
        assert!(covers(&parts, 25));
        assert!(!covers(&parts, 26));
        assert!(!covers(&parts[..2], 25));
        let mut reversed = parts.clone();
        reversed.reverse();
        assert!(covers(&reversed, 25));
        assert_eq!(parts_of(CHUNK_BYTES_MAX, CHUNK_BYTES_MAX).len(), 1);
    }

    #[test]
    fn listing_sorts_keys() {
        let mut listing = Listing::default();
        listing.add("db/000012.sst/0000000000000010_0000000000000000_0000000000000010");
        listing.add(BACKUP_COMPLETE);
        listing.add("db/../x/0000000000000010_0000000000000000_0000000000000010");
        listing.add("stray");
        assert!(listing.has_complete("db/000012.sst", 16));
        assert!(listing.is_complete());
        assert_eq!(listing.foreign.len(), 2);
    }

    #[test]
    fn unsafe_paths_are_refused() {
        for bad in ["", "/etc/passwd", "a//b", "../a", "a/./b", "a\\b", "a/.."] {
            assert!(!is_safe_relative_path(bad), "{bad}");
        }
        assert!(is_safe_relative_path("db/000012.sst"));
    }
}
