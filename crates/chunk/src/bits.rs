//! A bit stream, most significant bit first, for the XOR value encoding.

use estuary_types::encoding::DecodeError;

/// Appends bits to a byte buffer. Call [`BitWriter::finish`] to flush the last
/// partial byte, padded with zero bits.
pub(crate) struct BitWriter<'a> {
    dst: &'a mut Vec<u8>,
    /// Bits not yet flushed, in the low `pending_count` bits.
    pending: u64,
    /// Always below 8 between calls.
    pending_count: u32,
}

impl<'a> BitWriter<'a> {
    pub(crate) fn new(dst: &'a mut Vec<u8>) -> Self {
        BitWriter {
            dst,
            pending: 0,
            pending_count: 0,
        }
    }

    /// Appends the low `count` bits of `value`, `count` in `1..=64`.
    pub(crate) fn write(&mut self, value: u64, count: u32) {
        assert!((1..=64).contains(&count), "BUG: writing {count} bits");
        if count > 32 {
            self.write_short(value >> 32, count - 32);
            self.write_short(value, 32);
        } else {
            self.write_short(value, count);
        }
    }

    /// Flushes the last partial byte.
    pub(crate) fn finish(self) {
        if self.pending_count > 0 {
            self.dst
                .push((self.pending << (8 - self.pending_count)) as u8);
        }
    }

    /// Appends the low `count` bits of `value`, `count` in `1..=32`.
    fn write_short(&mut self, value: u64, count: u32) {
        self.pending = (self.pending << count) | (value & low_mask(count));
        self.pending_count += count;
        while self.pending_count >= 8 {
            self.pending_count -= 8;
            self.dst.push((self.pending >> self.pending_count) as u8);
        }
        self.pending &= low_mask(self.pending_count);
    }
}

/// Reads bits written by [`BitWriter`].
pub(crate) struct BitReader<'a> {
    src: &'a [u8],
    /// Bits read from `src` but not yet returned, in the low `pending_count` bits.
    pending: u64,
    pending_count: u32,
}

impl<'a> BitReader<'a> {
    pub(crate) fn new(src: &'a [u8]) -> Self {
        BitReader {
            src,
            pending: 0,
            pending_count: 0,
        }
    }

    /// Reads `count` bits, `count` in `1..=64`.
    pub(crate) fn read(&mut self, count: u32) -> Result<u64, DecodeError> {
        assert!((1..=64).contains(&count), "BUG: reading {count} bits");
        if count > 32 {
            let high = self.read_short(count - 32)?;
            let low = self.read_short(32)?;
            Ok((high << 32) | low)
        } else {
            self.read_short(count)
        }
    }

    /// Reads one bit.
    pub(crate) fn read_bit(&mut self) -> Result<bool, DecodeError> {
        Ok(self.read_short(1)? == 1)
    }

    /// Bits left over: the whole bytes not read times 8, plus the padding bits of
    /// the last byte read when any of them is set. Zero for a well-formed stream.
    pub(crate) fn leftover_bits(&self) -> usize {
        let padding = if self.pending == 0 {
            0
        } else {
            self.pending_count as usize
        };
        self.src.len() * 8 + padding
    }

    /// Reads `count` bits, `count` in `1..=32`.
    fn read_short(&mut self, count: u32) -> Result<u64, DecodeError> {
        while self.pending_count < count {
            let (&byte, rest) = self
                .src
                .split_first()
                .ok_or(DecodeError::Truncated { what: "XOR values" })?;
            self.pending = (self.pending << 8) | u64::from(byte);
            self.pending_count += 8;
            self.src = rest;
        }
        self.pending_count -= count;
        let value = self.pending >> self.pending_count;
        self.pending &= low_mask(self.pending_count);
        Ok(value)
    }
}

/// A mask of the low `count` bits, `count` in `0..=63`.
fn low_mask(count: u32) -> u64 {
    (1u64 << count) - 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bits_round_trip_across_byte_boundaries() {
        let fields: Vec<(u64, u32)> = (1..=64)
            .map(|count| (0xdead_beef_cafe_f00d_u64.rotate_left(count), count))
            .collect();
        let mut buf = vec![0xaa];
        let mut writer = BitWriter::new(&mut buf);
        for &(value, count) in &fields {
            writer.write(value, count);
        }
        writer.finish();
        assert_eq!(buf[0], 0xaa);
        let mut reader = BitReader::new(&buf[1..]);
        for &(value, count) in &fields {
            let expected = if count == 64 {
                value
            } else {
                value & low_mask(count)
            };
            assert_eq!(reader.read(count).expect("read"), expected);
        }
        assert_eq!(reader.leftover_bits(), 0);
        assert!(reader.read(8).is_err());
    }
}
