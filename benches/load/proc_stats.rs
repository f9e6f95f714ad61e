//! What the benchmark reads about a server from outside: CPU time and resident
//! memory from `/proc`, and the size of its data directory; summed over
//! processes and directories where a server is several (a cluster).

use std::collections::BTreeMap;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

/// Clock ticks per second of `utime`/`stime` in `/proc/<pid>/stat`
/// (`sysconf(_SC_CLK_TCK)`, 100 on every Linux this runs on).
const CLOCK_TICKS_PER_SECOND: f64 = 100.0;

/// CPU seconds (user + system, all threads) the process has used so far.
pub fn cpu_seconds(pid: u32) -> f64 {
    let path = format!("/proc/{pid}/stat");
    let stat = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {path}: {e}"));
    // The command name (field 2) is in parentheses and may hold spaces, so
    // count fields from the last ')': state is field 3, utime 14, stime 15.
    let after_name = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest)
        .unwrap_or_else(|| panic!("{path} has no command name: {stat:?}"));
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let ticks = |field: usize| -> u64 {
        fields
            .get(field - 3)
            .and_then(|f| f.parse().ok())
            .unwrap_or_else(|| panic!("{path}: field {field} is not a tick count: {stat:?}"))
    };
    (ticks(14) + ticks(15)) as f64 / CLOCK_TICKS_PER_SECOND
}

/// CPU seconds used so far by all of `pids` together.
pub fn total_cpu_seconds(pids: &[u32]) -> f64 {
    pids.iter().map(|&pid| cpu_seconds(pid)).sum()
}

/// Resident memory of a process, in bytes.
#[derive(Debug, Clone, Copy)]
pub struct Memory {
    /// `VmRSS`: resident now.
    pub rss_bytes: u64,
    /// `VmHWM`: the most it has been resident.
    pub rss_peak_bytes: u64,
}

/// Reads `VmRSS` and `VmHWM` from `/proc/<pid>/status`.
pub fn memory(pid: u32) -> Memory {
    let path = format!("/proc/{pid}/status");
    let status = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {path}: {e}"));
    let kib = |key: &str| -> u64 {
        status
            .lines()
            .find_map(|line| line.strip_prefix(key))
            .and_then(|rest| {
                rest.trim()
                    .trim_end_matches("kB")
                    .trim()
                    .parse::<u64>()
                    .ok()
            })
            .unwrap_or_else(|| panic!("{path} has no {key} line in kB"))
    };
    Memory {
        rss_bytes: kib("VmRSS:") * 1024,
        rss_peak_bytes: kib("VmHWM:") * 1024,
    }
}

/// Resident memory of all of `pids` together. The peak is the sum of each
/// process's own peak, an upper bound of the peak of the sum.
pub fn total_memory(pids: &[u32]) -> Memory {
    let mut total = Memory {
        rss_bytes: 0,
        rss_peak_bytes: 0,
    };
    for &pid in pids {
        let one = memory(pid);
        total.rss_bytes += one.rss_bytes;
        total.rss_peak_bytes += one.rss_peak_bytes;
    }
    total
}

/// Size of a directory tree, nothing excluded.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DiskUsage {
    /// Sum of file lengths (`du --apparent-size`; what VictoriaMetrics's
    /// `vm_data_size_bytes` counts).
    pub apparent_bytes: u64,
    /// Blocks allocated (`du`), including preallocated space past a file's end.
    pub allocated_bytes: u64,
    /// Regular files.
    pub file_count: u64,
}

impl DiskUsage {
    fn add(&mut self, meta: &std::fs::Metadata) {
        self.apparent_bytes += meta.len();
        self.allocated_bytes += meta.blocks() * 512;
        self.file_count += u64::from(meta.is_file());
    }
}

impl std::iter::Sum for DiskUsage {
    fn sum<I: Iterator<Item = DiskUsage>>(usages: I) -> DiskUsage {
        usages.fold(DiskUsage::default(), |total, usage| DiskUsage {
            apparent_bytes: total.apparent_bytes + usage.apparent_bytes,
            allocated_bytes: total.allocated_bytes + usage.allocated_bytes,
            file_count: total.file_count + usage.file_count,
        })
    }
}

/// The size of everything under `root`.
pub fn disk_usage(root: &Path) -> DiskUsage {
    let mut usage = DiskUsage::default();
    visit_files(root, |_, meta| usage.add(meta));
    usage
}

/// The size of everything under `roots` by [`file_kind`] (relative to each
/// root, so the same kind in several roots adds up), largest first: shows
/// where the bytes go (index or samples, logs, preallocated space).
pub fn disk_usage_by_kind(roots: &[PathBuf]) -> Vec<(String, DiskUsage)> {
    let mut kinds: BTreeMap<String, DiskUsage> = BTreeMap::new();
    for root in roots {
        visit_files(root, |path, meta| {
            let relative = path.strip_prefix(root).unwrap_or(path);
            kinds.entry(file_kind(relative)).or_default().add(meta);
        });
    }
    let mut kinds: Vec<(String, DiskUsage)> = kinds.into_iter().collect();
    kinds.sort_by_key(|(_, usage)| std::cmp::Reverse(usage.apparent_bytes));
    kinds
}

/// Groups a file by its first two directories and the kind of its name:
/// `db/*.sst`, `wal/*`, `data/small/timestamps`, `indexdb/<generation>/items`.
/// Names starting with a digit (RocksDB tables and logs, WAL segments) go by
/// their extension; others by the word before the first `-`, `.` or digit
/// (`MANIFEST-000005`, `LOG.old.1700000000`, `values.bin`).
fn file_kind(relative: &Path) -> String {
    let parts: Vec<String> = relative
        .iter()
        .map(|part| part.to_string_lossy().into_owned())
        .collect();
    let Some((name, dirs)) = parts.split_last() else {
        return String::new();
    };
    let kind = if name.starts_with(|c: char| c.is_ascii_digit()) {
        name.rsplit_once('.')
            .map_or("*".to_string(), |(_, ext)| format!("*.{ext}"))
    } else {
        name.split(|c: char| c == '-' || c == '.' || c.is_ascii_digit())
            .next()
            .unwrap_or(name)
            .to_string()
    };
    let mut key: Vec<&str> = dirs.iter().take(2).map(String::as_str).collect();
    key.push(&kind);
    key.join("/")
}

/// Calls `visit` with every non-directory entry under `root`, without
/// following symbolic links. Entries that vanish during the walk (servers
/// delete and rename files while merging) are skipped.
fn visit_files(root: &Path, mut visit: impl FnMut(&Path, &std::fs::Metadata)) {
    let mut pending = vec![root.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let Ok(meta) = std::fs::symlink_metadata(&path) else {
                continue;
            };
            if meta.is_dir() {
                pending.push(path);
            } else {
                visit(&path, &meta);
            }
        }
    }
}

/// The one-minute load average, printed with the results: figures taken while
/// other work runs on the machine are noisy.
pub fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|s| s.split_whitespace().next().map(str::to_string))
        .unwrap_or_else(|| "unknown".to_string())
}
