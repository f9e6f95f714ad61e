//! A remote-write client on its own thread that sends numbered samples (see
//! [`super::numbered`]) batch after batch and records which were
//! acknowledged, how long each request took and what went wrong.
//!
//! Like a load balancer in front of several insert nodes, it sends to one
//! URL until the connection fails, then moves to the next URL and sends the
//! same batch again. A batch is only left behind once acknowledged (2xx), or
//! when the run's time is up. The run is bounded in time and in samples.

use super::api::{PROMETHEUS_HEADERS, try_post_within};
use super::numbered::Ledger;
use super::remote_write::snappy_body;
use std::ops::Range;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

/// Pause before sending a refused or failed batch again.
const RETRY_PAUSE: Duration = Duration::from_millis(100);

/// How the writer sends.
#[derive(Clone, Debug)]
pub struct WriterConfig {
    /// Remote-write URLs, tried in order on connection failures.
    pub urls: Vec<String>,
    /// Samples per request.
    pub batch: u64,
    /// Pause between acknowledged batches (paces the load).
    pub pace: Duration,
    /// Time bound of one request.
    pub request_timeout: Duration,
    /// The run stops after this many samples...
    pub max_samples: u64,
    /// ... or after this long, whichever comes first.
    pub max_duration: Duration,
}

/// One request that did not end in an acknowledgement.
#[derive(Clone, Debug)]
pub struct Failure {
    /// Index of the URL in [`WriterConfig::urls`].
    pub url: usize,
    /// `status 503: body` or the transport error.
    pub what: String,
    /// When it happened, since the writer started.
    pub at: Duration,
}

/// What the writer did.
#[derive(Clone, Debug, Default)]
pub struct WriteReport {
    /// Sample numbers acknowledged, batch by batch.
    pub acknowledged: Vec<Range<u64>>,
    /// Samples `0..sent` were sent at least once (acknowledged or not).
    pub sent: u64,
    /// The batch that was being sent when time ran out, never acknowledged.
    pub unacknowledged: Option<Range<u64>>,
    /// Requests sent.
    pub requests: u64,
    /// Requests that were not acknowledged.
    pub failures: Vec<Failure>,
    /// Moves to the next URL after a connection failure.
    pub failovers: u64,
    /// The longest request.
    pub slowest: Duration,
}

impl WriteReport {
    /// Acknowledged samples in all.
    pub fn acknowledged_samples(&self) -> u64 {
        self.acknowledged.iter().map(|r| r.end - r.start).sum()
    }

    /// The failures, one a line, for messages.
    pub fn failures_text(&self) -> String {
        self.failures
            .iter()
            .map(|f| format!("  url #{} at {:?}: {}", f.url, f.at, f.what))
            .collect::<Vec<_>>()
            .join("\n")
    }
}

/// A running writer.
pub struct Writer {
    stop: Arc<AtomicBool>,
    acked: Arc<AtomicU64>,
    handle: Option<JoinHandle<WriteReport>>,
}

impl Writer {
    /// Starts sending samples of `ledger` from number 0.
    pub fn spawn(ledger: Ledger, config: WriterConfig) -> Writer {
        assert!(!config.urls.is_empty(), "a writer needs a URL");
        assert!(config.batch > 0, "empty batches");
        let stop = Arc::new(AtomicBool::new(false));
        let acked = Arc::new(AtomicU64::new(0));
        let handle = {
            let (stop, acked) = (stop.clone(), acked.clone());
            thread::spawn(move || run(&ledger, &config, &stop, &acked))
        };
        Writer {
            stop,
            acked,
            handle: Some(handle),
        }
    }

    /// Samples acknowledged so far.
    pub fn acknowledged_samples(&self) -> u64 {
        self.acked.load(Ordering::SeqCst)
    }

    /// Whether the writer ended by itself (limits reached or panicked).
    pub fn finished(&self) -> bool {
        self.handle.as_ref().is_none_or(JoinHandle::is_finished)
    }

    /// Waits until at least `samples` more than `from` are acknowledged.
    pub fn wait_for_progress(&self, from: u64, samples: u64, timeout: Duration, what: &str) {
        super::eventually(timeout, what, || {
            let now = self.acknowledged_samples();
            if now >= from + samples {
                Ok(())
            } else if self.finished() {
                Err(format!(
                    "the writer stopped at {now} acknowledged samples (limit reached?)"
                ))
            } else {
                Err(format!("{} of {samples} acknowledged", now - from))
            }
        });
    }

    /// Stops after the batch in flight and returns the report.
    pub fn stop(mut self) -> WriteReport {
        self.stop.store(true, Ordering::SeqCst);
        self.handle
            .take()
            .expect("writer joined once")
            .join()
            .expect("writer thread panicked")
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
    }
}

fn run(
    ledger: &Ledger,
    config: &WriterConfig,
    stop: &AtomicBool,
    acked: &AtomicU64,
) -> WriteReport {
    let started = Instant::now();
    let deadline = started + config.max_duration;
    let mut report = WriteReport::default();
    let mut current = 0usize;
    let mut next = 0u64;
    while !stop.load(Ordering::SeqCst) && Instant::now() < deadline && next < config.max_samples {
        let numbers = next..(next + config.batch).min(config.max_samples);
        next = numbers.end;
        report.sent = next;
        let body = snappy_body(ledger.batch(numbers.clone()));
        let mut delivered = false;
        // Sending the batch again is bounded by the run's deadline only: a
        // batch is given up only when time is up.
        while Instant::now() < deadline {
            let sent_at = Instant::now();
            let result = try_post_within(
                &config.urls[current],
                &PROMETHEUS_HEADERS,
                body.clone(),
                config.request_timeout,
            );
            let took = sent_at.elapsed();
            report.requests += 1;
            report.slowest = report.slowest.max(took);
            let failure = |what: String| Failure {
                url: current,
                what: format!("{what} (after {took:?})"),
                at: started.elapsed(),
            };
            match result {
                Ok(reply) if (200..300).contains(&reply.status) => {
                    delivered = true;
                    break;
                }
                Ok(reply) => {
                    report.failures.push(failure(format!(
                        "status {}: {}",
                        reply.status,
                        reply.body.trim()
                    )));
                    thread::sleep(RETRY_PAUSE);
                }
                Err(error) => {
                    report.failures.push(failure(error));
                    current = (current + 1) % config.urls.len();
                    report.failovers += 1;
                    thread::sleep(RETRY_PAUSE);
                }
            }
        }
        if delivered {
            acked.fetch_add(numbers.end - numbers.start, Ordering::SeqCst);
            report.acknowledged.push(numbers);
            thread::sleep(config.pace);
        } else {
            report.unacknowledged = Some(numbers);
            break;
        }
    }
    report
}
