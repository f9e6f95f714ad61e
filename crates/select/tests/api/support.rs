//! An in-memory `Storage` and helpers that drive `routes()` through tower.

use async_trait::async_trait;
use axum::Extension;
use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use estuary_metrics::Registry;
use estuary_select::{SelectConfig, SelectState, routes};
use estuary_storage_api::{
    Answer as StorageAnswer, Deadline, SearchRequest, SeriesData, SeriesRequest, SeriesSamples,
    Storage, StorageError, TsdbStatus, TsdbStatusEntry, TsdbStatusRequest, WriteOutcome,
};
use estuary_types::{Label, Labels, Sample, Tenant, TimeRange};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;
use tower::ServiceExt;

/// A series store in a vector, filtering by tenant, matchers and range.
#[derive(Default)]
pub struct MemoryStorage {
    series: Mutex<Vec<(Tenant, Labels, Vec<Sample>)>>,
    requests: Mutex<Vec<SeriesRequest>>,
    tsdb_requests: Mutex<Vec<TsdbStatusRequest>>,
    failure: Mutex<Option<StorageError>>,
    delay: Mutex<Option<Duration>>,
    partial: Mutex<bool>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl MemoryStorage {
    /// Stores a series of tenant 0:0.
    pub fn add(&self, labels: &[(&str, &str)], samples: &[(i64, f64)]) {
        self.add_for(Tenant::DEFAULT, labels, samples);
    }

    /// Stores a series of `tenant`.
    pub fn add_for(&self, tenant: Tenant, labels: &[(&str, &str)], samples: &[(i64, f64)]) {
        let labels = Labels::new(labels.iter().map(|(n, v)| Label::new(*n, *v)).collect())
            .expect("canonical labels");
        let samples = samples.iter().map(|&(t, v)| Sample::new(t, v)).collect();
        lock(&self.series).push((tenant, labels, samples));
    }

    /// Makes every later call fail with `error`.
    pub fn fail_with(&self, error: StorageError) {
        *lock(&self.failure) = Some(error);
    }

    /// Marks every later read answer partial, as a cluster with missing
    /// storage nodes does.
    pub fn answer_partially(&self) {
        *lock(&self.partial) = true;
    }

    fn answer<T>(&self, data: T) -> Result<StorageAnswer<T>, StorageError> {
        Ok(StorageAnswer {
            data,
            is_partial: *lock(&self.partial),
        })
    }

    /// Makes every later call take `delay` first.
    pub fn delay(&self, delay: Duration) {
        *lock(&self.delay) = Some(delay);
    }

    /// The series requests received so far (search, series, labels, values).
    pub fn requests(&self) -> Vec<SeriesRequest> {
        lock(&self.requests).clone()
    }

    /// The last series request received.
    pub fn last_request(&self) -> SeriesRequest {
        self.requests().pop().expect("a storage request was made")
    }

    /// The last TSDB-status request received.
    pub fn last_tsdb_request(&self) -> TsdbStatusRequest {
        lock(&self.tsdb_requests)
            .last()
            .cloned()
            .expect("a TSDB status request was made")
    }

    async fn begin(&self, request: &SeriesRequest) -> Result<(), StorageError> {
        lock(&self.requests).push(request.clone());
        let delay = *lock(&self.delay);
        if let Some(delay) = delay {
            tokio::time::sleep(delay).await;
        }
        match lock(&self.failure).clone() {
            Some(error) => Err(error),
            None => Ok(()),
        }
    }

    /// Matching series with their samples in range; series without samples in
    /// range are left out.
    fn matching(&self, request: &SeriesRequest) -> Vec<SeriesData> {
        let mut out: Vec<SeriesData> = lock(&self.series)
            .iter()
            .filter(|(tenant, labels, _)| {
                *tenant == request.tenant && matches_filters(labels, request)
            })
            .filter_map(|(_, labels, samples)| {
                let samples: Vec<Sample> = samples
                    .iter()
                    .filter(|s| request.range.contains(s.timestamp))
                    .copied()
                    .collect();
                (!samples.is_empty()).then(|| SeriesData {
                    labels: labels.clone(),
                    samples,
                })
            })
            .collect();
        out.sort_by(|a, b| a.labels.cmp(&b.labels));
        out
    }
}

fn matches_filters(labels: &Labels, request: &SeriesRequest) -> bool {
    request.filters.is_empty()
        || request.filters.iter().any(|group| {
            group
                .iter()
                .all(|m| m.matches(labels.get(&m.name).unwrap_or("")))
        })
}

#[async_trait]
impl Storage for MemoryStorage {
    async fn write(&self, batch: Vec<SeriesSamples>) -> Result<WriteOutcome, StorageError> {
        let mut outcome = WriteOutcome::default();
        for series in batch {
            outcome.samples_stored += series.samples.len() as u64;
            lock(&self.series).push((series.tenant, series.labels.to_labels(), series.samples));
        }
        Ok(outcome)
    }

