//! Append-style varint codecs.
//!
//! Encoders append to a caller-owned buffer; decoders take a slice and return the
//! value together with the unread tail, so that a run of reads chains naturally.

use thiserror::Error;

/// A decoding failure: the input ended early or a varint ran past 10 bytes.
#[derive(Debug, Error, PartialEq, Eq, Clone, Copy)]
pub enum DecodeError {
    /// The input ended before the value was complete.
    #[error("unexpected end of input while reading {what}")]
    Truncated {
        /// What was being read.
        what: &'static str,
    },
    /// A varint did not terminate within 10 bytes.
    #[error("varint longer than 10 bytes while reading {what}")]
    VarintTooLong {
        /// What was being read.
        what: &'static str,
    },
}

/// Appends `value` as an unsigned LEB128 varint.
pub fn put_uvarint(dst: &mut Vec<u8>, mut value: u64) {
    while value >= 0x80 {
        dst.push((value as u8) | 0x80);
        value >>= 7;
    }
    dst.push(value as u8);
}

/// Appends `value` zigzag-encoded as a varint (small magnitudes take few bytes).
pub fn put_varint(dst: &mut Vec<u8>, value: i64) {
    put_uvarint(dst, zigzag_encode(value));
}

/// Reads an unsigned LEB128 varint; returns it and the unread tail.
pub fn get_uvarint<'a>(src: &'a [u8], what: &'static str) -> Result<(u64, &'a [u8]), DecodeError> {
    let mut value = 0u64;
    for (index, &byte) in src.iter().enumerate().take(10) {
        value |= u64::from(byte & 0x7f) << (7 * index);
        if byte < 0x80 {
            return Ok((value, &src[index + 1..]));
        }
    }
    if src.len() >= 10 {
        Err(DecodeError::VarintTooLong { what })
    } else {
        Err(DecodeError::Truncated { what })
    }
}

/// Reads a zigzag varint; returns it and the unread tail.
pub fn get_varint<'a>(src: &'a [u8], what: &'static str) -> Result<(i64, &'a [u8]), DecodeError> {
    let (raw, tail) = get_uvarint(src, what)?;
    Ok((zigzag_decode(raw), tail))
}

/// Reads exactly `count` bytes; returns them and the unread tail.
pub fn get_bytes<'a>(
    src: &'a [u8],
    count: usize,
    what: &'static str,
) -> Result<(&'a [u8], &'a [u8]), DecodeError> {
    if src.len() < count {
        return Err(DecodeError::Truncated { what });
    }
    Ok(src.split_at(count))
}

/// Appends a varint length followed by the bytes.
pub fn put_len_prefixed(dst: &mut Vec<u8>, bytes: &[u8]) {
    put_uvarint(dst, bytes.len() as u64);
    dst.extend_from_slice(bytes);
}

/// Reads a varint length and that many bytes; returns them and the unread tail.
pub fn get_len_prefixed<'a>(
    src: &'a [u8],
    what: &'static str,
) -> Result<(&'a [u8], &'a [u8]), DecodeError> {
    let (len, tail) = get_uvarint(src, what)?;
    let len = usize::try_from(len).map_err(|_| DecodeError::Truncated { what })?;
    get_bytes(tail, len, what)
}

/// Maps signed integers to unsigned so that small magnitudes stay small.
pub fn zigzag_encode(value: i64) -> u64 {
    ((value << 1) ^ (value >> 63)) as u64
}

/// Inverse of [`zigzag_encode`].
pub fn zigzag_decode(raw: u64) -> i64 {
    ((raw >> 1) as i64) ^ -((raw & 1) as i64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn varint_round_trips_and_keeps_prefix(prefix in proptest::collection::vec(any::<u8>(), 0..8), value in any::<i64>()) {
            let mut buf = prefix.clone();
            put_varint(&mut buf, value);
            prop_assert_eq!(&buf[..prefix.len()], &prefix[..]);
            let (decoded, tail) = get_varint(&buf[prefix.len()..], "value").expect("decode");
            prop_assert_eq!(decoded, value);
            prop_assert!(tail.is_empty());
        }

        #[test]
        fn truncated_varint_is_an_error(value in 128u64..) {
            let mut buf = Vec::new();
            put_uvarint(&mut buf, value);
            buf.pop();
            prop_assert!(get_uvarint(&buf, "value").is_err());
        }
    }

    #[test]
    fn overlong_varint_is_rejected() {
        let buf = [0xffu8; 11];
        assert_eq!(
            get_uvarint(&buf, "x"),
            Err(DecodeError::VarintTooLong { what: "x" })
        );
    }
}
