//! The write-ahead log: every acknowledged sample is here before the write
//! returns, until a head flush has put it into RocksDB.
//!
//! A log is a directory of numbered segment files. [`record`] encodes what one
//! write appends, [`writer`] appends framed records with group commit, and
//! [`reader`] replays segments after a restart, cutting a torn tail. The byte
//! layout is drawn in `docs/format/wal.md`.

pub mod reader;
pub mod record;
pub mod writer;

use std::path::{Path, PathBuf};

/// Magic bytes at the start of every segment file.
pub const SEGMENT_MAGIC: [u8; 4] = *b"EWAL";
/// Segment format version written after the magic.
pub const SEGMENT_VERSION: u8 = 1;
/// Bytes of the segment header: magic, version, three reserved zero bytes.
pub const SEGMENT_HEADER_LEN: usize = 8;
/// Bytes of a record frame header: payload length (u32 LE) and CRC32C (u32 LE).
pub const FRAME_HEADER_LEN: usize = 8;
/// Largest record payload accepted when reading. A write of 32 MiB of
/// remote-write body expands to well under this; larger lengths mean corruption.
pub const RECORD_BYTES_MAX: usize = 256 << 20;

/// The file name of segment `index`.
pub fn segment_path(dir: &Path, index: u64) -> PathBuf {
    dir.join(format!("{index:016}"))
}

/// The segment indexes present in `dir`, ascending. Files with other names are
/// ignored.
pub fn list_segments(dir: &Path) -> std::io::Result<Vec<u64>> {
    let mut indexes = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        if name.len() == 16
            && name.bytes().all(|b| b.is_ascii_digit())
            && let Ok(index) = name.parse()
        {
            indexes.push(index);
        }
    }
    indexes.sort_unstable();
    Ok(indexes)
}
