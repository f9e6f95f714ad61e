//! The figures measured for each server, their ratios, the targets, and how
//! they are printed and written as JSON: two servers against the targets
//! ([`table`], [`to_json`]), or any number with chosen ratios and no targets
//! ([`ratio_table`], [`ratio_json`]).

use super::client::ExportCount;
use super::proc_stats::{DiskUsage, Memory};
use serde_json::{Value, json};

/// Everything measured on one server.
#[derive(Debug, Clone)]
pub struct Measurement {
    /// `estuary`, `victoria-metrics`, `cluster`, ...
    pub name: String,
    /// Copies of every sample kept on disk: the replication factor, 1 on a
    /// single node.
    pub copies: u64,
    /// Samples sent.
    pub sample_count: u64,
    /// Series sent (all active at measurement time).
    pub series_count: u64,
    /// Requests answered 2xx.
    pub requests_ok: u64,
    /// Requests that failed.
    pub requests_failed: u64,
    /// The first failure.
    pub first_error: Option<String>,
    /// Seconds from the first request to the last answer.
    pub ingest_wall_seconds: f64,
    /// Server CPU seconds used while the requests were served.
    pub ingest_cpu_seconds: f64,
    /// Server CPU seconds from the first request until flush and merge settled.
    pub total_cpu_seconds: f64,
    /// Data directory after flush and merge.
    pub disk: DiskUsage,
    /// The same by kind of file, largest first.
    pub disk_by_kind: Vec<(String, DiskUsage)>,
    /// Resident memory after flush and merge.
    pub memory: Memory,
    /// Whether the server went quiet after flush and merge within the timeout.
    pub settled: bool,
    /// What `/api/v1/export` returned afterwards.
    pub export: Result<ExportCount, String>,
}

impl Measurement {
    /// CPU seconds per million samples while ingesting.
    pub fn cpu_seconds_per_million(&self) -> f64 {
        self.ingest_cpu_seconds / self.million_samples()
    }

    /// CPU seconds per million samples including flush and merge.
    pub fn total_cpu_seconds_per_million(&self) -> f64 {
        self.total_cpu_seconds / self.million_samples()
    }

    /// Samples per wall-clock second.
    pub fn samples_per_second(&self) -> f64 {
        self.sample_count as f64 / self.ingest_wall_seconds
    }

    /// Data directory bytes (apparent size) per sample.
    pub fn bytes_per_sample(&self) -> f64 {
        self.disk.apparent_bytes as f64 / self.sample_count as f64
    }

    /// Data directory bytes (apparent size) per sample and copy kept.
    pub fn bytes_per_sample_per_copy(&self) -> f64 {
        self.bytes_per_sample() / self.copies.max(1) as f64
    }

    /// Data directory bytes (allocated blocks) per sample.
    pub fn allocated_bytes_per_sample(&self) -> f64 {
        self.disk.allocated_bytes as f64 / self.sample_count as f64
    }

    /// Resident bytes per active series.
    pub fn rss_bytes_per_series(&self) -> f64 {
        self.memory.rss_bytes as f64 / self.series_count as f64
    }

    fn million_samples(&self) -> f64 {
        self.sample_count as f64 / 1e6
    }

