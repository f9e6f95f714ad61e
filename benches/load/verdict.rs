//! A load run's exit status: it fails when a request failed or when a server
//! that must be exact exported other series or samples than it was sent.
//! Speed is reported, never judged here.

use super::client::ExportCount;
use super::remote_write::Payloads;
use super::report::Measurement;
use std::process::ExitCode;

/// Failure if any request to any server failed or any of `exact` lost or
/// invented data; the exports of `reference` servers are only warned about.
pub fn verdict(
    exact: &[&Measurement],
    reference: &[&Measurement],
    payloads: &Payloads,
) -> ExitCode {
    let mut failures = Vec::new();
    for m in exact.iter().chain(reference) {
        if m.requests_failed > 0 {
            failures.push(format!(
                "{}: {} requests failed, first: {}",
                m.name,
                m.requests_failed,
                m.first_error.as_deref().unwrap_or("?")
            ));
        }
    }
    for m in exact {
        if let Some(problem) = export_problem(&m.export, payloads) {
            failures.push(format!("{}: {problem}", m.name));
        }
    }
    for m in reference {
        if let Some(problem) = export_problem(&m.export, payloads) {
            println!("warning: {}: {problem} (the comparison may be off)", m.name);
        }
    }
    if failures.is_empty() {
        return ExitCode::SUCCESS;
    }
    for failure in &failures {
        eprintln!("FAILED: {failure}");
    }
    ExitCode::FAILURE
}

/// Why an export does not match what was sent, if it does not.
fn export_problem(export: &Result<ExportCount, String>, payloads: &Payloads) -> Option<String> {
    match export {
        Err(error) => Some(format!("export failed: {error}")),
        Ok(count) if count.sample_count != payloads.sample_count => Some(format!(
            "exported {} samples, sent {}",
            count.sample_count, payloads.sample_count
        )),
        Ok(count) if count.series_count != payloads.series_count as u64 => Some(format!(
            "exported {} series, sent {}",
            count.series_count, payloads.series_count
        )),
        Ok(_) => None,
    }
}
