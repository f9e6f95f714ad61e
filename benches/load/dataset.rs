//! The generated data set: hosts, each exposing the node_exporter families of
//! [`super::families`], with target labels as vmagent sends them, and a value
//! model per series. The same seed always gives the same labels and values.
//!
//! The query benchmark also asks for a classic histogram per host
//! ([`super::histogram`]); without it the data set is the load benchmark's,
//! unchanged.

use super::families::{FAMILIES, variants};
use super::histogram::{self, Histogram, Part};
use super::rng::Rng;
use super::values::ValueModel;

/// Clusters and regions hosts are spread over (the external labels vmagent adds).
const CLUSTERS: [&str; 2] = ["infra", "apps"];
const REGIONS: [&str; 3] = ["eu-west-1", "us-east-1", "ap-south-1"];
/// Share of scrapes whose timestamp is off the target's exact slot by a few
/// milliseconds (scrape start jitter).
const JITTER_CHANCE: f64 = 0.2;
/// Largest scrape start jitter, in milliseconds.
const JITTER_MS_MAX: u64 = 5;

/// One series: its labels (`__name__` first) and how its value moves.
pub struct Series {
    /// `(name, value)` pairs, `__name__` first.
    pub labels: Vec<(String, String)>,
    /// Index of the host (scrape target) it belongs to.
    pub host: usize,
    /// Whether the family is a counter.
    pub is_counter: bool,
    model: Model,
}

/// Where a series' values come from.
enum Model {
    /// Its own value model.
    Value(ValueModel),
    /// One part of the histogram with this index in [`Dataset::histograms`].
    Histogram { histogram: usize, part: Part },
}

/// All series of the benchmark.
pub struct Dataset {
    /// Series in host order, each host's in exposition order.
    pub series: Vec<Series>,
    /// Each host's fixed offset within the scrape interval, in milliseconds.
    host_offsets_ms: Vec<i64>,
    /// Histograms the [`Model::Histogram`] series read, per host and handler.
    histograms: Vec<Histogram>,
    rng: Rng,
}

impl Dataset {
    /// Generates `series_count` series: whole hosts of [`series_per_host`]
    /// series, the last host cut short to reach the count exactly.
    pub fn generate(series_count: usize, interval_ms: i64, seed: u64) -> Dataset {
        Dataset::generate_with(series_count, interval_ms, seed, false)
    }

    /// As [`Dataset::generate`]; with `histograms`, every host also exposes
    /// the [`super::histogram`] family after its node_exporter families.
    pub fn generate_with(
        series_count: usize,
        interval_ms: i64,
        seed: u64,
        histograms: bool,
    ) -> Dataset {
        let mut rng = Rng::new(seed);
        let mut series = Vec::with_capacity(series_count);
        let mut host_offsets_ms = Vec::new();
        let mut histogram_states = Vec::new();
        let mut host = 0;
        while series.len() < series_count {
            host_offsets_ms.push(rng.below(interval_ms as u64) as i64);
            let mut one_host = host_series(host, &mut rng);
            if histograms {
                one_host.extend(histogram_series(
                    host,
                    interval_ms,
                    &mut histogram_states,
                    &mut rng,
                ));
            }
            for one in one_host {
                if series.len() == series_count {
                    break;
                }
                series.push(one);
            }
            host += 1;
        }
        Dataset {
            series,
            host_offsets_ms,
            histograms: histogram_states,
            rng,
        }
    }

    /// Number of hosts (scrape targets).
    pub fn host_count(&self) -> usize {
        self.host_offsets_ms.len()
    }

    /// Number of counter series.
    pub fn counter_count(&self) -> usize {
        self.series.iter().filter(|s| s.is_counter).count()
    }

    /// The timestamp of every host's scrape in the interval starting at
    /// `interval_start_ms`: the host's offset plus, sometimes, a little jitter.
    pub fn scrape_timestamps(&mut self, interval_start_ms: i64) -> Vec<i64> {
        let mut timestamps = Vec::with_capacity(self.host_offsets_ms.len());
        for &offset in &self.host_offsets_ms {
            let mut timestamp = interval_start_ms + offset;
            if self.rng.chance(JITTER_CHANCE) {
                timestamp += 1 + self.rng.below(JITTER_MS_MAX) as i64;
            }
            timestamps.push(timestamp);
        }
        timestamps
    }

    /// The next sample of series `index` given this scrape's host timestamps.
    /// Each series must be visited once per scrape, scrapes in time order.
    pub fn next_sample(&mut self, index: usize, host_timestamps: &[i64]) -> (i64, f64) {
        let series = &mut self.series[index];
        let timestamp = host_timestamps[series.host];
        let value = match &mut series.model {
            Model::Value(model) => model.advance(&mut self.rng, timestamp),
            Model::Histogram { histogram, part } => {
                self.histograms[*histogram].value(*part, timestamp, &mut self.rng)
            }
        };
        (timestamp, value)
    }
}

/// Number of series one full host exposes.
pub fn series_per_host() -> usize {
    FAMILIES.iter().map(|f| variants(f.dims, 0).len()).sum()
}

/// Every series of one host.
fn host_series(host: usize, rng: &mut Rng) -> Vec<Series> {
    let target = target_labels(host);
    let mut series = Vec::new();
    for family in FAMILIES {
        for variant in variants(family.dims, host) {
            let mut labels = vec![("__name__".to_string(), family.name.to_string())];
            labels.extend(target.iter().cloned());
            labels.extend(variant.labels.into_iter().map(|(n, v)| (n.to_string(), v)));
            series.push(Series {
                labels,
                host,
                is_counter: family.kind.is_counter(),
                model: Model::Value(ValueModel::new(family.kind, variant.weight, rng)),
            });
        }
    }
    series
}

/// The histogram series of one host; adds its histograms to `states`.
fn histogram_series(
    host: usize,
    interval_ms: i64,
    states: &mut Vec<Histogram>,
    rng: &mut Rng,
) -> Vec<Series> {
    let target = target_labels(host);
    let first_state = states.len();
    let mut series = Vec::new();
    for histogram::HostPart {
        handler,
        part,
        labels: extra,
    } in histogram::host_parts()
    {
        let state = first_state + handler;
        while states.len() <= state {
            states.push(Histogram::new(states.len() - first_state, interval_ms, rng));
        }
        let mut labels = vec![("__name__".to_string(), part.metric_name())];
        labels.extend(target.iter().cloned());
        labels.extend(extra.into_iter().map(|(n, v)| (n.to_string(), v)));
        series.push(Series {
            labels,
            host,
            is_counter: true,
            model: Model::Histogram {
                histogram: state,
                part,
            },
        });
    }
    series
}

/// The labels every series of a host carries: `instance` and `job` from the
/// scrape, `cluster` and `region` added by the collector.
fn target_labels(host: usize) -> [(String, String); 4] {
    [
        ("instance".to_string(), format!("node-{host:05}:9100")),
        ("job".to_string(), "node".to_string()),
        (
            "cluster".to_string(),
            CLUSTERS[host % CLUSTERS.len()].to_string(),
        ),
        (
            "region".to_string(),
            REGIONS[host % REGIONS.len()].to_string(),
        ),
    ]
}
