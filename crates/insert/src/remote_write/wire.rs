//! Protobuf wire format, just enough to walk a message: varints, keys, the
//! fixed-width and length-delimited payloads, and skipping of unknown fields.
//!
//! A [`WireReader`] walks a borrowed slice and never reads past it: a nested
//! message gets its own reader over exactly its bytes, so a field that claims
//! more than its message holds is [`WireDefect::Truncated`], never a read of the
//! parent's bytes. Every error carries the absolute offset in the decompressed
//! body and the message being decoded.

use std::fmt;

/// A varint holds a `u64` in groups of 7 bits, so it spans at most 10 bytes;
/// the tenth may only carry the top bit.
const VARINT_BYTES_MAX: usize = 10;

/// Nesting of (deprecated) groups accepted while skipping an unknown field.
/// Remote-write senders never emit groups; the bound keeps garbage from
/// recursing deep enough to exhaust the stack.
const GROUP_DEPTH_MAX: u32 = 64;

/// What is wrong with a protobuf body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WireDefect {
    /// A field or length runs past the end of its message.
    Truncated,
    /// A varint is longer than 10 bytes or overflows 64 bits.
    VarintOverflow,
    /// A field key does not fit in 32 bits.
    KeyOverflow,
    /// A field key names field number 0, which protobuf forbids.
    FieldNumberZero,
    /// A field key carries wire type 6 or 7, which do not exist.
    InvalidWireType(u8),
    /// A known field arrives with a wire type other than the schema's.
    UnexpectedWireType {
        /// The field number.
        field: u32,
        /// The wire type found.
        found: u8,
    },
    /// An end-group key without a matching start group.
    UnexpectedEndGroup,
    /// Groups nested deeper than the decoder accepts.
    GroupTooDeep,
    /// A string field is not valid UTF-8.
    NotUtf8,
}

impl fmt::Display for WireDefect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WireDefect::Truncated => f.write_str("truncated field"),
            WireDefect::VarintOverflow => f.write_str("varint overflows 64 bits"),
            WireDefect::KeyOverflow => f.write_str("field key overflows 32 bits"),
            WireDefect::FieldNumberZero => f.write_str("field number 0"),
            WireDefect::InvalidWireType(wire_type) => write!(f, "invalid wire type {wire_type}"),
            WireDefect::UnexpectedWireType { field, found } => {
                write!(f, "field {field} has unexpected wire type {found}")
            }
            WireDefect::UnexpectedEndGroup => f.write_str("end-group key without a start group"),
            WireDefect::GroupTooDeep => {
                write!(f, "groups nested deeper than {GROUP_DEPTH_MAX}")
            }
            WireDefect::NotUtf8 => f.write_str("string is not valid UTF-8"),
        }
    }
}

/// A defect, where it was found and in which message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct WireError {
    /// Byte offset in the decompressed body.
    pub offset: usize,
    /// The message being decoded ("WriteRequest", "TimeSeries", ...).
    pub message: &'static str,
    /// What is wrong.
    pub defect: WireDefect,
}

/// The six wire types of protobuf.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum WireType {
    Varint,
    Fixed64,
    Len,
    StartGroup,
    EndGroup,
    Fixed32,
}

impl WireType {
    fn from_bits(bits: u8) -> Option<WireType> {
        match bits {
            0 => Some(WireType::Varint),
            1 => Some(WireType::Fixed64),
            2 => Some(WireType::Len),
            3 => Some(WireType::StartGroup),
            4 => Some(WireType::EndGroup),
            5 => Some(WireType::Fixed32),
            _ => None,
        }
    }

    /// The number on the wire.
    pub(crate) fn bits(self) -> u8 {
        match self {
            WireType::Varint => 0,
            WireType::Fixed64 => 1,
            WireType::Len => 2,
            WireType::StartGroup => 3,
            WireType::EndGroup => 4,
            WireType::Fixed32 => 5,
        }
    }
}

/// Results of the wire readers. The error is boxed: errors are rare, and a
/// small `Result` is returned in registers on the hot path.
pub(crate) type WireResult<T> = Result<T, Box<WireError>>;

/// A cursor over the bytes of one message.
#[derive(Debug, Clone)]
pub(crate) struct WireReader<'a> {
    buf: &'a [u8],
    pos: usize,
    /// Offset of `buf[0]` in the whole body, for error messages.
    base: usize,
    message: &'static str,
}

impl<'a> WireReader<'a> {
    /// A reader over a whole top-level message.
    pub(crate) fn new(buf: &'a [u8], message: &'static str) -> Self {
        WireReader {
            buf,
            pos: 0,
            base: 0,
            message,
        }
    }

