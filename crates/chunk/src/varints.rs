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
        match self.src.split_first() {
            Some((&byte, rest)) if byte < 0x80 => {
                self.src = rest;
                Some(u64::from(byte))
            }
            _ => self.uvarint_long(),
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

    /// Varints of two or more bytes, and the end of the input.
    #[inline(never)]
    fn uvarint_long(&mut self) -> Option<u64> {
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
