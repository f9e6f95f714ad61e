//! zstd over the chunk body, kept only when it makes the body smaller.
//!
//! Each thread keeps one compression and one decompression context for its
//! lifetime: creating a context costs more than compressing a 120-sample body
//! (with a fresh context per call the bench measured 20 µs per 120-sample encode
//! and 15 µs per decode, against 14 µs and 3 to 6 µs with kept ones).

use std::cell::RefCell;

use zstd::bulk::{Compressor, Decompressor};
use zstd::zstd_safe::CParameter;

use crate::error::ChunkError;

/// The zstd level [`crate::encode`] uses.
///
/// Level 1, because higher levels buy next to nothing on chunk bodies: the
/// varints leave few long matches, so what zstd gains is entropy coding, which
/// every level does. Measured with `cargo bench -p estuary-chunk --bench
/// chunk_codec` on 5760-sample day chunks, bytes/sample at levels 1 / 3 / 9 / 19:
/// counter 0.903 / 0.902 / 0.891 / 0.889, gauge 0.649 / 0.675 / 0.665 / 0.634,
/// request counter 0.586 / 0.642 / 0.626 / 0.575, random floats 8.009 / 8.007 /
/// 7.995 / 8.020; encode speed for the counter 43 / 36 / 27 / 2 M samples/s. On
/// 120-sample chunks levels 1 and 3 give identical sizes. A writer that wants
/// the last few percent (a day merge, say) can pass a higher level to
/// [`crate::encode_with_level`].
pub const ZSTD_LEVEL_DEFAULT: i32 = 1;

thread_local! {
    static COMPRESSOR: RefCell<Option<Compressor<'static>>> = const { RefCell::new(None) };
    static DECOMPRESSOR: RefCell<Option<Decompressor<'static>>> = const { RefCell::new(None) };
}

/// The body compressed at `level`, when that is smaller than `body`. A zstd
/// failure (it can only fail to allocate) keeps the body uncompressed.
pub(crate) fn compress(body: &[u8], level: i32) -> Option<Vec<u8>> {
    let compressed = COMPRESSOR.with(|cell| {
        let mut slot = cell.try_borrow_mut().ok()?;
        let compressor = match slot.as_mut() {
            Some(compressor) => compressor,
            None => slot.insert(Compressor::new(level).ok()?),
        };
        compressor
            .set_parameter(CParameter::CompressionLevel(level))
            .ok()?;
        compressor.compress(body).ok()
    })?;
    (compressed.len() < body.len()).then_some(compressed)
}

/// Decompresses a body the header says is `raw_bytes` long; zstd never writes
/// past that many bytes, so a corrupt body cannot make it allocate more.
pub(crate) fn decompress(stored: &[u8], raw_bytes: usize) -> Result<Vec<u8>, ChunkError> {
    let body = DECOMPRESSOR
        .with(|cell| {
            let mut slot = cell.try_borrow_mut().map_err(std::io::Error::other)?;
            let decompressor = match slot.as_mut() {
                Some(decompressor) => decompressor,
                None => slot.insert(Decompressor::new()?),
            };
            decompressor.decompress(stored, raw_bytes)
        })
        .map_err(ChunkError::Decompress)?;
    if body.len() != raw_bytes {
        return Err(ChunkError::DecompressedLengthMismatch {
            expected: raw_bytes,
            found: body.len(),
        });
    }
    Ok(body)
}
