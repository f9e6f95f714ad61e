//! Values as Gorilla-style XOR of their IEEE 754 bit patterns, bit-exact for any
//! value: NaN payloads, the staleness marker, infinities and -0.0 all round-trip.
//!
//! The first value takes 64 bits. Each next value is XORed with the one before:
//!
//! - `0`: the same bits.
//! - `10`, then the XOR's bits inside the current window: its set bits lie within
//!   the window the last `11` opened.
//! - `11`, then 5 bits of leading zeros (at most 31), 6 bits of window length
//!   (64 written as 0), then that many bits of the XOR; this opens a new window.
//!
//! The stream ends padded with zero bits to a whole byte.

use estuary_types::Sample;

use crate::bits::{BitReader, BitWriter};
use crate::error::ChunkError;

/// Leading zeros a window can record in its 5-bit field.
const LEADING_ZEROS_MAX: u32 = 31;

/// The bits of a XOR that a run of values keeps changing.
#[derive(Clone, Copy)]
struct Window {
    leading_zeros: u32,
    /// In `1..=64`, and `leading_zeros + length <= 64`.
    length: u32,
}

impl Window {
    fn trailing_zeros(self) -> u32 {
        64 - self.leading_zeros - self.length
    }
}

/// Appends the values of `samples` as an XOR bit stream.
pub(crate) fn encode(samples: &[Sample], dst: &mut Vec<u8>) {
    let mut writer = BitWriter::new(dst);
    let mut patterns = samples.iter().map(|sample| sample.value.to_bits());
    let Some(mut previous) = patterns.next() else {
        return;
    };
    writer.write(previous, 64);
    let mut window: Option<Window> = None;
    for pattern in patterns {
        let xor = pattern ^ previous;
        previous = pattern;
        if xor == 0 {
            writer.write(0b0, 1);
            continue;
        }
        let leading_zeros = xor.leading_zeros().min(LEADING_ZEROS_MAX);
        let trailing_zeros = xor.trailing_zeros();
        match window {
            Some(current)
                if leading_zeros >= current.leading_zeros
                    && trailing_zeros >= current.trailing_zeros() =>
            {
                writer.write(0b10, 2);
                writer.write(xor >> current.trailing_zeros(), current.length);
            }
            _ => {
                let length = 64 - leading_zeros - trailing_zeros;
                writer.write(0b11, 2);
                writer.write(u64::from(leading_zeros), 5);
                writer.write(u64::from(length % 64), 6);
                writer.write(xor >> trailing_zeros, length);
                window = Some(Window {
                    leading_zeros,
                    length,
                });
            }
        }
    }
    writer.finish();
}

/// Fills the values of `samples` from an XOR bit stream that makes up all of
/// `src`.
pub(crate) fn decode(src: &[u8], samples: &mut [Sample]) -> Result<(), ChunkError> {
    let mut reader = BitReader::new(src);
    let mut previous = 0u64;
    let mut window: Option<Window> = None;
    for (index, sample) in (0u32..).zip(samples.iter_mut()) {
        if index == 0 {
            previous = reader.read(64)?;
        } else if reader.read_bit()? {
            if reader.read_bit()? {
                window = Some(read_window(&mut reader, index)?);
            }
            let current = window.ok_or(ChunkError::XorWindowInvalid { index })?;
            previous ^= reader.read(current.length)? << current.trailing_zeros();
        }
        sample.value = f64::from_bits(previous);
    }
    match reader.leftover_bits() {
        0 => Ok(()),
        bits => Err(ChunkError::TrailingBody { bits }),
    }
}

fn read_window(reader: &mut BitReader<'_>, index: u32) -> Result<Window, ChunkError> {
    let leading_zeros = reader.read(5)? as u32;
    let length = match reader.read(6)? as u32 {
        0 => 64,
        length => length,
    };
    if leading_zeros + length > 64 {
        return Err(ChunkError::XorWindowInvalid { index });
    }
    Ok(Window {
        leading_zeros,
        length,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use estuary_types::stale_nan;

    fn round_trip(values: &[f64]) -> usize {
        let samples: Vec<_> = values.iter().map(|&v| Sample::new(0, v)).collect();
        let mut body = Vec::new();
        encode(&samples, &mut body);
        let mut decoded = vec![Sample::new(0, 0.0); values.len()];
        decode(&body, &mut decoded).expect("decode");
        assert_eq!(decoded, samples);
        body.len()
    }

    #[test]
    fn special_values_round_trip_bit_exact() {
        round_trip(&[
            1.5,
            stale_nan(),
            f64::NAN,
            -f64::NAN,
            f64::from_bits(0x7ff8_dead_beef_0001),
            f64::INFINITY,
            f64::NEG_INFINITY,
            -0.0,
            0.0,
            f64::MIN_POSITIVE,
            f64::from_bits(1),
            f64::MAX,
        ]);
    }

    #[test]
    fn repeated_values_take_one_bit() {
        // 64 bits for the first value, then 99 single bits: 163 bits in 21 bytes.
        assert_eq!(round_trip(&[0.1; 100]), 21);
    }

    #[test]
    fn reusing_a_window_before_one_is_open_is_refused() {
        let mut body = Vec::new();
        let mut writer = BitWriter::new(&mut body);
        writer.write(0, 64);
        writer.write(0b10, 2);
        writer.finish();
        let result = decode(&body, &mut [Sample::new(0, 0.0); 2]);
        assert!(matches!(
            result,
            Err(ChunkError::XorWindowInvalid { index: 1 })
        ));
    }
}
