//! Process-level self-metrics in VictoriaMetrics's names, rendered together
//! with everything the components registered in the global registry.

use std::sync::OnceLock;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

static STARTED: OnceLock<(Instant, f64)> = OnceLock::new();

/// Clock ticks per second of `/proc/<pid>/stat` times; 100 on every Linux
/// configuration this runs on (USER_HZ is fixed by the kernel ABI).
const CLOCK_TICKS_PER_SECOND: f64 = 100.0;
const PAGE_BYTES: f64 = 4096.0;

/// Registers the version and start-time metrics. `component` is the
/// VictoriaMetrics component name (`vminsert`, `vmselect`, `vmstorage`, or
/// `victoria-metrics` for the single node): dashboards discover components by it.
pub fn register(component: &str) {
    let started = *STARTED.get_or_init(|| {
        let unix = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0.0, |d| d.as_secs_f64());
        (Instant::now(), unix)
    });
    let version = env!("CARGO_PKG_VERSION");
    let registry = estuary_metrics::global();
    let full = format!("{component}-estuary-v{version}");
    let short = format!("v{version}");
    registry
        .gauge(&estuary_metrics::series_name(
            "vm_app_version",
            &[("version", &full), ("short_version", &short)],
        ))
        .set(1.0);
    registry
        .gauge("vm_app_start_timestamp")
        .set(started.1.floor());
    registry.gauge_fn("vm_app_uptime_seconds", move || {
        started.0.elapsed().as_secs_f64()
    });
    registry.gauge_fn("process_cpu_seconds_total", || {
        proc_stat_cpu_seconds().unwrap_or(0.0)
    });
    registry.gauge_fn("process_resident_memory_bytes", || {
        resident_memory_bytes().unwrap_or(0.0)
    });
    registry.gauge_fn("process_open_fds", || open_fds().unwrap_or(0.0));
    registry.gauge_fn("process_cpu_cores_available", || {
        estuary_types::parallel::cores() as f64
    });
}

/// Everything in the registry, as Prometheus text.
pub fn render() -> String {
    estuary_metrics::global().render()
}

/// User plus system CPU seconds of this process.
fn proc_stat_cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the parenthesised command name; utime and stime are the 14th
    // and 15th fields overall, the 12th and 13th after it.
    let after_name = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let user: f64 = fields.get(11)?.parse().ok()?;
    let system: f64 = fields.get(12)?.parse().ok()?;
    Some((user + system) / CLOCK_TICKS_PER_SECOND)
}

fn resident_memory_bytes() -> Option<f64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: f64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages * PAGE_BYTES)
}

fn open_fds() -> Option<f64> {
    Some(std::fs::read_dir("/proc/self/fd").ok()?.count() as f64)
}
