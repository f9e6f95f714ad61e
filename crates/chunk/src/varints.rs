//! [`VarintReader`]: the body decoders' hot loop reader of LEB128 varints.
//!
//! It reads the same bytes as `estuary_types::encoding::get_uvarint`, but is
//! inlined into the decoding loops and takes the one-byte case (almost every
//! field of a regular series) without a loop. A failed read returns `None`;
//! the caller then asks [`VarintReader::error`] for the exact error, which
//! re-reads the field with the shared, checked reader.

use estuary_types::encoding::{DecodeError, get_uvarint, zigzag_decode};

/// Longest LEB128 encoding of a `u64`.
const VARINT_BYTES_MAX: usize = 10;

/// Reads varints from the front of a byte slice.
pub(crate) struct VarintReader<'a> {
    src: &'a [u8],
}

impl<'a> VarintReader<'a> {
    /// A reader at the start of `src`.
    pub(crate) fn new(src: &'a [u8]) -> Self {
        VarintReader { src }
    }

    /// The bytes not read yet.
    pub(crate) fn rest(&self) -> &'a [u8] {
        self.src
    }

    /// The next unsigned varint, or `None` when it is truncated or too long
    /// (the reader then stays where it was).
    #[inline(always)]
    pub(crate) fn uvarint(&mut self) -> Option<u64> {
        match self.src.first_chunk::<WORD_BYTES>() {
            Some(word) => {
                let word = u64::from_le_bytes(*word);
                if word & 0x80 == 0 {
                    self.src = self.src.get(1..)?;
                    return Some(word & 0x7f);
                }
                self.uvarint_from_word(word)
            }
            None => self.uvarint_bytewise(),
        }
    }

    /// The next zigzag varint, as [`VarintReader::uvarint`].
    #[inline(always)]
    pub(crate) fn varint(&mut self) -> Option<i64> {
        self.uvarint().map(zigzag_decode)
    }

    /// The error the field at the reader's position gives: what
    /// `get_uvarint` says about it.
    #[cold]
    pub(crate) fn error(&self, what: &'static str) -> DecodeError {
        match get_uvarint(self.src, what) {
            Err(error) => error,
            // Unreachable when a read returned `None`; report it as truncated.
            Ok(_) => DecodeError::Truncated { what },
        }
    }

    /// A varint read from the 8 bytes at the reader's position (`word`,
    /// little-endian), without a loop: its length is where the first byte
    /// without a continuation bit is, and its 7-bit groups are packed
    /// together in three shift-and-merge steps. Varints longer than the word
    /// (values from 2^56) go byte by byte.
    #[inline]
    fn uvarint_from_word(&mut self, word: u64) -> Option<u64> {
        let last_bits = !word & CONTINUATION_BITS;
        if last_bits == 0 {
            return self.uvarint_bytewise();
        }
        let length = last_bits.trailing_zeros() as usize / 8 + 1;
        // The varint's bytes with their continuation bits cleared.
        let groups = (word & (u64::MAX >> (64 - 8 * length))) & !CONTINUATION_BITS;
        let pairs = (groups & 0x007f_007f_007f_007f) | ((groups & 0x7f00_7f00_7f00_7f00) >> 1);
        let quads = (pairs & 0x0000_3fff_0000_3fff) | ((pairs & 0x3fff_0000_3fff_0000) >> 2);
        let value = (quads & 0x0fff_ffff) | ((quads & 0x0fff_ffff_0000_0000) >> 4);
        self.src = self.src.get(length..)?;
        Some(value)
    }

    /// The general reader, one byte at a time: near the end of the input
    /// and for varints of 9 or 10 bytes.
    #[inline(never)]
    fn uvarint_bytewise(&mut self) -> Option<u64> {
        let mut value = 0u64;
        for (index, &byte) in self.src.iter().take(VARINT_BYTES_MAX).enumerate() {
            value |= u64::from(byte & 0x7f) << (7 * index);
            if byte < 0x80 {
                self.src = self.src.get(index + 1..)?;
                return Some(value);
            }
        }
        None
    }
}

/// Bytes [`VarintReader::uvarint_from_word`] reads at once.
const WORD_BYTES: usize = 8;

/// The continuation bit of every byte of a little-endian word.
const CONTINUATION_BITS: u64 = 0x8080_8080_8080_8080;

#[cfg(test)]
mod tests {
    use super::*;
    use estuary_types::encoding::{put_uvarint, put_varint};

    #[test]
    fn reads_what_the_shared_writer_writes() {
        let values = [0u64, 1, 127, 128, 300, 1 << 35, u64::MAX];
        let mut bytes = Vec::new();
        for &value in &values {
            put_uvarint(&mut bytes, value);
        }
        put_varint(&mut bytes, -5);
        let mut reader = VarintReader::new(&bytes);
        for &value in &values {
            assert_eq!(reader.uvarint(), Some(value));
        }
        assert_eq!(reader.varint(), Some(-5));
        assert!(reader.rest().is_empty());
        assert_eq!(reader.uvarint(), None);
    }

    #[test]
    fn every_length_reads_back_with_and_without_bytes_after_it() {
        // Values at the edges of each length, 1 to 10 bytes, each read both
        // from a word (more bytes follow) and byte by byte (at the end).
        let mut values = vec![0u64, u64::MAX];
        for bits in (7..64).step_by(7) {
            values.extend([(1u64 << bits) - 1, 1u64 << bits, (1u64 << bits) + 12_345]);
        }
        for &value in &values {
            let mut bytes = Vec::new();
            put_uvarint(&mut bytes, value);
            let length = bytes.len();
            let mut reader = VarintReader::new(&bytes);
            assert_eq!(reader.uvarint(), Some(value), "{value} at the end");
            assert!(reader.rest().is_empty());
            bytes.extend([0x7f; 12]);
            let mut reader = VarintReader::new(&bytes);
            assert_eq!(reader.uvarint(), Some(value), "{value} before more bytes");
            assert_eq!(reader.rest().len(), 12, "{value} took {length} bytes");
        }
    }

    #[test]
    fn errors_match_the_shared_reader() {
        let truncated = [0x80u8, 0x80];
        let mut reader = VarintReader::new(&truncated);
        assert_eq!(reader.uvarint(), None);
        assert!(matches!(reader.error("x"), DecodeError::Truncated { .. }));
        assert_eq!(reader.rest(), truncated, "a failed read consumes nothing");
        let too_long = [0xffu8; 11];
        let mut reader = VarintReader::new(&too_long);
        assert_eq!(reader.uvarint(), None);
        assert!(matches!(
            reader.error("x"),
            DecodeError::VarintTooLong { .. }
        ));
    }
}