    async fn search(
        &self,
        request: SearchRequest,
    ) -> Result<StorageAnswer<Vec<SeriesData>>, StorageError> {
        self.begin(&request.series).await?;
        let found = self.matching(&request.series);
        if found.len() > request.series.limit {
            return Err(StorageError::LimitExceeded {
                what: "the number of matching series".into(),
                limit: request.series.limit as u64,
                hint: "raise -search.maxExportSeries".into(),
            });
        }
        let samples: usize = found.iter().map(|s| s.samples.len()).sum();
        if samples as u64 > request.samples_limit {
            return Err(StorageError::LimitExceeded {
                what: "the number of samples read".into(),
                limit: request.samples_limit,
                hint: "raise -search.maxSamplesPerQuery".into(),
            });
        }
        self.answer(found)
    }

    async fn series(
        &self,
        request: SeriesRequest,
    ) -> Result<StorageAnswer<Vec<Labels>>, StorageError> {
        self.begin(&request).await?;
        let mut labels: Vec<Labels> = self
            .matching(&request)
            .into_iter()
            .map(|s| s.labels)
            .collect();
        labels.truncate(request.limit);
        self.answer(labels)
    }

    async fn label_names(
        &self,
        request: SeriesRequest,
    ) -> Result<StorageAnswer<Vec<String>>, StorageError> {
        self.begin(&request).await?;
        let names: BTreeSet<String> = self
            .matching(&request)
            .iter()
            .flat_map(|s| s.labels.iter().map(|l| l.name.clone()))
            .collect();
        self.answer(names.into_iter().take(request.limit).collect())
    }

    async fn label_values(
        &self,
        request: SeriesRequest,
        name: String,
    ) -> Result<StorageAnswer<Vec<String>>, StorageError> {
        self.begin(&request).await?;
        let values: BTreeSet<String> = self
            .matching(&request)
            .iter()
            .filter_map(|s| s.labels.get(&name).map(str::to_string))
            .collect();
        self.answer(values.into_iter().take(request.limit).collect())
    }

    async fn tsdb_status(
        &self,
        request: TsdbStatusRequest,
    ) -> Result<StorageAnswer<TsdbStatus>, StorageError> {
        self.begin(&request.series).await?;
        lock(&self.tsdb_requests).push(request.clone());
        let found = self.matching(&request.series);
        let mut by_name: BTreeMap<String, u64> = BTreeMap::new();
        for series in &found {
            if let Some(name) = series.labels.metric_name() {
                *by_name.entry(name.to_string()).or_default() += 1;
            }
        }
        let mut status = TsdbStatus {
            total_series: found.len() as u64,
            total_label_value_pairs: found.iter().map(|s| s.labels.len() as u64).sum(),
            ..TsdbStatus::default()
        };
        status.series_count_by_metric_name = by_name
            .into_iter()
            .map(|(name, value)| TsdbStatusEntry { name, value })
            .take(request.top_n)
            .collect();
        self.answer(status)
    }

    async fn tenants(
        &self,
        range: TimeRange,
        _deadline: Deadline,
    ) -> Result<Vec<Tenant>, StorageError> {
        let tenants: BTreeSet<Tenant> = lock(&self.series)
            .iter()
            .filter(|(_, _, samples)| samples.iter().any(|s| range.contains(s.timestamp)))
            .map(|(tenant, _, _)| *tenant)
            .collect();
        Ok(tenants.into_iter().collect())
    }

    async fn delete_series(&self, request: SeriesRequest) -> Result<u64, StorageError> {
        let mut series = lock(&self.series);
        let before = series.len();
        series.retain(|(tenant, labels, _)| {
            !(*tenant == request.tenant && matches_filters(labels, &request))
        });
        Ok((before - series.len()) as u64)
    }

    async fn force_flush(&self) -> Result<(), StorageError> {
        Ok(())
    }

