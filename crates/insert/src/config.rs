//! The insert layer's configuration: the limits behind its flags.

use crate::validate::Limits;
use std::time::Duration;

/// Limits of the ingest endpoints. Field docs name the flag each one backs;
/// [`Default`] gives VictoriaMetrics's defaults.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InsertConfig {
    /// Bytes of a request body, both as sent and once decompressed
    /// (`-maxInsertRequestSize`, 32 MiB).
    pub request_bytes_max: usize,
    /// Bytes of one line of a JSON line import (`-import.maxLineLen`, 10 MiB).
    pub import_line_bytes_max: usize,
    /// Labels per series, `__name__` included (`-maxLabelsPerTimeseries`, 40).
    pub labels_per_series_max: usize,
    /// Bytes of a label name (`-maxLabelNameLen`, 256).
    pub label_name_bytes_max: usize,
    /// Bytes of a label value (`-maxLabelValueLen`, 4096).
    pub label_value_bytes_max: usize,
    /// Requests read, decoded and stored at once (`-maxConcurrentInserts`,
    /// twice the CPU count).
    pub concurrent_inserts_max: usize,
    /// How long a request waits for an insert slot before 503
    /// (`-insert.maxQueueDuration`, 1 minute).
    pub queue_duration_max: Duration,
}

impl Default for InsertConfig {
    fn default() -> Self {
        let limits = Limits::default();
        let cpus = estuary_types::parallel::cores();
        InsertConfig {
            request_bytes_max: 32 << 20,
            import_line_bytes_max: 10 << 20,
            labels_per_series_max: limits.labels_per_series_max,
            label_name_bytes_max: limits.label_name_bytes_max,
            label_value_bytes_max: limits.label_value_bytes_max,
            concurrent_inserts_max: 2 * cpus,
            queue_duration_max: Duration::from_secs(60),
        }
    }
}

impl InsertConfig {
    /// The per-series validation limits.
    pub fn limits(&self) -> Limits {
        Limits {
            labels_per_series_max: self.labels_per_series_max,
            label_name_bytes_max: self.label_name_bytes_max,
            label_value_bytes_max: self.label_value_bytes_max,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_match_victoriametrics() {
        let config = InsertConfig::default();
        assert_eq!(config.request_bytes_max, 33_554_432);
        assert_eq!(config.import_line_bytes_max, 10_485_760);
        assert_eq!(config.limits(), Limits::default());
        assert_eq!(config.limits().labels_per_series_max, 40);
        assert!(config.concurrent_inserts_max >= 2);
        assert_eq!(config.queue_duration_max, Duration::from_secs(60));
    }
}
