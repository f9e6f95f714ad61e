//! The chunk codec: a run of samples of one series in, a compact checksummed byte
//! block out, and back.
//!
//! This crate knows nothing of RocksDB, series ids or tenants. The storage engine
//! writes its chunks into RocksDB; in cluster mode the same bytes travel over RPC
//! and are decoded on select nodes, which is why the codec stands alone. The byte
//! layout is drawn in `docs/format/chunk.md`.
//!
//! How the modules fit:
//!
//! - [`encode`] and [`decode`] (`encoder.rs`, `decoder.rs`) are the whole API: the
//!   encoder appends one chunk to a caller-owned buffer; the decoder returns the
//!   samples and the unread tail. [`decode_header`] reads only what a query needs
//!   to skip a chunk ([`ChunkHeader`], `header.rs`).
//! - `frame.rs` is the outer layout: version byte, flags, header fields, the body
//!   length and the CRC32C that covers them all.
//! - The body is the timestamps (`timestamps.rs`: delta-of-delta) followed by the
//!   values: decimal mantissas with one shared exponent when every value converts
//!   losslessly (`decimal.rs` converts, `mantissas.rs` delta-encodes), otherwise
//!   Gorilla-style XOR of the bit patterns (`xor.rs` over `bits.rs`).
//! - `compression.rs` runs zstd over the body when that makes it smaller.
//! - `limits.rs` bounds everything a decoder may be asked to allocate; `error.rs`
//!   holds the crate's one error type.

#![deny(clippy::indexing_slicing)]
#![deny(clippy::unwrap_used, clippy::expect_used)]

mod bits;
mod compression;
mod decimal;
mod decoder;
mod encoder;
mod error;
mod frame;
mod header;
mod limits;
mod mantissas;
mod timestamps;
mod varints;
mod xor;

pub use compression::ZSTD_LEVEL_DEFAULT;
pub use decoder::{decode, decode_header, decode_into, decode_range_into};
pub use encoder::{encode, encode_uncompressed, encode_with_level};
pub use error::ChunkError;
pub use frame::FORMAT_VERSION;
pub use header::{ChunkHeader, ValueEncoding};
pub use limits::{BODY_BYTES_MAX, CHUNK_BYTES_MAX, SAMPLES_PER_CHUNK_MAX};
