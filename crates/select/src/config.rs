//! Limits and defaults of the read API. Each field names the VictoriaMetrics
//! flag it mirrors, so operators can carry their settings over unchanged.

use std::time::Duration;

/// Limits of the select role's read API. [`SelectConfig::default`] gives
/// VictoriaMetrics's defaults.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SelectConfig {
    /// `-search.maxConcurrentRequests`: requests served at once; the rest queue.
    /// Default: twice the CPU cores.
    pub max_concurrent_requests: usize,
    /// `-search.maxQueueDuration`: how long a request may wait for a free slot
    /// before it is refused with 429. Default 10 s.
    pub max_queue_duration: Duration,
    /// `-search.maxQueryDuration`: the deadline of a query-API request, also
    /// handed to the storage. The `timeout` argument can only lower it.
    /// Default 30 s.
    pub max_query_duration: Duration,
    /// `-search.maxSeries`: series `/api/v1/series` may match before it fails
    /// with 422; a `limit` argument above it is lowered to it. Default 30 000.
    pub max_series: usize,
    /// `-search.maxTagKeys`: label names `/api/v1/labels` returns at most.
    /// Default 100 000.
    pub max_tag_keys: usize,
    /// `-search.maxTagValues`: values `/api/v1/label/<name>/values` returns at
    /// most. Default 100 000.
    pub max_tag_values: usize,
    /// `-search.maxLabelsAPIDuration`: the deadline of the labels and label-values
    /// APIs (`timeout` can only lower it). Default 5 s.
    pub max_labels_api_duration: Duration,
    /// `-search.maxExportSeries`: series one `/api/v1/export` may match before it
    /// fails with 422. Default 10 000 000.
    pub max_export_series: usize,
    /// `-search.maxExportDuration`: the deadline of one export (`timeout` can
    /// only lower it). Default 30 days.
    pub max_export_duration: Duration,
    /// `-search.maxSamplesPerQuery`: samples one search may read before it fails
    /// with 422. Default 1 000 000 000.
    pub max_samples_per_query: u64,
    /// `-search.maxTSDBStatusTopNSeries`: the largest `topN` of
    /// `/api/v1/status/tsdb`; larger values are lowered to it. Default 1000.
    pub max_tsdb_status_top_n: usize,
    /// `-search.maxPointsPerTimeseries`: the most points `/api/v1/query_range`
    /// may compute per series, `(end - start) / step`; more fails with 422.
    /// Default 30 000 (Prometheus hard-codes 11 000).
    pub max_points_per_timeseries: usize,
    /// `-search.maxQueryLen`: the longest `query` argument, in bytes; longer
    /// fails with 400. Default 16 KiB.
    pub max_query_len: usize,
    /// `-search.maxLookback` (Prometheus's `--query.lookback-delta`): how far
    /// back an instant selector looks for a sample. The `max_lookback` argument
    /// overrides it per query. Default 5 min, as in Prometheus
    /// (VictoriaMetrics derives it from the scrape interval when unset).
    pub max_lookback: Duration,
    /// `-search.denyPartialResponse`: answer 503 instead of `isPartial: true`
    /// when storage nodes are missing. Default false.
    pub deny_partial_response: bool,
}

impl Default for SelectConfig {
    fn default() -> Self {
        let cores = estuary_types::parallel::cores();
        SelectConfig {
            max_concurrent_requests: 2 * cores,
            max_queue_duration: Duration::from_secs(10),
            max_query_duration: Duration::from_secs(30),
            max_series: 30_000,
            max_tag_keys: 100_000,
            max_tag_values: 100_000,
            max_labels_api_duration: Duration::from_secs(5),
            max_export_series: 10_000_000,
            max_export_duration: Duration::from_secs(30 * 24 * 3600),
            max_samples_per_query: 1_000_000_000,
            max_tsdb_status_top_n: 1000,
            max_points_per_timeseries: 30_000,
            max_query_len: 16 * 1024,
            max_lookback: Duration::from_secs(5 * 60),
            deny_partial_response: false,
        }
    }
}