    /// Whether every byte of the message has been read.
    #[inline]
    pub(crate) fn is_empty(&self) -> bool {
        self.pos >= self.buf.len()
    }

    /// An error at the current position.
    #[cold]
    pub(crate) fn error(&self, defect: WireDefect) -> Box<WireError> {
        Box::new(WireError {
            offset: self.base + self.pos,
            message: self.message,
            defect,
        })
    }

    /// Reads a base-128 varint.
    #[inline(always)]
    pub(crate) fn read_varint(&mut self) -> WireResult<u64> {
        // Fast path: most keys, lengths and small numbers fit in one byte.
        if let Some(&byte) = self.buf.get(self.pos)
            && byte < 0x80
        {
            self.pos += 1;
            return Ok(u64::from(byte));
        }
        self.read_varint_multibyte()
    }

    #[inline(never)]
    fn read_varint_multibyte(&mut self) -> WireResult<u64> {
        let mut value: u64 = 0;
        for index in 0..VARINT_BYTES_MAX {
            let Some(&byte) = self.buf.get(self.pos + index) else {
                return Err(self.error(WireDefect::Truncated));
            };
            if index == VARINT_BYTES_MAX - 1 && byte > 1 {
                return Err(self.error(WireDefect::VarintOverflow));
            }
            value |= u64::from(byte & 0x7f) << (7 * index);
            if byte < 0x80 {
                self.pos += index + 1;
                return Ok(value);
            }
        }
        Err(self.error(WireDefect::VarintOverflow))
    }

    /// Reads a field key: the field number and the wire type.
    #[inline(always)]
    pub(crate) fn read_key(&mut self) -> WireResult<(u32, WireType)> {
        let start = self.pos;
        let key = self.read_varint()?;
        let fail = |reader: &mut Self, defect| {
            reader.pos = start;
            Err(reader.error(defect))
        };
        let Ok(key) = u32::try_from(key) else {
            return fail(self, WireDefect::KeyOverflow);
        };
        let bits = (key & 0x7) as u8;
        let Some(wire_type) = WireType::from_bits(bits) else {
            return fail(self, WireDefect::InvalidWireType(bits));
        };
        let field = key >> 3;
        if field == 0 {
            return fail(self, WireDefect::FieldNumberZero);
        }
        Ok((field, wire_type))
    }

    /// Reads the 8 bytes of a fixed64 field, little-endian.
    #[inline]
    pub(crate) fn read_fixed64(&mut self) -> WireResult<u64> {
        let bytes = self.take(8)?;
        let mut word = [0u8; 8];
        word.copy_from_slice(bytes);
        Ok(u64::from_le_bytes(word))
    }

