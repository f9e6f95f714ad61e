//! Appends framed records to the current segment and makes them durable with
//! group commit: concurrent writers that append before one `fdatasync` share it.

use super::{FRAME_HEADER_LEN, SEGMENT_HEADER_LEN, SEGMENT_MAGIC, SEGMENT_VERSION, segment_path};
use parking_lot::Mutex;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// The appending side of the log.
///
/// Positions are byte offsets in one logical stream over all segments: a record's
/// position is the stream offset just past it, and [`WalWriter::sync_upto`] makes
/// everything before a position durable.
pub struct WalWriter {
    dir: PathBuf,
    state: Mutex<WriterState>,
    sync_lock: Mutex<()>,
    synced_position: AtomicU64,
    segment_bytes_max: u64,
}

struct WriterState {
    file: Arc<File>,
    segment_index: u64,
    segment_bytes: u64,
    position: u64,
}

impl WalWriter {
    /// Opens a new segment numbered after `last_segment` in `dir`.
    pub fn create(dir: &Path, next_segment: u64, segment_bytes_max: u64) -> std::io::Result<Self> {
        std::fs::create_dir_all(dir)?;
        let file = create_segment(dir, next_segment)?;
        Ok(WalWriter {
            dir: dir.to_path_buf(),
            state: Mutex::new(WriterState {
                file: Arc::new(file),
                segment_index: next_segment,
                segment_bytes: SEGMENT_HEADER_LEN as u64,
                position: 0,
            }),
            sync_lock: Mutex::new(()),
            synced_position: AtomicU64::new(0),
            segment_bytes_max,
        })
    }

    /// Appends one record; returns its end position. Not yet durable: call
    /// [`WalWriter::sync_upto`] with the returned position.
    pub fn append(&self, payload: &[u8]) -> std::io::Result<u64> {
        let length = u32::try_from(payload.len()).map_err(|_| {
            std::io::Error::other(format!(
                "WAL record of {} bytes is too large",
                payload.len()
            ))
        })?;
        let mut frame = Vec::with_capacity(FRAME_HEADER_LEN + payload.len());
        frame.extend_from_slice(&length.to_le_bytes());
        frame.extend_from_slice(&crc32c::crc32c(payload).to_le_bytes());
        frame.extend_from_slice(payload);

        let mut state = self.state.lock();
        if state.segment_bytes + frame.len() as u64 > self.segment_bytes_max
            && state.segment_bytes > SEGMENT_HEADER_LEN as u64
        {
            self.rotate_locked(&mut state)?;
        }
        (&*state.file).write_all(&frame)?;
        state.segment_bytes += frame.len() as u64;
        state.position += frame.len() as u64;
        Ok(state.position)
    }

    /// Makes every record up to `position` durable. Writers waiting here at the
    /// same time share one `fdatasync`.
    pub fn sync_upto(&self, position: u64) -> std::io::Result<()> {
        if self.synced_position.load(Ordering::Acquire) >= position {
            return Ok(());
        }
        let _sync = self.sync_lock.lock();
        if self.synced_position.load(Ordering::Acquire) >= position {
            return Ok(());
        }
        let (file, covered) = {
            let state = self.state.lock();
            (state.file.clone(), state.position)
        };
        file.sync_data()?;
        self.synced_position.fetch_max(covered, Ordering::AcqRel);
        Ok(())
    }

    /// Closes the current segment (durably) and starts the next one; returns the
    /// index of the closed segment. Every record appended before the call is in a
    /// segment with an index at most the returned one.
    pub fn rotate(&self) -> std::io::Result<u64> {
        let mut state = self.state.lock();
        let closed = state.segment_index;
        self.rotate_locked(&mut state)?;
        Ok(closed)
    }

    /// Deletes segments with an index at most `last`.
    pub fn remove_segments_upto(&self, last: u64) -> std::io::Result<()> {
        for index in super::list_segments(&self.dir)? {
            if index <= last {
                std::fs::remove_file(segment_path(&self.dir, index))?;
            }
        }
        Ok(())
    }

    /// Bytes appended since the writer was created.
    pub fn position(&self) -> u64 {
        self.state.lock().position
    }

    fn rotate_locked(&self, state: &mut WriterState) -> std::io::Result<()> {
        state.file.sync_data()?;
        self.synced_position
            .fetch_max(state.position, Ordering::AcqRel);
        let next = state.segment_index + 1;
        state.file = Arc::new(create_segment(&self.dir, next)?);
        state.segment_index = next;
        state.segment_bytes = SEGMENT_HEADER_LEN as u64;
        Ok(())
    }
}

fn create_segment(dir: &Path, index: u64) -> std::io::Result<File> {
    let path = segment_path(dir, index);
    let mut file = OpenOptions::new()
        .create_new(true)
        .append(true)
        .open(&path)?;
    let mut header = [0u8; SEGMENT_HEADER_LEN];
    header[..4].copy_from_slice(&SEGMENT_MAGIC);
    header[4] = SEGMENT_VERSION;
    file.write_all(&header)?;
    file.sync_all()?;
    // Make the new directory entry durable too, or a crash could lose the file.
    File::open(dir)?.sync_all()?;
    Ok(file)
}
