//! A tiny deterministic random number generator (xorshift64*): the data set
//! must be identical on every run and for both servers, and the benchmark needs
//! no more than uniform numbers.

/// xorshift64* with a fixed seed.
pub struct Rng(u64);

impl Rng {
    /// A generator seeded with `seed` (zero is replaced: xorshift never leaves 0).
    pub fn new(seed: u64) -> Rng {
        Rng(if seed == 0 {
            0x9E37_79B9_7F4A_7C15
        } else {
            seed
        })
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A uniform number in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// A uniform integer in `[0, count)`; `count` must not be zero.
    pub fn below(&mut self, count: u64) -> u64 {
        assert!(count > 0, "BUG: Rng::below(0)");
        self.next_u64() % count
    }

    /// True with probability `probability`.
    pub fn chance(&mut self, probability: f64) -> bool {
        self.unit() < probability
    }
}
