//! The cluster tests' own tools, checked against `estuary single` so that a
//! cluster test failing means the cluster is wrong, not the harness.
//!
//! - The writer's numbered samples come back from export exactly as
//!   [`Ledger::expected`] says, and every query of
//!   [`Ledger::expectations`] answers as computed, on the single node's
//!   tenant paths.
//! - [`Ledger::problems`] notices a missing, an altered and an invented
//!   sample.
//! - A frozen (SIGSTOP) server times requests out and answers again once
//!   thawed.

mod common;

use common::answers::check_expectations;
use common::api::{export, force_flush, try_get_within};
use common::estuary::Estuary;
use common::numbered::Ledger;
use common::process::Process;
use common::writer::{Writer, WriterConfig};
use common::{ms_to_param, now_ms};
use std::path::PathBuf;
use std::time::Duration;

const TENANT: &str = "4";
const SERIES: u64 = 12;

#[test]
fn ledger_expectations_hold_on_single() {
    let estuary = Estuary::start();
    let ledger = Ledger::new("self_check", SERIES, 2 * 3_600_000);
    let writer = Writer::spawn(
        ledger.clone(),
        WriterConfig {
            urls: vec![format!("{}/api/v1/write", estuary.insert_base(TENANT))],
            batch: 2 * SERIES,
            pace: Duration::ZERO,
            request_timeout: Duration::from_secs(10),
            max_samples: SERIES * 400,
            max_duration: Duration::from_secs(30),
        },
    );
    writer.wait_for_progress(
        0,
        SERIES * 400,
        Duration::from_secs(30),
        "all samples written",
    );
    let report = writer.stop();
    assert!(
        report.failures.is_empty(),
        "writes failed:\n{}",
        report.failures_text()
    );
    assert_eq!(report.sent, SERIES * 400, "writer stopped early");
    force_flush(&estuary.base());

    let base = estuary.select_base(TENANT);
    let selector = format!(r#"{{__name__="{}"}}"#, ledger.metric);
    let exported = export(
        &base,
        &[&selector],
        Some((ledger.base_ms - 1_000, now_ms())),
    );
    let problems = ledger.problems(&exported, &report.acknowledged, report.sent);
    assert!(problems.is_empty(), "{}", problems.join("\n"));

    let expectations = ledger.expectations(report.sent);
    let problems = check_expectations(&base, &expectations, &[], Duration::from_secs(10));
    assert!(
        problems.is_empty(),
        "the expectations do not hold on the single node:\n{}",
        problems.join("\n")
    );

    // The checker is not blind: a missing, an altered and an invented sample.
    let mut damaged = exported.clone();
    let labels = ledger.labels(0);
    let samples = damaged.get_mut(&labels).expect("series 0 exported");
    samples.remove(3);
    samples[5].1 += 1.0;
    samples.push((ledger.sample(report.sent + SERIES).1, 0.0));
    let problems = ledger.problems(&damaged, &report.acknowledged, report.sent);
    assert_eq!(
        problems.len(),
        3,
        "expected the missing, altered and invented samples to be reported: {problems:#?}"
    );
}

#[test]
fn frozen_process_answers_after_thaw() {
    let dir = tempfile::tempdir().expect("temp dir");
    let port = common::cluster::stable_port();
    let mut process = Process::spawn(
        "estuary",
        &PathBuf::from(env!("CARGO_BIN_EXE_estuary")),
        &[
            "single".to_string(),
            format!("-httpListenAddr=127.0.0.1:{port}"),
            format!("-storageDataPath={}", dir.path().join("data").display()),
        ],
        &dir.path().join("estuary.log"),
    );
    let health = format!("http://127.0.0.1:{port}/health");
    common::process::wait_until_ready(&mut process, &health, Duration::from_secs(60))
        .unwrap_or_else(|e| panic!("{e}"));
    process.signal("STOP").expect("SIGSTOP");
    let frozen = try_get_within(&health, &[], Duration::from_secs(1));
    process.signal("CONT").expect("SIGCONT");
    assert!(
        frozen.is_err(),
        "a frozen server answered: {frozen:?} (time {})",
        ms_to_param(now_ms())
    );
    let thawed = try_get_within(&health, &[], Duration::from_secs(10));
    assert!(
        thawed.as_ref().is_ok_and(|r| r.status == 200),
        "no answer after SIGCONT: {thawed:?}"
    );
}
