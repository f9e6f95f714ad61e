//! How one series' value moves from scrape to scrape, modelled on what
//! node_exporter reports: counters of whole units or of hundredths of a second
//! that grow by a rate with noise and restart now and then, and gauges that are
//! constant, step in whole units, wander with two decimals, or are arbitrary
//! floats.

use super::rng::Rng;

/// Chance per scrape that a counter restarts from zero (a process or host
/// restart); about one reset per 40 000 counter samples.
const RESET_CHANCE: f64 = 1.0 / 40_000.0;

/// The behaviour of a metric family. Rates and levels are per 15 s scrape and
/// are varied per series.
#[derive(Debug, Clone, Copy)]
pub enum Kind {
    /// Counter of whole units (bytes, packets, operations), growing by about
    /// `rate` per scrape.
    CounterUnits {
        /// Mean increase per scrape.
        rate: f64,
    },
    /// Counter of seconds with two decimals (`node_cpu_seconds_total` counts in
    /// USER_HZ ticks), growing by about `rate` seconds per scrape.
    CounterCentis {
        /// Mean increase per scrape, in seconds.
        rate: f64,
    },
    /// Counter of arbitrary floats (`go_gc_duration_seconds_sum`).
    CounterFloat {
        /// Mean increase per scrape.
        rate: f64,
    },
    /// Counter that rarely moves (errors, drops): +1 with `chance` per scrape.
    CounterRare {
        /// Probability of an increment per scrape.
        chance: f64,
    },
    /// Gauge that never changes (sizes, limits, `up`, info metrics). Levels of
    /// at most 1 are kept exactly (flags); larger ones are varied per series.
    GaugeConstant {
        /// Typical value.
        level: f64,
    },
    /// Whole-number gauge that moves by up to three `step`s with `chance` per
    /// scrape (memory in pages, open files, sockets).
    GaugeSteps {
        /// Typical value.
        level: f64,
        /// Unit of change.
        step: f64,
        /// Probability of a change per scrape.
        chance: f64,
    },
    /// Two-decimal gauge wandering around its level (load averages,
    /// temperatures).
    GaugeDecimal {
        /// Typical value.
        level: f64,
        /// Largest change per scrape.
        spread: f64,
    },
    /// Gauge of arbitrary floats around `level` (durations, ratios).
    GaugeFloat {
        /// Typical value.
        level: f64,
    },
    /// The node's clock in seconds with sub-millisecond digits
    /// (`node_time_seconds`).
    GaugeClock,
}

impl Kind {
    /// Whether the family is a counter.
    pub fn is_counter(self) -> bool {
        matches!(
            self,
            Kind::CounterUnits { .. }
                | Kind::CounterCentis { .. }
                | Kind::CounterFloat { .. }
                | Kind::CounterRare { .. }
        )
    }
}

/// The state of one series' value.
#[derive(Debug, Clone)]
pub struct ValueModel {
    kind: Kind,
    /// The per-series rate (counters) or centre (gauges).
    scale: f64,
    /// The current value; for [`Kind::CounterCentis`] in hundredths.
    value: f64,
}

impl ValueModel {
    /// A new series of `kind`, its rate or level multiplied by `weight` and
    /// varied at random, starting as if the node had been up for a while.
    pub fn new(kind: Kind, weight: f64, rng: &mut Rng) -> ValueModel {
        let vary = 0.25 + 1.5 * rng.unit();
        let uptime_scrapes = 5_000.0 + 100_000.0 * rng.unit();
        let (scale, value) = match kind {
            Kind::CounterUnits { rate } => {
                let rate = rate * weight * vary;
                (rate, (rate * uptime_scrapes).round())
            }
            Kind::CounterCentis { rate } => {
                let centis = rate * weight * vary * 100.0;
                (centis, (centis * uptime_scrapes).round())
            }
            Kind::CounterFloat { rate } => {
                let rate = rate * weight * vary;
                (rate, rate * uptime_scrapes * (0.9 + 0.2 * rng.unit()))
            }
            Kind::CounterRare { chance } => (chance, rng.below(40) as f64),
            Kind::GaugeConstant { level } if level <= 1.0 => (level, level),
            Kind::GaugeConstant { level } => (level, (level * vary).round()),
            Kind::GaugeSteps { level, step, .. } => (level, (level * vary / step).round() * step),
            Kind::GaugeDecimal { level, .. } => {
                let centre = round_centis(level * vary);
                (centre, centre)
            }
            Kind::GaugeFloat { level } => (level * vary, level * vary),
            Kind::GaugeClock => (0.0, 0.0),
        };
        ValueModel { kind, scale, value }
    }

    /// Moves to the next scrape, taken at `timestamp_ms`, and returns the value.
    pub fn advance(&mut self, rng: &mut Rng, timestamp_ms: i64) -> f64 {
        match self.kind {
            Kind::CounterUnits { .. } => {
                self.value = next_counter(self.value, rng, |rng| {
                    (self.scale * (0.5 + rng.unit())).round()
                });
                self.value
            }
            Kind::CounterCentis { .. } => {
                self.value = next_counter(self.value, rng, |rng| {
                    (self.scale * (0.8 + 0.4 * rng.unit())).round()
                });
                self.value / 100.0
            }
            Kind::CounterFloat { .. } => {
                self.value = next_counter(self.value, rng, |rng| self.scale * (0.5 + rng.unit()));
                self.value
            }
            Kind::CounterRare { chance } => {
                if rng.chance(chance) {
                    self.value += 1.0;
                }
                self.value
            }
            Kind::GaugeConstant { .. } => self.value,
            Kind::GaugeSteps { step, chance, .. } => {
                if rng.chance(chance) {
                    let steps = rng.below(7) as f64 - 3.0;
                    self.value = (self.value + steps * step).max(0.0);
                }
                self.value
            }
            Kind::GaugeDecimal { spread, .. } => {
                let pull = 0.1 * (self.scale - self.value);
                let step = spread * (2.0 * rng.unit() - 1.0);
                self.value = round_centis((self.value + pull + step).max(0.0));
                self.value
            }
            Kind::GaugeFloat { .. } => self.scale * (0.5 + rng.unit()),
            Kind::GaugeClock => timestamp_ms as f64 / 1000.0 + 0.002 * rng.unit(),
        }
    }
}

/// A counter's next value: usually `value` plus an increment, rarely a restart
/// from zero.
fn next_counter(value: f64, rng: &mut Rng, increment: impl FnOnce(&mut Rng) -> f64) -> f64 {
    if rng.chance(RESET_CHANCE) {
        return 0.0;
    }
    value + increment(rng)
}

/// `value` rounded to two decimals, as exporters print such gauges.
fn round_centis(value: f64) -> f64 {
    (value * 100.0).round() / 100.0
}
