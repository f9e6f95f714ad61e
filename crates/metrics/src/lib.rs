//! Self-monitoring metrics with VictoriaMetrics's names.
//!
//! A [`Registry`] maps a full series name (`vm_rows_inserted_total{type="x"}`) to
//! a counter, a gauge, or a callback read at scrape time. Handles are cheap
//! `Arc`s: look one up once, keep it, and bump it on the hot path.

use parking_lot::Mutex;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};

/// A monotonically increasing count.
#[derive(Debug, Default)]
pub struct Counter(AtomicU64);

impl Counter {
    /// Adds `n`.
    pub fn add(&self, n: u64) {
        self.0.fetch_add(n, Ordering::Relaxed);
    }

    /// Adds one.
    pub fn inc(&self) {
        self.add(1);
    }

    /// The current count.
    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

/// A value that goes up and down (stored as `f64` bits).
#[derive(Debug, Default)]
pub struct Gauge(AtomicU64);

impl Gauge {
    /// Sets the value.
    pub fn set(&self, value: f64) {
        self.0.store(value.to_bits(), Ordering::Relaxed);
    }

    /// The current value.
    pub fn get(&self) -> f64 {
        f64::from_bits(self.0.load(Ordering::Relaxed))
    }
}

type GaugeFn = Box<dyn Fn() -> f64 + Send + Sync>;

enum Metric {
    Counter(Arc<Counter>),
    Gauge(Arc<Gauge>),
    Callback(GaugeFn),
}

/// Every metric of the process, by full series name.
#[derive(Default)]
pub struct Registry {
    metrics: Mutex<BTreeMap<String, Metric>>,
}

impl Registry {
    /// The counter called `series` (created at zero on first use).
    pub fn counter(&self, series: &str) -> Arc<Counter> {
        let mut metrics = self.metrics.lock();
        if let Some(Metric::Counter(counter)) = metrics.get(series) {
            return counter.clone();
        }
        let counter = Arc::new(Counter::default());
        metrics.insert(series.to_string(), Metric::Counter(counter.clone()));
        counter
    }

    /// The gauge called `series` (created at zero on first use).
    pub fn gauge(&self, series: &str) -> Arc<Gauge> {
        let mut metrics = self.metrics.lock();
        if let Some(Metric::Gauge(gauge)) = metrics.get(series) {
            return gauge.clone();
        }
        let gauge = Arc::new(Gauge::default());
        metrics.insert(series.to_string(), Metric::Gauge(gauge.clone()));
        gauge
    }

    /// Registers a gauge computed at scrape time; replaces an earlier one.
    pub fn gauge_fn(&self, series: &str, read: impl Fn() -> f64 + Send + Sync + 'static) {
        self.metrics
            .lock()
            .insert(series.to_string(), Metric::Callback(Box::new(read)));
    }

    /// Renders every metric in Prometheus text exposition format, sorted by name.
    pub fn render(&self) -> String {
        let metrics = self.metrics.lock();
        let mut out = String::with_capacity(64 * metrics.len());
        for (series, metric) in metrics.iter() {
            let value = match metric {
                Metric::Counter(c) => c.get() as f64,
                Metric::Gauge(g) => g.get(),
                Metric::Callback(read) => read(),
            };
            let _ = writeln!(out, "{series} {value}");
        }
        out
    }
}

/// The process-wide registry.
pub fn global() -> &'static Registry {
    static REGISTRY: OnceLock<Registry> = OnceLock::new();
    REGISTRY.get_or_init(Registry::default)
}

/// Formats `name{k="v",...}` with label values escaped as the text format requires.
pub fn series_name(name: &str, labels: &[(&str, &str)]) -> String {
    if labels.is_empty() {
        return name.to_string();
    }
    let mut out = String::with_capacity(name.len() + 16 * labels.len());
    out.push_str(name);
    out.push('{');
    for (i, (key, value)) in labels.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(key);
        out.push_str("=\"");
        for c in value.chars() {
            match c {
                '\\' => out.push_str("\\\\"),
                '"' => out.push_str("\\\""),
                '\n' => out.push_str("\\n"),
                c => out.push(c),
            }
        }
        out.push('"');
    }
    out.push('}');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_counters_gauges_and_callbacks() {
        let registry = Registry::default();
        registry.counter("a_total").add(3);
        registry.counter("a_total").inc();
        registry.gauge("b").set(1.5);
        registry.gauge_fn("c", || 7.0);
        assert_eq!(registry.render(), "a_total 4\nb 1.5\nc 7\n");
    }

    #[test]
    fn escapes_label_values() {
        assert_eq!(series_name("m", &[("k", "a\"b\\")]), "m{k=\"a\\\"b\\\\\"}");
    }
}