    fn to_json(&self) -> Value {
        json!({
            "samples": self.sample_count,
            "series": self.series_count,
            "copies": self.copies,
            "requests_ok": self.requests_ok,
            "requests_failed": self.requests_failed,
            "first_error": self.first_error,
            "ingest_wall_seconds": self.ingest_wall_seconds,
            "ingest_cpu_seconds": self.ingest_cpu_seconds,
            "total_cpu_seconds": self.total_cpu_seconds,
            "cpu_seconds_per_million_samples": self.cpu_seconds_per_million(),
            "total_cpu_seconds_per_million_samples": self.total_cpu_seconds_per_million(),
            "samples_per_second": self.samples_per_second(),
            "disk_apparent_bytes": self.disk.apparent_bytes,
            "disk_allocated_bytes": self.disk.allocated_bytes,
            "disk_file_count": self.disk.file_count,
            "disk_by_kind": self.disk_by_kind.iter().map(|(kind, usage)| json!({
                "kind": kind,
                "apparent_bytes": usage.apparent_bytes,
                "allocated_bytes": usage.allocated_bytes,
                "files": usage.file_count,
            })).collect::<Vec<Value>>(),
            "bytes_per_sample": self.bytes_per_sample(),
            "bytes_per_sample_per_copy": self.bytes_per_sample_per_copy(),
            "allocated_bytes_per_sample": self.allocated_bytes_per_sample(),
            "rss_bytes": self.memory.rss_bytes,
            "rss_peak_bytes": self.memory.rss_peak_bytes,
            "rss_bytes_per_series": self.rss_bytes_per_series(),
            "settled_after_merge": self.settled,
            "export": match &self.export {
                Ok(count) => json!({"series": count.series_count, "samples": count.sample_count}),
                Err(error) => json!({"error": error}),
            },
        })
    }
}

/// One line of the comparison.
struct Row {
    key: &'static str,
    label: &'static str,
    figure: fn(&Measurement) -> f64,
    /// The largest acceptable Estuary/VM ratio, if this figure has a target.
    ratio_max: Option<f64>,
}

const ROWS: [Row; 6] = [
    Row {
        key: "cpu_seconds_per_million_samples",
        label: "CPU s / million samples (ingest)",
        figure: Measurement::cpu_seconds_per_million,
        ratio_max: Some(1.0),
    },
    Row {
        key: "total_cpu_seconds_per_million_samples",
        label: "CPU s / million samples (+flush+merge)",
        figure: Measurement::total_cpu_seconds_per_million,
        ratio_max: None,
    },
    Row {
        key: "samples_per_second",
        label: "ingest samples / s (higher is better)",
        figure: Measurement::samples_per_second,
        ratio_max: None,
    },
    Row {
        key: "bytes_per_sample",
        label: "bytes on disk / sample (apparent)",
        figure: Measurement::bytes_per_sample,
        ratio_max: Some(1.0),
    },
    Row {
        key: "allocated_bytes_per_sample",
        label: "bytes on disk / sample (allocated)",
        figure: Measurement::allocated_bytes_per_sample,
        ratio_max: None,
    },
    Row {
        key: "rss_bytes_per_series",
        label: "resident bytes / active series",
        figure: Measurement::rss_bytes_per_series,
        ratio_max: Some(1.0),
    },
];

/// Shown only where copies differ: with one copy it repeats bytes per sample.
const PER_COPY_ROW: Row = Row {
    key: "bytes_per_sample_per_copy",
    label: "bytes on disk / sample / copy",
    figure: Measurement::bytes_per_sample_per_copy,
    ratio_max: None,
};

/// The comparison table, targets marked PASS or FAIL.
pub fn table(estuary: &Measurement, vm: &Measurement) -> String {
    let mut out = format!(
        "{:<40} {:>14} {:>14} {:>10}  {}\n",
        "figure", estuary.name, vm.name, "ratio", "target (Estuary/VM)"
    );
    for row in &ROWS {
        let (ours, theirs) = ((row.figure)(estuary), (row.figure)(vm));
        let ratio = ours / theirs;
        let verdict = match row.ratio_max {
            Some(max) => format!("<= {max:.2}: {}", pass_or_fail(ratio, max)),
            None => "(information)".to_string(),
        };
        out += &format!(
            "{:<40} {:>14} {:>14} {:>10.3}  {verdict}\n",
            row.label,
            figure_text(ours),
            figure_text(theirs),
            ratio
        );
    }
    out
}

