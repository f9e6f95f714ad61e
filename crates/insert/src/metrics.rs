//! The insert node's self-monitoring metrics, named as VictoriaMetrics names
//! them (contract section 9). Handles are looked up once and kept; the
//! per-tenant counter is looked up once per request, never per sample.

use crate::validate::DropReason;
use estuary_metrics::{Counter, Gauge, global, series_name};
use estuary_types::Tenant;
use std::sync::{Arc, OnceLock};

/// An ingest protocol: the `type` label of the row counters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Protocol {
    /// Prometheus remote write (and vmagent's zstd variant).
    RemoteWrite,
    /// JSON line import.
    VmImport,
    /// Prometheus text exposition import.
    PrometheusText,
}

impl Protocol {
    const COUNT: usize = 3;
    const ALL: [Protocol; Protocol::COUNT] = [
        Protocol::RemoteWrite,
        Protocol::VmImport,
        Protocol::PrometheusText,
    ];

    /// The `type` label value.
    pub(crate) fn type_label(self) -> &'static str {
        match self {
            Protocol::RemoteWrite => "promremotewrite",
            Protocol::VmImport => "vmimport",
            Protocol::PrometheusText => "prometheus",
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// Process-wide metric handles of the insert layer.
pub(crate) struct InsertMetrics {
    rows_inserted: [Arc<Counter>; Protocol::COUNT],
    rows_invalid: [Arc<Counter>; Protocol::COUNT],
    rows_ignored: [Arc<Counter>; DropReason::COUNT],
    /// `vm_concurrent_insert_current`.
    pub(crate) concurrent_current: Arc<Gauge>,
    /// `vm_concurrent_insert_capacity`.
    pub(crate) concurrent_capacity: Arc<Gauge>,
}

/// The handles, registered in [`estuary_metrics::global`] on first use.
pub(crate) fn get() -> &'static InsertMetrics {
    static METRICS: OnceLock<InsertMetrics> = OnceLock::new();
    METRICS.get_or_init(|| {
        let registry = global();
        let by_type = |name: &str| {
            Protocol::ALL.map(|p| registry.counter(&series_name(name, &[("type", p.type_label())])))
        };
        InsertMetrics {
            rows_inserted: by_type("vm_rows_inserted_total"),
            rows_invalid: by_type("vm_rows_invalid_total"),
            rows_ignored: DropReason::ALL.map(|reason| {
                registry.counter(&series_name(
                    "vm_rows_ignored_total",
                    &[("reason", reason.as_str())],
                ))
            }),
            concurrent_current: registry.gauge("vm_concurrent_insert_current"),
            concurrent_capacity: registry.gauge("vm_concurrent_insert_capacity"),
        }
    })
}

impl InsertMetrics {
    /// Counts samples handed to storage, in total and for the tenant.
    pub(crate) fn rows_inserted(&self, protocol: Protocol, tenant: Tenant, samples: u64) {
        self.rows_inserted[protocol.index()].add(samples);
        tenant_rows(tenant, protocol).add(samples);
    }

    /// Counts a request whose body could not be decoded.
    pub(crate) fn rows_invalid(&self, protocol: Protocol) {
        self.rows_invalid[protocol.index()].inc();
    }

    /// Counts samples dropped by validation, per reason.
    pub(crate) fn rows_ignored(&self, samples_by_reason: &[u64; DropReason::COUNT]) {
        for (counter, &samples) in self.rows_ignored.iter().zip(samples_by_reason) {
            if samples > 0 {
                counter.add(samples);
            }
        }
    }
}

/// `vm_tenant_inserted_rows_total{accountID,projectID,type}`: one registry
/// lookup, made once per request.
fn tenant_rows(tenant: Tenant, protocol: Protocol) -> Arc<Counter> {
    let account = tenant.account_id.to_string();
    let project = tenant.project_id.to_string();
    global().counter(&series_name(
        "vm_tenant_inserted_rows_total",
        &[
            ("accountID", &account),
            ("projectID", &project),
            ("type", protocol.type_label()),
        ],
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_carry_the_contract_names() {
        let metrics = get();
        metrics.rows_inserted(Protocol::VmImport, Tenant::new(7, 9), 3);
        let mut ignored = [0; DropReason::COUNT];
        ignored[DropReason::TooManyLabels.index()] = 2;
        metrics.rows_ignored(&ignored);
        metrics.rows_invalid(Protocol::PrometheusText);
        let text = global().render();
        for line in [
            "vm_tenant_inserted_rows_total{accountID=\"7\",projectID=\"9\",type=\"vmimport\"} 3",
            "vm_rows_inserted_total{type=\"vmimport\"}",
            "vm_rows_ignored_total{reason=\"too_many_labels\"}",
            "vm_rows_invalid_total{type=\"prometheus\"}",
            "vm_concurrent_insert_capacity",
        ] {
            assert!(text.contains(line), "missing {line} in\n{text}");
        }
    }
}
