//! Durability: every sample whose write was acknowledged with 2xx survives a
//! `kill -9` of the server in the middle of continuous ingestion.
//!
//! A writer thread sends numbered samples in small remote-write batches and
//! records which batches were acknowledged. The test kills the server with
//! SIGKILL at a pseudo-random moment, restarts it on the same data directory,
//! and repeats for several rounds (some with a 1 s head flush interval, so
//! kills also land during flushes). At the end every acknowledged sample must
//! be exported with its exact timestamp and value, and every exported sample
//! (acknowledged or not) must be one that was sent, unaltered.

mod common;

use common::api::{PROMETHEUS_HEADERS, export, force_flush, try_post};
use common::estuary::Estuary;
use common::remote_write::series;
use common::remote_write::snappy_body;
use common::{Rng, eventually, now_ms};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread;
use std::time::Duration;

const ROUNDS: usize = 4;
/// Samples per request.
const BATCH: u64 = 20;
/// Series the samples are spread over (sample n goes to shard n % SHARDS).
const SHARDS: u64 = 4;

/// What sample `n` is: its series shard, timestamp and value.
fn sample(base_ms: i64, n: u64) -> (u64, i64, f64) {
    (n % SHARDS, base_ms + n as i64, n as f64 * 0.5 + 0.25)
}

/// Sends batches until `stop`; counts acknowledged batches in `acked` and
/// returns the numbers of acknowledged samples.
fn write_until_stopped(
    url: String,
    base_ms: i64,
    next: Arc<AtomicU64>,
    acked: Arc<AtomicU64>,
    stop: Arc<AtomicBool>,
) -> Vec<u64> {
    let mut acknowledged = Vec::new();
    while !stop.load(Ordering::SeqCst) {
        let first = next.fetch_add(BATCH, Ordering::SeqCst);
        let mut by_shard: BTreeMap<u64, Vec<(i64, f64)>> = BTreeMap::new();
        for n in first..first + BATCH {
            let (shard, ts, value) = sample(base_ms, n);
            by_shard.entry(shard).or_default().push((ts, value));
        }
        let timeseries = by_shard
            .iter()
            .map(|(shard, samples)| {
                series(
                    &[("__name__", "durable"), ("shard", &shard.to_string())],
                    samples,
                )
            })
            .collect();
        match try_post(&url, &[], &PROMETHEUS_HEADERS, snappy_body(timeseries)) {
            Ok(reply) if (200..300).contains(&reply.status) => {
                acknowledged.extend(first..first + BATCH);
                acked.fetch_add(1, Ordering::SeqCst);
            }
            Ok(reply) => panic!(
                "write of samples {first}..{} failed while the server ran: {reply:?}",
                first + BATCH
            ),
            // The server is being killed; nothing was acknowledged.
            Err(_) => thread::sleep(Duration::from_millis(5)),
        }
    }
    acknowledged
}

#[test]
fn acknowledged_samples_survive_kill9() {
    let mut rng = Rng::from_env_or_clock("acknowledged_samples_survive_kill9");
    let base_ms = now_ms() - 3_600_000;
    let mut estuary = Estuary::start();
    let next = Arc::new(AtomicU64::new(0));
    let mut acknowledged = Vec::new();

    for round in 0..ROUNDS {
        if round > 0 {
            let flags: &[&str] = if round % 2 == 1 {
                &["-storage.headFlushInterval=1s"]
            } else {
                &[]
            };
            estuary.restart_with(flags);
        }
        let stop = Arc::new(AtomicBool::new(false));
        let acked = Arc::new(AtomicU64::new(0));
        let writer = {
            let url = estuary.url("/api/v1/write");
            let (next, acked, stop) = (next.clone(), acked.clone(), stop.clone());
            thread::spawn(move || write_until_stopped(url, base_ms, next, acked, stop))
        };
        // The random moment counts from the first acknowledged write, so a
        // slow machine still kills mid-stream.
        eventually(
            Duration::from_secs(30),
            "a first acknowledged write",
            || match acked.load(Ordering::SeqCst) {
                0 => Err(format!("no write acknowledged yet\n{}", estuary.log_tail())),
                _ => Ok(()),
            },
        );
        // Sometimes flush mid-stream, so the kill may land during a flush.
        let kill_after = Duration::from_millis(rng.range(300, 1_500));
        if rng.range(0, 2) == 1 {
            thread::sleep(kill_after / 2);
            let _ = try_post(&estuary.url("/internal/force_flush"), &[], &[], Vec::new());
            thread::sleep(kill_after / 2);
        } else {
            thread::sleep(kill_after);
        }
        estuary.kill9();
        stop.store(true, Ordering::SeqCst);
        let acked_this_round = writer.join().expect("writer thread panicked");
        eprintln!(
            "round {round}: killed after {kill_after:?}, {} samples acknowledged",
            acked_this_round.len()
        );
        assert!(
            !acked_this_round.is_empty(),
            "round {round}: no write was acknowledged before the kill"
        );
        acknowledged.extend(acked_this_round);
    }

    estuary.restart();
    force_flush(&estuary.base());
    let sent = next.load(Ordering::SeqCst);
    let exported = export(&estuary.base(), &[r#"{__name__="durable"}"#], None);

    // Every exported sample is one that was sent, unaltered.
    let mut present: BTreeMap<i64, f64> = BTreeMap::new();
    for (labels, samples) in &exported {
        let shard: u64 = labels
            .get("shard")
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| panic!("bad labels {labels:?}"));
        assert_eq!(labels.len(), 2, "unexpected labels {labels:?}");
        let mut previous = i64::MIN;
        for &(ts, value) in samples {
            assert!(
                ts > previous,
                "shard {shard}: timestamps not strictly increasing at {ts}"
            );
            previous = ts;
            let n = u64::try_from(ts - base_ms)
                .unwrap_or_else(|_| panic!("timestamp {ts} before the first sample"));
            assert!(n < sent, "sample {n} was never sent (only {sent} were)");
            let (want_shard, _, want_value) = sample(base_ms, n);
            assert_eq!(shard, want_shard, "sample {n} is in the wrong series");
            assert_eq!(
                value.to_bits(),
                want_value.to_bits(),
                "sample {n}: value {value}, sent {want_value}"
            );
            present.insert(ts, value);
        }
    }

    // Every acknowledged sample is present.
    let missing: Vec<u64> = acknowledged
        .iter()
        .copied()
        .filter(|&n| !present.contains_key(&(base_ms + n as i64)))
        .collect();
    assert!(
        missing.is_empty(),
        "{} of {} acknowledged samples are lost after kill -9, e.g. {:?}\n{}",
        missing.len(),
        acknowledged.len(),
        &missing[..missing.len().min(20)],
        estuary.log_tail()
    );
    eprintln!(
        "{} samples sent, {} acknowledged, {} present after {ROUNDS} kills",
        sent,
        acknowledged.len(),
        present.len()
    );
}