/// The report as JSON: settings, both servers' figures, ratios and targets.
pub fn to_json(settings: Value, estuary: &Measurement, vm: &Measurement) -> Value {
    let comparisons: Vec<Value> = ROWS
        .iter()
        .map(|row| {
            let ratio = (row.figure)(estuary) / (row.figure)(vm);
            json!({
                "figure": row.key,
                "estuary": (row.figure)(estuary),
                "victoria_metrics": (row.figure)(vm),
                "ratio": ratio,
                "ratio_max": row.ratio_max,
                "pass": row.ratio_max.map(|max| ratio <= max),
            })
        })
        .collect();
    json!({
        "settings": settings,
        "estuary": estuary.to_json(),
        "victoria_metrics": vm.to_json(),
        "comparisons": comparisons,
    })
}

/// Which figure is divided by which in [`ratio_table`] and [`ratio_json`]:
/// indexes into the measurements.
#[derive(Debug, Clone, Copy)]
pub struct Ratio {
    /// The numerator's index.
    pub of: usize,
    /// The denominator's index.
    pub to: usize,
}

impl Ratio {
    fn of_figure(self, row: &Row, measurements: &[&Measurement]) -> f64 {
        (row.figure)(measurements[self.of]) / (row.figure)(measurements[self.to])
    }
}

/// Every figure of every measurement, then the chosen ratios; no targets.
pub fn ratio_table(measurements: &[&Measurement], ratios: &[Ratio]) -> String {
    let headers: Vec<String> = measurements
        .iter()
        .map(|m| m.name.clone())
        .chain(ratios.iter().map(|ratio| ratio_name(measurements, *ratio)))
        .collect();
    let widths: Vec<usize> = headers.iter().map(|h| h.len().max(12)).collect();
    let mut out = format!("{:<40}", "figure");
    for (header, width) in headers.iter().zip(&widths) {
        out += &format!(" {header:>width$}");
    }
    out += "\n";
    for row in ROWS.iter().chain([&PER_COPY_ROW]) {
        let figures = measurements.iter().map(|m| figure_text((row.figure)(m)));
        let ratio_texts = ratios
            .iter()
            .map(|ratio| format!("{:.3}", ratio.of_figure(row, measurements)));
        out += &format!("{:<40}", row.label);
        for (text, width) in figures.chain(ratio_texts).zip(&widths) {
            out += &format!(" {text:>width$}");
        }
        out += "\n";
    }
    out
}

/// The report as JSON: settings, each measurement by name, and every figure
/// with the chosen ratios.
pub fn ratio_json(settings: Value, measurements: &[&Measurement], ratios: &[Ratio]) -> Value {
    let comparisons: Vec<Value> = ROWS
        .iter()
        .chain([&PER_COPY_ROW])
        .map(|row| {
            let mut figures = serde_json::Map::new();
            for m in measurements {
                figures.insert(m.name.clone(), json!((row.figure)(m)));
            }
            for ratio in ratios {
                figures.insert(
                    ratio_name(measurements, *ratio),
                    json!(ratio.of_figure(row, measurements)),
                );
            }
            json!({"figure": row.key, "values": figures})
        })
        .collect();
    let servers: serde_json::Map<String, Value> = measurements
        .iter()
        .map(|m| (m.name.clone(), m.to_json()))
        .collect();
    json!({
        "settings": settings,
        "servers": servers,
        "comparisons": comparisons,
    })
}

/// `cluster/estuary`: the ratio's column and key.
fn ratio_name(measurements: &[&Measurement], ratio: Ratio) -> String {
    format!(
        "{}/{}",
        measurements[ratio.of].name, measurements[ratio.to].name
    )
}

fn pass_or_fail(ratio: f64, max: f64) -> &'static str {
    if ratio <= max { "PASS" } else { "FAIL" }
}

/// Large figures without decimals, small ones with three significant digits.
fn figure_text(value: f64) -> String {
    if value.abs() >= 1000.0 {
        format!("{value:.0}")
    } else {
        format!("{value:.3}")
    }
}
