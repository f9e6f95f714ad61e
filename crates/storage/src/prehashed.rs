//! Hash maps whose keys are already hashes or dense ids, so the map need not
//! hash them again with SipHash.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// A map keyed by a 64-bit hash computed by the caller.
pub type PrehashedMap<V> = HashMap<u64, V, BuildHasherDefault<PassThroughHasher>>;

/// A map keyed by series id.
pub type SeriesIdMap<V> = HashMap<u32, V, BuildHasherDefault<SeriesIdHasher>>;

/// Uses a `u64` key as its own hash.
#[derive(Default)]
pub struct PassThroughHasher(u64);

impl Hasher for PassThroughHasher {
    fn write(&mut self, bytes: &[u8]) {
        // Only u64 keys are hashed through this type; fold anything else.
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// Spreads dense `u32` ids over all 64 bits with one multiplication (Fibonacci
/// hashing), so both the map's slot bits and its tag bits vary.
#[derive(Default)]
pub struct SeriesIdHasher(u64);

impl Hasher for SeriesIdHasher {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(8) ^ u64::from(b)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        }
    }

    fn write_u32(&mut self, n: u32) {
        self.0 = u64::from(n).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}