    /// Reads a length-delimited payload.
    #[inline]
    pub(crate) fn read_len(&mut self) -> WireResult<&'a [u8]> {
        let start = self.pos;
        let len = self.read_varint()?;
        let remaining = self.buf.len() - self.pos;
        match usize::try_from(len) {
            Ok(len) if len <= remaining => self.take(len),
            _ => {
                self.pos = start;
                Err(self.error(WireDefect::Truncated))
            }
        }
    }

    /// Reads a length-delimited payload as UTF-8 text.
    #[inline]
    pub(crate) fn read_str(&mut self) -> WireResult<&'a str> {
        let start = self.pos;
        let bytes = self.read_len()?;
        // SIMD validation: label strings are nearly all ASCII, and std's
        // byte-wise check was 6% of ingest CPU.
        simdutf8::basic::from_utf8(bytes).map_err(|_| {
            self.pos = start;
            self.error(WireDefect::NotUtf8)
        })
    }

    /// Reads a length-delimited embedded message and returns a reader over it.
    #[inline]
    pub(crate) fn read_message(&mut self, message: &'static str) -> WireResult<Self> {
        let bytes = self.read_len()?;
        Ok(WireReader {
            buf: bytes,
            pos: 0,
            base: self.base + self.pos - bytes.len(),
            message,
        })
    }

    /// The error for a known field that arrives with the wrong wire type.
    #[cold]
    pub(crate) fn unexpected(&self, field: u32, wire_type: WireType) -> Box<WireError> {
        self.error(WireDefect::UnexpectedWireType {
            field,
            found: wire_type.bits(),
        })
    }

    /// Skips the payload of a field this decoder does not use.
    pub(crate) fn skip(&mut self, field: u32, wire_type: WireType) -> WireResult<()> {
        self.skip_at_depth(field, wire_type, 0)
    }

    fn skip_at_depth(&mut self, field: u32, wire_type: WireType, depth: u32) -> WireResult<()> {
        match wire_type {
            WireType::Varint => self.read_varint().map(drop),
            WireType::Fixed64 => self.take(8).map(drop),
            WireType::Fixed32 => self.take(4).map(drop),
            WireType::Len => self.read_len().map(drop),
            WireType::EndGroup => Err(self.error(WireDefect::UnexpectedEndGroup)),
            WireType::StartGroup => {
                if depth >= GROUP_DEPTH_MAX {
                    return Err(self.error(WireDefect::GroupTooDeep));
                }
                loop {
                    if self.is_empty() {
                        return Err(self.error(WireDefect::Truncated));
                    }
                    let (inner_field, inner_type) = self.read_key()?;
                    if inner_type == WireType::EndGroup {
                        if inner_field != field {
                            return Err(self.error(WireDefect::UnexpectedEndGroup));
                        }
                        return Ok(());
                    }
                    self.skip_at_depth(inner_field, inner_type, depth + 1)?;
                }
            }
        }
    }

    #[inline]
    fn take(&mut self, len: usize) -> WireResult<&'a [u8]> {
        let end = self
            .pos
            .checked_add(len)
            .ok_or_else(|| self.error(WireDefect::Truncated))?;
        let bytes = self
            .buf
            .get(self.pos..end)
            .ok_or_else(|| self.error(WireDefect::Truncated))?;
        self.pos = end;
        Ok(bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reader(bytes: &[u8]) -> WireReader<'_> {
        WireReader::new(bytes, "Test")
    }

    #[test]
    fn varints_decode_up_to_ten_bytes() {
        assert_eq!(reader(&[0x00]).read_varint(), Ok(0));
        assert_eq!(reader(&[0x96, 0x01]).read_varint(), Ok(150));
        let max = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01];
        assert_eq!(reader(&max).read_varint(), Ok(u64::MAX));
    }

    #[test]
    fn varint_defects_are_reported() {
        let overflow = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02];
        let error = reader(&overflow).read_varint().expect_err("overflow");
        assert_eq!(error.defect, WireDefect::VarintOverflow);
        let error = reader(&[0x80, 0x80]).read_varint().expect_err("truncated");
        assert_eq!(error.defect, WireDefect::Truncated);
    }

    #[test]
    fn keys_reject_field_zero_and_unknown_wire_types() {
        assert_eq!(reader(&[0x0a]).read_key(), Ok((1, WireType::Len)));
        let zero = reader(&[0x02]).read_key().expect_err("field 0");
        assert_eq!(zero.defect, WireDefect::FieldNumberZero);
        let six = reader(&[0x0e]).read_key().expect_err("wire type 6");
        assert_eq!(six.defect, WireDefect::InvalidWireType(6));
        let big = [0x80, 0x80, 0x80, 0x80, 0x80, 0x01];
        let error = reader(&big).read_key().expect_err("key over 32 bits");
        assert_eq!(error.defect, WireDefect::KeyOverflow);
    }

    #[test]
    fn lengths_past_the_end_are_truncation() {
        let error = reader(&[0x05, b'a']).read_len().expect_err("short");
        assert_eq!(error.defect, WireDefect::Truncated);
        assert_eq!(error.offset, 0);
    }

    #[test]
    fn nested_readers_report_absolute_offsets() {
        // A 3-byte message holding a truncated varint at body offset 3.
        let body = [0x0a, 0x02, 0x08, 0x80];
        let mut outer = reader(&body);
        outer.read_key().expect("key");
        let mut inner = outer.read_message("Inner").expect("message");
        inner.read_key().expect("inner key");
        let error = inner.read_varint().expect_err("truncated");
        assert_eq!(error.offset, 3);
        assert_eq!(error.message, "Inner");
    }

    #[test]
    fn groups_are_skipped_and_must_match() {
        // start group 5, varint field 1 = 1, end group 5, then a varint field.
        let body = [0x2b, 0x08, 0x01, 0x2c, 0x08, 0x07];
        let mut r = reader(&body);
        let (field, wire_type) = r.read_key().expect("key");
        r.skip(field, wire_type).expect("skip group");
        assert_eq!(r.read_key(), Ok((1, WireType::Varint)));
        // start group 5 closed by end group 6.
        let mismatched = [0x2b, 0x34];
        let mut r = reader(&mismatched);
        let (field, wire_type) = r.read_key().expect("key");
        let error = r.skip(field, wire_type).expect_err("mismatch");
        assert_eq!(error.defect, WireDefect::UnexpectedEndGroup);
    }

    #[test]
    fn deep_groups_are_refused() {
        let body = vec![0x0b; 200];
        let mut r = reader(&body);
        let (field, wire_type) = r.read_key().expect("key");
        let error = r.skip(field, wire_type).expect_err("too deep");
        assert_eq!(error.defect, WireDefect::GroupTooDeep);
    }
}
