//! Deterministic sample series that look like what Prometheus scrapes, for the
//! size tests and the bench. No `rand` dependency: a SplitMix64 generator is
//! enough and keeps every figure reproducible.

use estuary_types::Sample;

/// 2023-11-14T22:13:20Z, a scrape-aligned start.
pub const START_MS: i64 = 1_700_000_000_000;
/// The usual scrape interval.
pub const INTERVAL_MS: i64 = 15_000;
/// One day at a 15 s scrape interval.
pub const SAMPLES_PER_DAY: usize = 5760;

/// SplitMix64: tiny, fast, good enough for test data.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `low..=high`.
    pub fn range(&mut self, low: i64, high: i64) -> i64 {
        let width = (high - low) as u64 + 1;
        low + (self.next_u64() % width) as i64
    }

    /// Whether an event of probability `percent` / 100 happens.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.next_u64() % 100 < percent
    }
}

/// Scrape timestamps every 15 s; one scrape in 20 lands a few milliseconds off.
pub fn scrape_timestamps(count: usize, rng: &mut Rng) -> Vec<i64> {
    (0..count as i64)
        .map(|i| {
            let jitter = if rng.chance(5) { rng.range(-5, 5) } else { 0 };
            START_MS + i * INTERVAL_MS + jitter
        })
        .collect()
}

/// Like `node_cpu_seconds_total{mode="idle"}`: kernel ticks (1/100 s) read from
/// `/proc/stat` and divided by 100, rising 14.6 to 15.0 s per 15 s scrape.
pub fn cpu_seconds_counter(count: usize, seed: u64) -> Vec<Sample> {
    let mut rng = Rng::new(seed);
    let mut ticks: i64 = 12_345_678;
    scrape_timestamps(count, &mut rng)
        .into_iter()
        .map(|timestamp| {
            ticks += rng.range(1460, 1500);
            Sample::new(timestamp, ticks as f64 / 100.0)
        })
        .collect()
}

/// Like `http_requests_total`: an integer counter rising by 0 to 10 per scrape.
pub fn requests_counter(count: usize, seed: u64) -> Vec<Sample> {
    let mut rng = Rng::new(seed);
    let mut requests: i64 = 4_242;
    scrape_timestamps(count, &mut rng)
        .into_iter()
        .map(|timestamp| {
            requests += rng.range(0, 10);
            Sample::new(timestamp, requests as f64)
        })
        .collect()
}

/// Like `node_network_receive_bytes_total` on a busy link: large, irregular
/// increments. The hard case for a counter.
pub fn network_bytes_counter(count: usize, seed: u64) -> Vec<Sample> {
    let mut rng = Rng::new(seed);
    let mut bytes: i64 = 987_654_321_000;
    scrape_timestamps(count, &mut rng)
        .into_iter()
        .map(|timestamp| {
            bytes += rng.range(100_000, 5_000_000);
            Sample::new(timestamp, bytes as f64)
        })
        .collect()
}

/// Like `node_load1`: two decimals, drifting a few hundredths per scrape.
pub fn load_gauge(count: usize, seed: u64) -> Vec<Sample> {
    let mut rng = Rng::new(seed);
    let mut hundredths: i64 = 150;
    scrape_timestamps(count, &mut rng)
        .into_iter()
        .map(|timestamp| {
            hundredths = (hundredths + rng.range(-8, 8)).clamp(0, 6400);
            Sample::new(timestamp, hundredths as f64 / 100.0)
        })
        .collect()
}

/// Arbitrary floats in `[0, 1000)` with full 53-bit mantissas: nothing to
/// exploit but the timestamps.
pub fn random_floats(count: usize, seed: u64) -> Vec<Sample> {
    let mut rng = Rng::new(seed);
    scrape_timestamps(count, &mut rng)
        .into_iter()
        .map(|timestamp| {
            let unit = (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
            Sample::new(timestamp, unit * 1000.0)
        })
        .collect()
}
