//! Decimal mantissas as zigzag varints, after the shared exponent and the first
//! mantissa: either each difference from the mantissa before
//! ([`ValueEncoding::DecimalDelta`], for gauges, whose differences hover around
//! zero) or each change of that difference
//! ([`ValueEncoding::DecimalDeltaOfDelta`], for counters, whose difference is a
//! steady rate). The encoder picks whichever gives fewer varint bytes.
//!
//! Differences use wrapping arithmetic, which the decoder undoes exactly, so any
//! `i64` mantissas round-trip.

use estuary_types::Sample;
use estuary_types::encoding::{put_varint, zigzag_encode};

use crate::decimal;
use crate::error::ChunkError;
use crate::header::ValueEncoding;
use crate::varints::VarintReader;

/// The decimal encoding that stores `mantissas` in fewer varint bytes; ties go to
/// [`ValueEncoding::DecimalDelta`], the simpler one.
pub(crate) fn choose(mantissas: &[i64]) -> ValueEncoding {
    let mut delta_bytes = 0usize;
    let mut delta_of_delta_bytes = 0usize;
    let deltas = mantissas
        .iter()
        .zip(mantissas.iter().skip(1))
        .map(|(previous, mantissa)| mantissa.wrapping_sub(*previous));
    let mut delta_previous = 0i64;
    for delta in deltas {
        delta_bytes += varint_bytes(delta);
        delta_of_delta_bytes += varint_bytes(delta.wrapping_sub(delta_previous));
        delta_previous = delta;
    }
    if delta_of_delta_bytes < delta_bytes {
        ValueEncoding::DecimalDeltaOfDelta
    } else {
        ValueEncoding::DecimalDelta
    }
}

/// Appends the exponent, the first mantissa, then the rest as `encoding` says.
pub(crate) fn encode(mantissas: &[i64], exponent: i32, encoding: ValueEncoding, dst: &mut Vec<u8>) {
    let order = delta_order(encoding);
    put_varint(dst, i64::from(exponent));
    let mut mantissas = mantissas.iter().copied();
    let Some(mut previous) = mantissas.next() else {
        return;
    };
    put_varint(dst, previous);
    let mut delta_previous = 0i64;
    for mantissa in mantissas {
        let delta = mantissa.wrapping_sub(previous);
        match order {
            DeltaOrder::First => put_varint(dst, delta),
            DeltaOrder::Second => put_varint(dst, delta.wrapping_sub(delta_previous)),
        }
        delta_previous = delta;
        previous = mantissa;
    }
}

/// Fills the values of `samples` from `src` encoded as `encoding`; returns the
/// unread rest of `src`.
pub(crate) fn decode<'a>(
    src: &'a [u8],
    encoding: ValueEncoding,
    samples: &mut [Sample],
) -> Result<&'a [u8], ChunkError> {
    let order = delta_order(encoding);
    let mut reader = VarintReader::new(src);
    let Some(exponent) = reader.varint() else {
        return Err(reader.error("decimal exponent").into());
    };
    if !decimal::exponent_is_valid(exponent) {
        return Err(ChunkError::DecimalExponentOutOfRange { found: exponent });
    }
    let scale = decimal::Scale::new(exponent as i32);
    let Some((first, rest)) = samples.split_first_mut() else {
        return Ok(reader.rest());
    };
    let Some(mut mantissa) = reader.varint() else {
        return Err(reader.error("decimal mantissa").into());
    };
    first.value = scale.to_float(mantissa);
    match order {
        DeltaOrder::First => {
            for sample in rest {
                let Some(delta) = reader.varint() else {
                    return Err(reader.error("decimal mantissa").into());
                };
                mantissa = mantissa.wrapping_add(delta);
                sample.value = scale.to_float(mantissa);
            }
        }
        DeltaOrder::Second => {
            let mut delta = 0i64;
            for sample in rest {
                let Some(delta_change) = reader.varint() else {
                    return Err(reader.error("decimal mantissa").into());
                };
                delta = delta.wrapping_add(delta_change);
                mantissa = mantissa.wrapping_add(delta);
                sample.value = scale.to_float(mantissa);
            }
        }
    }
    Ok(reader.rest())
}

/// Which difference of the mantissas is stored.
#[derive(Clone, Copy)]
enum DeltaOrder {
    First,
    Second,
}

fn delta_order(encoding: ValueEncoding) -> DeltaOrder {
    match encoding {
        ValueEncoding::DecimalDelta => DeltaOrder::First,
        ValueEncoding::DecimalDeltaOfDelta => DeltaOrder::Second,
        ValueEncoding::Xor => panic!("BUG: XOR values are not decimal mantissas"),
    }
}

/// Bytes of `value` as a zigzag varint.
fn varint_bytes(value: i64) -> usize {
    let significant_bits = 64 - (zigzag_encode(value) | 1).leading_zeros() as usize;
    significant_bits.div_ceil(7)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(mantissas: &[i64], encoding: ValueEncoding) -> Vec<i64> {
        let mut body = Vec::new();
        encode(mantissas, 0, encoding, &mut body);
        let mut samples = vec![Sample::new(0, 0.0); mantissas.len()];
        let rest = decode(&body, encoding, &mut samples).expect("decode");
        assert!(rest.is_empty());
        samples.iter().map(|s| s.value as i64).collect()
    }

    #[test]
    fn counters_choose_delta_of_delta_and_gauges_delta() {
        let counter: Vec<i64> = (0..100).map(|i| 1_000_000 + i * 1500).collect();
        assert_eq!(choose(&counter), ValueEncoding::DecimalDeltaOfDelta);
        let gauge = [500, 503, 499, 502, 500, 501];
        assert_eq!(choose(&gauge), ValueEncoding::DecimalDelta);
        assert_eq!(choose(&[7]), ValueEncoding::DecimalDelta);
    }

    #[test]
    fn small_mantissas_round_trip_both_ways() {
        let mantissas = [3, -5, 1 << 40, 0, -(1 << 50), 17];
        for encoding in [
            ValueEncoding::DecimalDelta,
            ValueEncoding::DecimalDeltaOfDelta,
        ] {
            assert_eq!(round_trip(&mantissas, encoding), mantissas);
        }
    }

    #[test]
    fn varint_bytes_matches_the_encoder() {
        for value in [0, 1, -1, 63, 64, -64, -65, i64::MAX, i64::MIN] {
            let mut buf = Vec::new();
            put_varint(&mut buf, value);
            assert_eq!(varint_bytes(value), buf.len(), "{value}");
        }
    }

    #[test]
    fn exponent_out_of_range_is_refused() {
        let mut body = Vec::new();
        put_varint(&mut body, 23);
        put_varint(&mut body, 1);
        let result = decode(
            &body,
            ValueEncoding::DecimalDelta,
            &mut [Sample::new(0, 0.0)],
        );
        assert!(matches!(
            result,
            Err(ChunkError::DecimalExponentOutOfRange { found: 23 })
        ));
    }
}