    async fn force_merge(&self) -> Result<(), StorageError> {
        Ok(())
    }
}

/// The router over a fresh in-memory storage, serving tenant 0:0.
pub struct Harness {
    /// The storage behind the router.
    pub storage: Arc<MemoryStorage>,
    config: SelectConfig,
}

impl Harness {
    /// A harness with default limits.
    pub fn new() -> Self {
        Harness::with_config(SelectConfig::default())
    }

    /// A harness with the given limits.
    pub fn with_config(config: SelectConfig) -> Self {
        Harness {
            storage: Arc::new(MemoryStorage::default()),
            config,
        }
    }

    /// The routes as the binary would mount them, for `tenant`.
    pub fn router_for(&self, tenant: Tenant) -> Router {
        let state = SelectState::new(
            self.storage.clone(),
            self.config.clone(),
            &Registry::default(),
        );
        routes(state).layer(Extension(tenant))
    }

    /// The routes for tenant 0:0.
    pub fn router(&self) -> Router {
        self.router_for(Tenant::DEFAULT)
    }

    /// `GET uri`.
    pub async fn get(&self, uri: &str) -> Answer {
        send(
            self.router(),
            request(Method::GET, uri, None, Body::empty()),
        )
        .await
    }

    /// `POST uri` with a form body.
    pub async fn post_form(&self, uri: &str, form: &str) -> Answer {
        let request = request(
            Method::POST,
            uri,
            Some("application/x-www-form-urlencoded"),
            Body::from(form.to_string()),
        );
        send(self.router(), request).await
    }

    /// `POST uri` the way vmalert does: JSON content type, empty body.
    pub async fn post_vmalert(&self, uri: &str) -> Answer {
        let request = request(Method::POST, uri, Some("application/json"), Body::empty());
        send(self.router(), request).await
    }
}

/// Builds a request. Characters a URI may not hold raw (`"`, `{`, `}`, `|`,
/// space) are percent-encoded, so tests can write selectors plainly.
pub fn request(method: Method, uri: &str, content_type: Option<&str>, body: Body) -> Request<Body> {
    let mut encoded = String::with_capacity(uri.len());
    for c in uri.chars() {
        match c {
            '"' | '{' | '}' | '|' | ' ' | '^' | '`' => {
                encoded.push_str(&format!("%{:02X}", c as u32))
            }
            c => encoded.push(c),
        }
    }
    let mut builder = Request::builder().method(method).uri(encoded);
    if let Some(content_type) = content_type {
        builder = builder.header(header::CONTENT_TYPE, content_type);
    }
    builder.body(body).expect("valid request")
}

/// Sends a request through the router and collects the answer.
pub async fn send(router: Router, request: Request<Body>) -> Answer {
    let response = router.oneshot(request).await.expect("infallible router");
    let status = response.status();
    let headers = response.headers().clone();
    let body = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .expect("readable body")
        .to_vec();
    Answer {
        status,
        headers,
        body,
    }
}

/// A collected response.
pub struct Answer {
    /// The status.
    pub status: StatusCode,
    /// The headers.
    pub headers: HeaderMap,
    /// The body.
    pub body: Vec<u8>,
}

impl Answer {
    /// The body as text.
    pub fn text(&self) -> String {
        String::from_utf8(self.body.clone()).expect("UTF-8 body")
    }

    /// The body as JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).expect("JSON body")
    }

    /// The body as text with the value of `"executionTimeMsec"` replaced by 0,
    /// so query answers can be compared exactly.
    pub fn text_without_timing(&self) -> String {
        const KEY: &str = "\"executionTimeMsec\":";
        let text = self.text();
        let Some(at) = text.find(KEY) else {
            return text;
        };
        let digits_start = at + KEY.len();
        let digits_len = text[digits_start..]
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(text.len() - digits_start);
        format!(
            "{}0{}",
            &text[..digits_start],
            &text[digits_start + digits_len..]
        )
    }

    /// A header's value.
    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    }

    /// Asserts a JSON error answer of `status` and `error_type` whose message
    /// contains every one of `needles`.
    pub fn assert_json_error(&self, status: u16, error_type: &str, needles: &[&str]) {
        assert_eq!(self.status.as_u16(), status, "{}", self.text());
        assert_eq!(self.header("content-type"), "application/json");
        let json = self.json();
        assert_eq!(json["status"], "error");
        assert_eq!(json["errorType"], error_type, "{json}");
        let message = json["error"].as_str().expect("error message");
        for needle in needles {
            assert!(message.contains(needle), "{message:?} lacks {needle:?}");
        }
    }
}
