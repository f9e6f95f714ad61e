//! Helpers shared by the integration tests; each test file uses some of them.
#![allow(dead_code)]

pub mod frame;
pub mod series;

use estuary_types::Sample;

/// Checks what every successfully decoded chunk must satisfy, whatever its bytes.
pub fn assert_invariants(header: &estuary_chunk::ChunkHeader, samples: &[Sample]) {
    assert_eq!(samples.len(), header.sample_count as usize);
    assert!(!samples.is_empty());
    assert_eq!(samples[0].timestamp, header.timestamp_min);
    assert_eq!(samples[samples.len() - 1].timestamp, header.timestamp_max);
    assert!(samples.windows(2).all(|w| w[0].timestamp < w[1].timestamp));
}
