//! Replays segments after a restart. A record that is cut short or fails its
//! checksum ends the segment: everything before it is replayed, the segment is
//! truncated there so the damage is not met again, and the rest is reported.

use super::{
    FRAME_HEADER_LEN, RECORD_BYTES_MAX, SEGMENT_HEADER_LEN, SEGMENT_MAGIC, SEGMENT_VERSION,
};
use std::path::Path;

/// What replaying one segment found.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct SegmentReplay {
    /// Records handed to the callback.
    pub records: u64,
    /// Bytes dropped after the last good record (a torn or corrupt tail).
    pub bytes_dropped: u64,
}

/// Why a segment could not be replayed at all.
#[derive(Debug, thiserror::Error)]
pub enum ReplayError {
    /// Reading or truncating the file failed.
    #[error("cannot replay WAL segment {path}: {source}")]
    Io {
        /// The segment.
        path: String,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The file does not start with a known header.
    #[error("WAL segment {path} has an unknown header (magic or version {version})")]
    BadHeader {
        /// The segment.
        path: String,
        /// The version byte found (0 if the file is too short).
        version: u8,
    },
    /// The callback rejected a record whose checksum was valid.
    #[error("WAL segment {path}: record at offset {offset}: {message}")]
    Record {
        /// The segment.
        path: String,
        /// Byte offset of the record's frame.
        offset: u64,
        /// What was wrong.
        message: String,
    },
}

/// Replays every intact record of the segment at `path`, truncating a damaged
/// tail. `apply` receives each payload and may reject it.
pub fn replay_segment(
    path: &Path,
    mut apply: impl FnMut(&[u8]) -> Result<(), String>,
) -> Result<SegmentReplay, ReplayError> {
    let display = path.display().to_string();
    let io_error = |source| ReplayError::Io {
        path: display.clone(),
        source,
    };
    let bytes = std::fs::read(path).map_err(io_error)?;
    if bytes.len() < SEGMENT_HEADER_LEN {
        // Crash while the header was written: nothing was ever acknowledged here.
        std::fs::write(path, []).map_err(io_error)?;
        return Ok(SegmentReplay {
            records: 0,
            bytes_dropped: bytes.len() as u64,
        });
    }
    if bytes[..4] != SEGMENT_MAGIC || bytes[4] != SEGMENT_VERSION {
        return Err(ReplayError::BadHeader {
            path: display,
            version: bytes[4],
        });
    }
    let mut offset = SEGMENT_HEADER_LEN;
    let mut replay = SegmentReplay::default();
    while offset < bytes.len() {
        let Some(payload) = frame_at(&bytes, offset) else {
            break;
        };
        apply(payload).map_err(|message| ReplayError::Record {
            path: display.clone(),
            offset: offset as u64,
            message,
        })?;
        replay.records += 1;
        offset += FRAME_HEADER_LEN + payload.len();
    }
    if offset < bytes.len() {
        replay.bytes_dropped = (bytes.len() - offset) as u64;
        let file = std::fs::OpenOptions::new()
            .write(true)
            .open(path)
            .map_err(io_error)?;
        file.set_len(offset as u64).map_err(io_error)?;
        file.sync_all().map_err(io_error)?;
    }
    Ok(replay)
}

/// The payload of the intact frame at `offset`, or None if the frame is cut
/// short, too long or fails its checksum.
fn frame_at(bytes: &[u8], offset: usize) -> Option<&[u8]> {
    let header = bytes.get(offset..offset + FRAME_HEADER_LEN)?;
    let length = u32::from_le_bytes(header[..4].try_into().ok()?) as usize;
    let checksum = u32::from_le_bytes(header[4..].try_into().ok()?);
    if length > RECORD_BYTES_MAX {
        return None;
    }
    let start = offset + FRAME_HEADER_LEN;
    let payload = bytes.get(start..start + length)?;
    (crc32c::crc32c(payload) == checksum).then_some(payload)
}

#[cfg(test)]
mod tests {
    use super::super::writer::WalWriter;
    use super::super::{list_segments, segment_path};
    use super::*;

    fn write_records(dir: &Path, records: &[&[u8]]) -> std::path::PathBuf {
        let writer = WalWriter::create(dir, 1, 1 << 20).expect("create");
        let mut last = 0;
        for record in records {
            last = writer.append(record).expect("append");
        }
        writer.sync_upto(last).expect("sync");
        segment_path(dir, 1)
    }

    fn replayed(path: &Path) -> (Vec<Vec<u8>>, SegmentReplay) {
        let mut seen = Vec::new();
        let replay = replay_segment(path, |p| {
            seen.push(p.to_vec());
            Ok(())
        })
        .expect("replay");
        (seen, replay)
    }

    #[test]
    fn every_cut_of_the_last_record_keeps_the_earlier_ones() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = write_records(dir.path(), &[b"first", b"second record"]);
        let full = std::fs::read(&path).expect("read");
        let second_start = SEGMENT_HEADER_LEN + FRAME_HEADER_LEN + 5;
        for cut in second_start..full.len() {
            std::fs::write(&path, &full[..cut]).expect("write");
            let (seen, replay) = replayed(&path);
            assert_eq!(seen, vec![b"first".to_vec()], "cut at {cut}");
            assert_eq!(replay.bytes_dropped, (cut - second_start) as u64);
            assert_eq!(
                std::fs::metadata(&path).expect("stat").len(),
                second_start as u64
            );
        }
    }

    #[test]
    fn a_flipped_bit_ends_the_segment_at_the_damaged_record() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = write_records(dir.path(), &[b"first", b"second", b"third"]);
        let mut bytes = std::fs::read(&path).expect("read");
        let second_payload = SEGMENT_HEADER_LEN + 2 * FRAME_HEADER_LEN + 5;
        bytes[second_payload] ^= 0x40;
        std::fs::write(&path, &bytes).expect("write");
        let (seen, _) = replayed(&path);
        assert_eq!(seen, vec![b"first".to_vec()]);
    }

    #[test]
    fn rotation_starts_numbered_segments() {
        let dir = tempfile::tempdir().expect("tempdir");
        let writer = WalWriter::create(dir.path(), 4, 1 << 20).expect("create");
        writer.append(b"a").expect("append");
        assert_eq!(writer.rotate().expect("rotate"), 4);
        writer.append(b"b").expect("append");
        assert_eq!(list_segments(dir.path()).expect("list"), vec![4, 5]);
        writer.remove_segments_upto(4).expect("remove");
        assert_eq!(list_segments(dir.path()).expect("list"), vec![5]);
    }
}
