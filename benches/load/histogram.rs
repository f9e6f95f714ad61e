//! A classic Prometheus histogram, as an instrumented HTTP server exposes it:
//! `http_request_duration_seconds` per handler, with cumulative `_bucket`
//! counters (one per `le`, the client libraries' default buckets, `+Inf`
//! last), `_sum` and `_count`. All series of one handler on one host move
//! together: each scrape adds a random number of requests with log-normal
//! latencies, so the buckets stay cumulative (`le="+Inf"` equals `_count`)
//! and `histogram_quantile` gives sensible answers.

use super::rng::Rng;

/// The family's base name.
pub const NAME: &str = "http_request_duration_seconds";

/// Upper bounds of the buckets, as the `le` label prints them.
pub const BUCKETS: [&str; 12] = [
    "0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "5", "10", "+Inf",
];

/// The buckets' upper bounds as numbers, in the order of [`BUCKETS`].
const BOUNDS: [f64; 12] = [
    0.005,
    0.01,
    0.025,
    0.05,
    0.1,
    0.25,
    0.5,
    1.0,
    2.5,
    5.0,
    10.0,
    f64::INFINITY,
];

/// Handlers, their mean requests per 15 s and their median latency in seconds.
const HANDLERS: [(&str, f64, f64); 3] = [
    ("/api/v1/write", 60.0, 0.008),
    ("/api/v1/query", 12.0, 0.06),
    ("/api/v1/query_range", 4.0, 0.35),
];

/// Spread of the latencies' logarithm (the log-normal's sigma).
const LOG_SPREAD: f64 = 1.0;

/// One series of a histogram.
#[derive(Debug, Clone, Copy)]
pub enum Part {
    /// The cumulative bucket with index `0..BUCKETS.len()`.
    Bucket(usize),
    /// `_sum`: total seconds observed.
    Sum,
    /// `_count`: requests observed.
    Count,
}

impl Part {
    /// The series' `__name__`.
    pub fn metric_name(self) -> String {
        match self {
            Part::Bucket(_) => format!("{NAME}_bucket"),
            Part::Sum => format!("{NAME}_sum"),
            Part::Count => format!("{NAME}_count"),
        }
    }
}

/// One series of a host's histogram.
pub struct HostPart {
    /// Index of the handler (its histogram) among the host's.
    pub handler: usize,
    /// Which series of the histogram.
    pub part: Part,
    /// Labels besides `__name__` and the target's.
    pub labels: Vec<(&'static str, String)>,
}

/// The series of one host's histograms: per handler, the buckets, `_sum` and
/// `_count`.
pub fn host_parts() -> Vec<HostPart> {
    let mut parts = Vec::new();
    for (handler, &(path, _, _)) in HANDLERS.iter().enumerate() {
        let handler_label = ("handler", path.to_string());
        for (bucket, le) in BUCKETS.iter().enumerate() {
            parts.push(HostPart {
                handler,
                part: Part::Bucket(bucket),
                labels: vec![handler_label.clone(), ("le", le.to_string())],
            });
        }
        for part in [Part::Sum, Part::Count] {
            parts.push(HostPart {
                handler,
                part,
                labels: vec![handler_label.clone()],
            });
        }
    }
    parts
}

/// The state of one handler's histogram on one host.
#[derive(Debug, Clone)]
pub struct Histogram {
    /// Mean requests per scrape.
    requests_per_scrape: f64,
    /// Median latency, seconds.
    median_s: f64,
    /// Cumulative count per bucket.
    buckets: [f64; BUCKETS.len()],
    /// Total seconds observed.
    sum: f64,
    /// The scrape it was last advanced for.
    advanced_at_ms: Option<i64>,
}

impl Histogram {
    /// A histogram of handler `handler_index` scraped every `interval_ms`,
    /// as if the server had been up for a while.
    pub fn new(handler_index: usize, interval_ms: i64, rng: &mut Rng) -> Histogram {
        let (_, per_15s, median_s) = HANDLERS[handler_index % HANDLERS.len()];
        let vary = 0.5 + rng.unit();
        let mut histogram = Histogram {
            requests_per_scrape: per_15s * vary * interval_ms as f64 / 15_000.0,
            median_s: median_s * vary,
            buckets: [0.0; BUCKETS.len()],
            sum: 0.0,
            advanced_at_ms: None,
        };
        let warm_up_requests = (histogram.requests_per_scrape * 50.0).round() as usize;
        histogram.observe(warm_up_requests, rng);
        histogram
    }

    /// The value of `part` at the scrape taken at `timestamp_ms`; the first
    /// call for a scrape adds that scrape's requests.
    pub fn value(&mut self, part: Part, timestamp_ms: i64, rng: &mut Rng) -> f64 {
        if self.advanced_at_ms != Some(timestamp_ms) {
            self.advanced_at_ms = Some(timestamp_ms);
            let requests = (self.requests_per_scrape * (0.5 + rng.unit())).round() as usize;
            self.observe(requests, rng);
        }
        match part {
            Part::Bucket(index) => self.buckets[index.min(BUCKETS.len() - 1)],
            Part::Sum => self.sum,
            Part::Count => self.buckets[BUCKETS.len() - 1],
        }
    }

    /// Records `requests` latencies.
    fn observe(&mut self, requests: usize, rng: &mut Rng) {
        for _ in 0..requests {
            let latency = self.median_s * (LOG_SPREAD * standard_normal(rng)).exp();
            self.sum += latency;
            let first = BOUNDS
                .iter()
                .position(|&bound| latency <= bound)
                .unwrap_or(BUCKETS.len() - 1);
            for bucket in &mut self.buckets[first..] {
                *bucket += 1.0;
            }
        }
    }
}

/// A standard normal number (Box–Muller).
fn standard_normal(rng: &mut Rng) -> f64 {
    let u1 = 1.0 - rng.unit();
    let u2 = rng.unit();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}
