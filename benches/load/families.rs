//! The metric families one node_exporter target exposes (plus the series
//! Prometheus and vmagent add per target), with the labels each is split by and
//! how its values behave. About 420 series per host, roughly half counters.

use super::values::Kind;

/// Extra labels of one series within a family, and a weight for its rate or
/// level (CPU modes differ by orders of magnitude).
pub struct Variant {
    /// `(name, value)` pairs added to the target labels.
    pub labels: Vec<(&'static str, String)>,
    /// Multiplier of the family's rate or level.
    pub weight: f64,
}

/// How a family is split into series on one host.
#[derive(Debug, Clone, Copy)]
pub enum Dims {
    /// One series.
    Single,
    /// Per CPU and mode (`cpu`, `mode`).
    CpuMode,
    /// Per CPU and guest mode.
    CpuGuest,
    /// Per CPU.
    Cpu,
    /// Per block device.
    Disk,
    /// Per network interface.
    Nic,
    /// Per mounted filesystem (`device`, `fstype`, `mountpoint`).
    Filesystem,
    /// Per hardware sensor (`chip`, `sensor`).
    Sensor,
    /// Per node_exporter collector.
    Collector,
    /// Per summary quantile.
    Quantile,
    /// The `node_uname_info` labels.
    Uname,
}

/// One metric family.
pub struct Family {
    /// `__name__`.
    pub name: &'static str,
    /// How values move.
    pub kind: Kind,
    /// How the family splits into series.
    pub dims: Dims,
}

const CPUS: usize = 8;
/// CPU modes and their share of a core's seconds per scrape.
const CPU_MODES: [(&str, f64); 8] = [
    ("idle", 0.85),
    ("iowait", 0.004),
    ("irq", 0.0),
    ("nice", 0.0005),
    ("softirq", 0.003),
    ("steal", 0.0),
    ("system", 0.03),
    ("user", 0.1),
];
const DISKS: [&str; 4] = ["nvme0n1", "nvme1n1", "sda", "dm-0"];
const NICS: [&str; 4] = ["eth0", "eth1", "lo", "docker0"];
const FILESYSTEMS: [(&str, &str, &str); 5] = [
    ("/dev/nvme0n1p2", "ext4", "/"),
    ("/dev/nvme0n1p1", "vfat", "/boot/efi"),
    ("/dev/nvme1n1", "xfs", "/var/lib/docker"),
    ("tmpfs", "tmpfs", "/run"),
    ("tmpfs", "tmpfs", "/dev/shm"),
];
const SENSORS: [&str; 6] = ["temp1", "temp2", "temp3", "temp4", "temp5", "temp6"];
const COLLECTORS: [&str; 16] = [
    "arp",
    "conntrack",
    "cpu",
    "diskstats",
    "filefd",
    "filesystem",
    "hwmon",
    "loadavg",
    "meminfo",
    "netdev",
    "netstat",
    "sockstat",
    "stat",
    "time",
    "timex",
    "vmstat",
];
const QUANTILES: [&str; 5] = ["0", "0.25", "0.5", "0.75", "1"];

/// The series of `dims` on one host.
pub fn variants(dims: Dims, host: usize) -> Vec<Variant> {
    let one = |labels: Vec<(&'static str, String)>| Variant {
        labels,
        weight: 1.0,
    };
    match dims {
        Dims::Single => vec![one(vec![])],
        Dims::CpuMode => (0..CPUS)
            .flat_map(|cpu| {
                CPU_MODES.iter().map(move |&(mode, share)| Variant {
                    labels: vec![("cpu", cpu.to_string()), ("mode", mode.to_string())],
                    weight: share,
                })
            })
            .collect(),
        Dims::CpuGuest => (0..CPUS)
            .flat_map(|cpu| {
                ["guest", "guest_nice"]
                    .map(|mode| one(vec![("cpu", cpu.to_string()), ("mode", mode.to_string())]))
            })
            .collect(),
        Dims::Cpu => (0..CPUS)
            .map(|cpu| one(vec![("cpu", cpu.to_string())]))
            .collect(),
        Dims::Disk => DISKS
            .iter()
            .map(|d| one(vec![("device", d.to_string())]))
            .collect(),
        Dims::Nic => NICS
            .iter()
            .map(|d| one(vec![("device", d.to_string())]))
            .collect(),
        Dims::Filesystem => FILESYSTEMS
            .iter()
            .map(|&(device, fstype, mountpoint)| {
                one(vec![
                    ("device", device.to_string()),
                    ("fstype", fstype.to_string()),
                    ("mountpoint", mountpoint.to_string()),
                ])
            })
            .collect(),
        Dims::Sensor => SENSORS
            .iter()
            .map(|s| {
                one(vec![
                    ("chip", "platform_coretemp_0".to_string()),
                    ("sensor", s.to_string()),
                ])
            })
            .collect(),
        Dims::Collector => COLLECTORS
            .iter()
            .map(|c| one(vec![("collector", c.to_string())]))
            .collect(),
        Dims::Quantile => QUANTILES
            .iter()
            .map(|q| one(vec![("quantile", q.to_string())]))
            .collect(),
        Dims::Uname => vec![one(uname_labels(host))],
    }
}

/// `node_uname_info`'s labels: hosts differ only in their name and kernel.
fn uname_labels(host: usize) -> Vec<(&'static str, String)> {
    let release = ["6.1.0-18-amd64", "6.1.0-21-amd64", "5.15.0-105-generic"][host % 3];
    vec![
        ("domainname", "(none)".to_string()),
        ("machine", "x86_64".to_string()),
        ("nodename", format!("node-{host:05}")),
        ("release", release.to_string()),
        ("sysname", "Linux".to_string()),
    ]
}

/// Shorthands that keep the table below one line per family.
const fn units(rate: f64) -> Kind {
    Kind::CounterUnits { rate }
}
const fn centis(rate: f64) -> Kind {
    Kind::CounterCentis { rate }
}
const fn rare(chance: f64) -> Kind {
    Kind::CounterRare { chance }
}
const fn constant(level: f64) -> Kind {
    Kind::GaugeConstant { level }
}
const fn steps(level: f64, step: f64, chance: f64) -> Kind {
    Kind::GaugeSteps {
        level,
        step,
        chance,
    }
}
const fn pages(level: f64, chance: f64) -> Kind {
    Kind::GaugeSteps {
        level,
        step: 4096.0,
        chance,
    }
}
const fn decimal(level: f64, spread: f64) -> Kind {
    Kind::GaugeDecimal { level, spread }
}
const fn float(level: f64) -> Kind {
    Kind::GaugeFloat { level }
}
const fn family(name: &'static str, kind: Kind, dims: Dims) -> Family {
    Family { name, kind, dims }
}
const fn host(name: &'static str, kind: Kind) -> Family {
    Family {
        name,
        kind,
        dims: Dims::Single,
    }
}

/// Every family of one target, in exposition order.
pub const FAMILIES: &[Family] = &[
    // Series Prometheus and vmagent add for every target.
    host("up", constant(1.0)),
    host("scrape_duration_seconds", float(0.05)),
    host("scrape_samples_scraped", steps(420.0, 1.0, 0.01)),
    host(
        "scrape_samples_post_metric_relabeling",
        steps(420.0, 1.0, 0.01),
    ),
    host("scrape_series_added", rare(0.0)),
    // CPU.
    family("node_cpu_seconds_total", centis(15.0), Dims::CpuMode),
    family("node_cpu_guest_seconds_total", rare(0.0), Dims::CpuGuest),
    family(
        "node_cpu_scaling_frequency_hertz",
        steps(2.8e9, 1e8, 0.3),
        Dims::Cpu,
    ),
    family("node_cpu_core_throttles_total", rare(0.0005), Dims::Cpu),
    // Disks.
    family("node_disk_reads_completed_total", units(30.0), Dims::Disk),
    family("node_disk_reads_merged_total", units(3.0), Dims::Disk),
    family("node_disk_read_bytes_total", units(500_000.0), Dims::Disk),
    family(
        "node_disk_read_time_seconds_total",
        Kind::CounterFloat { rate: 0.05 },
        Dims::Disk,
    ),
    family("node_disk_writes_completed_total", units(80.0), Dims::Disk),
    family("node_disk_writes_merged_total", units(20.0), Dims::Disk),
    family(
        "node_disk_written_bytes_total",
        units(1_500_000.0),
        Dims::Disk,
    ),
    family(
        "node_disk_write_time_seconds_total",
        Kind::CounterFloat { rate: 0.3 },
        Dims::Disk,
    ),
    family(
        "node_disk_io_time_seconds_total",
        Kind::CounterFloat { rate: 0.2 },
        Dims::Disk,
    ),
    family(
        "node_disk_io_time_weighted_seconds_total",
        Kind::CounterFloat { rate: 0.5 },
        Dims::Disk,
    ),
    family("node_disk_discards_completed_total", rare(0.01), Dims::Disk),
    family("node_disk_io_now", steps(1.0, 1.0, 0.3), Dims::Disk),
    // Network.
    family(
        "node_network_receive_bytes_total",
        units(200_000.0),
        Dims::Nic,
    ),
    family(
        "node_network_transmit_bytes_total",
        units(150_000.0),
        Dims::Nic,
    ),
    family(
        "node_network_receive_packets_total",
        units(400.0),
        Dims::Nic,
    ),
    family(
        "node_network_transmit_packets_total",
        units(300.0),
        Dims::Nic,
    ),
    family("node_network_receive_errs_total", rare(0.001), Dims::Nic),
    family("node_network_transmit_errs_total", rare(0.0005), Dims::Nic),
    family("node_network_receive_drop_total", rare(0.02), Dims::Nic),
    family("node_network_transmit_drop_total", rare(0.0), Dims::Nic),
    family(
        "node_network_receive_multicast_total",
        units(1.0),
        Dims::Nic,
    ),
    family("node_network_mtu_bytes", constant(1500.0), Dims::Nic),
    family("node_network_up", constant(1.0), Dims::Nic),
    family("node_network_carrier", constant(1.0), Dims::Nic),
    family("node_network_speed_bytes", constant(1.25e9), Dims::Nic),
    family(
        "node_network_transmit_queue_length",
        constant(1000.0),
        Dims::Nic,
    ),
    // Filesystems.
    family(
        "node_filesystem_avail_bytes",
        pages(2e11, 0.6),
        Dims::Filesystem,
    ),
    family(
        "node_filesystem_free_bytes",
        pages(2.2e11, 0.6),
        Dims::Filesystem,
    ),
    family(
        "node_filesystem_size_bytes",
        constant(5e11),
        Dims::Filesystem,
    ),
    family("node_filesystem_files", constant(3e7), Dims::Filesystem),
    family(
        "node_filesystem_files_free",
        steps(2.8e7, 1.0, 0.5),
        Dims::Filesystem,
    ),
    family("node_filesystem_readonly", constant(0.0), Dims::Filesystem),
    family(
        "node_filesystem_device_error",
        constant(0.0),
        Dims::Filesystem,
    ),
    // Memory.
    host("node_memory_MemTotal_bytes", constant(6.7e10)),
    host("node_memory_MemFree_bytes", pages(8e9, 0.9)),
    host("node_memory_MemAvailable_bytes", pages(3e10, 0.9)),
    host("node_memory_Buffers_bytes", pages(1e9, 0.3)),
    host("node_memory_Cached_bytes", pages(2.5e10, 0.7)),
    host("node_memory_SwapCached_bytes", constant(0.0)),
    host("node_memory_Active_bytes", pages(2e10, 0.8)),
    host("node_memory_Inactive_bytes", pages(1.5e10, 0.8)),
    host("node_memory_Active_anon_bytes", pages(1.2e10, 0.8)),
    host("node_memory_Inactive_anon_bytes", pages(1e9, 0.5)),
    host("node_memory_Active_file_bytes", pages(8e9, 0.6)),
    host("node_memory_Inactive_file_bytes", pages(1.4e10, 0.6)),
    host("node_memory_Unevictable_bytes", pages(4e7, 0.05)),
    host("node_memory_Mlocked_bytes", pages(4e7, 0.05)),
    host("node_memory_SwapTotal_bytes", constant(0.0)),
    host("node_memory_SwapFree_bytes", constant(0.0)),
    host("node_memory_Dirty_bytes", pages(2e6, 0.9)),
    host("node_memory_Writeback_bytes", pages(4096.0, 0.2)),
    host("node_memory_AnonPages_bytes", pages(1.3e10, 0.8)),
    host("node_memory_Mapped_bytes", pages(1.5e9, 0.4)),
    host("node_memory_Shmem_bytes", pages(5e8, 0.2)),
    host("node_memory_KReclaimable_bytes", pages(2e9, 0.5)),
    host("node_memory_Slab_bytes", pages(3e9, 0.6)),
    host("node_memory_SReclaimable_bytes", pages(2e9, 0.5)),
    host("node_memory_SUnreclaim_bytes", pages(9e8, 0.5)),
    host("node_memory_KernelStack_bytes", steps(3e7, 16384.0, 0.5)),
    host("node_memory_PageTables_bytes", pages(1.5e8, 0.5)),
    host("node_memory_NFS_Unstable_bytes", constant(0.0)),
    host("node_memory_Bounce_bytes", constant(0.0)),
    host("node_memory_WritebackTmp_bytes", constant(0.0)),
    host("node_memory_CommitLimit_bytes", constant(3.3e10)),
    host("node_memory_Committed_AS_bytes", pages(4e10, 0.7)),
    host("node_memory_VmallocTotal_bytes", constant(3.5e13)),
    host("node_memory_VmallocUsed_bytes", pages(1.2e8, 0.2)),
    host("node_memory_VmallocChunk_bytes", constant(0.0)),
    host("node_memory_Percpu_bytes", constant(3.6e7)),
    host("node_memory_HardwareCorrupted_bytes", constant(0.0)),
    host(
        "node_memory_AnonHugePages_bytes",
        steps(4e9, 2_097_152.0, 0.3),
    ),
    host("node_memory_ShmemHugePages_bytes", constant(0.0)),
    host("node_memory_ShmemPmdMapped_bytes", constant(0.0)),
    host("node_memory_HugePages_Total", constant(0.0)),
    host("node_memory_HugePages_Free", constant(0.0)),
    host("node_memory_HugePages_Rsvd", constant(0.0)),
    host("node_memory_HugePages_Surp", constant(0.0)),
    host("node_memory_Hugepagesize_bytes", constant(2_097_152.0)),
    host("node_memory_DirectMap4k_bytes", constant(6e8)),
    host("node_memory_DirectMap2M_bytes", constant(3e10)),
    host("node_memory_DirectMap1G_bytes", constant(3.8e10)),
    // Virtual memory statistics.
    host("node_vmstat_pgfault", units(250_000.0)),
    host("node_vmstat_pgmajfault", units(5.0)),
    host("node_vmstat_pgpgin", units(1_000.0)),
    host("node_vmstat_pgpgout", units(3_000.0)),
    host("node_vmstat_pswpin", rare(0.0)),
    host("node_vmstat_pswpout", rare(0.0)),
    host("node_vmstat_oom_kill", rare(0.0002)),
    host("node_vmstat_pgscan_kswapd", units(50.0)),
    host("node_vmstat_pgsteal_kswapd", units(45.0)),
    host("node_vmstat_pgscan_direct", rare(0.05)),
    // Network protocol statistics (untyped in the exposition).
    host("node_netstat_Tcp_ActiveOpens", units(60.0)),
    host("node_netstat_Tcp_PassiveOpens", units(40.0)),
    host("node_netstat_Tcp_CurrEstab", steps(300.0, 1.0, 0.8)),
    host("node_netstat_Tcp_InSegs", units(9_000.0)),
    host("node_netstat_Tcp_OutSegs", units(8_500.0)),
    host("node_netstat_Tcp_RetransSegs", units(3.0)),
    host("node_netstat_Tcp_InErrs", rare(0.01)),
    host("node_netstat_Tcp_OutRsts", units(10.0)),
    host("node_netstat_Udp_InDatagrams", units(200.0)),
    host("node_netstat_Udp_OutDatagrams", units(200.0)),
    host("node_netstat_Udp_InErrors", rare(0.001)),
    host("node_netstat_Udp_NoPorts", rare(0.05)),
    host("node_netstat_TcpExt_ListenDrops", rare(0.001)),
    host("node_netstat_TcpExt_ListenOverflows", rare(0.001)),
    host("node_netstat_TcpExt_SyncookiesSent", rare(0.0)),
    host("node_netstat_TcpExt_TCPTimeouts", units(2.0)),
    host("node_netstat_Icmp_InMsgs", units(1.0)),
    host("node_netstat_Icmp_OutMsgs", units(1.0)),
    host("node_netstat_Ip_Forwarding", constant(1.0)),
    host("node_netstat_IpExt_InOctets", units(2_000_000.0)),
    host("node_netstat_IpExt_OutOctets", units(1_800_000.0)),
    // Sockets.
    host("node_sockstat_sockets_used", steps(900.0, 1.0, 0.8)),
    host("node_sockstat_TCP_alloc", steps(350.0, 1.0, 0.8)),
    host("node_sockstat_TCP_inuse", steps(300.0, 1.0, 0.8)),
    host("node_sockstat_TCP_orphan", steps(1.0, 1.0, 0.1)),
    host("node_sockstat_TCP_tw", steps(150.0, 1.0, 0.9)),
    host("node_sockstat_TCP_mem", steps(200.0, 1.0, 0.8)),
    host("node_sockstat_TCP_mem_bytes", pages(8e5, 0.8)),
    host("node_sockstat_UDP_inuse", steps(10.0, 1.0, 0.05)),
    host("node_sockstat_UDP_mem", steps(5.0, 1.0, 0.1)),
    host("node_sockstat_UDP_mem_bytes", pages(2e4, 0.1)),
    host("node_sockstat_RAW_inuse", constant(0.0)),
    host("node_sockstat_FRAG_inuse", constant(0.0)),
    // Kernel and process statistics.
    host("node_context_switches_total", units(60_000.0)),
    host("node_intr_total", units(40_000.0)),
    host("node_forks_total", units(80.0)),
    host("node_boot_time_seconds", constant(1.7e9)),
    host("node_procs_running", steps(3.0, 1.0, 0.7)),
    host("node_procs_blocked", steps(0.0, 1.0, 0.1)),
    host("node_load1", decimal(1.5, 0.3)),
    host("node_load5", decimal(1.4, 0.1)),
    host("node_load15", decimal(1.3, 0.04)),
    host("node_entropy_available_bits", constant(256.0)),
    host("node_filefd_allocated", steps(9_000.0, 32.0, 0.7)),
    host("node_filefd_maximum", constant(9.2e18)),
    host("node_nf_conntrack_entries", steps(2_000.0, 1.0, 0.9)),
    host("node_nf_conntrack_entries_limit", constant(262_144.0)),
    host("node_time_seconds", Kind::GaugeClock),
    host("node_timex_offset_seconds", float(1e-5)),
    host("node_timex_frequency_adjustment_ratio", float(1.0)),
    host("node_timex_estimated_error_seconds", float(2e-6)),
    host("node_timex_maxerror_seconds", decimal(0.3, 0.01)),
    host("node_timex_sync_status", constant(1.0)),
    host("node_arp_entries", steps(20.0, 1.0, 0.05)),
    family("node_uname_info", constant(1.0), Dims::Uname),
    // Temperatures.
    family("node_hwmon_temp_celsius", decimal(48.0, 1.0), Dims::Sensor),
    family(
        "node_hwmon_temp_crit_celsius",
        constant(100.0),
        Dims::Sensor,
    ),
    family("node_hwmon_temp_max_celsius", constant(80.0), Dims::Sensor),
    // The exporter about itself.
    family(
        "node_scrape_collector_duration_seconds",
        float(0.002),
        Dims::Collector,
    ),
    family(
        "node_scrape_collector_success",
        constant(1.0),
        Dims::Collector,
    ),
    family("go_gc_duration_seconds", float(5e-5), Dims::Quantile),
    host(
        "go_gc_duration_seconds_sum",
        Kind::CounterFloat { rate: 1e-4 },
    ),
    host("go_gc_duration_seconds_count", units(1.0)),
    host("go_goroutines", steps(8.0, 1.0, 0.2)),
    host("go_threads", constant(9.0)),
    host("go_memstats_alloc_bytes", steps(3e6, 8.0, 1.0)),
    host("go_memstats_alloc_bytes_total", units(1e6)),
    host("go_memstats_heap_objects", steps(2e4, 1.0, 1.0)),
    host("go_memstats_mallocs_total", units(9_000.0)),
    host("go_memstats_frees_total", units(8_900.0)),
    host("go_memstats_sys_bytes", constant(1.9e7)),
    host("process_cpu_seconds_total", centis(0.01)),
    host("process_resident_memory_bytes", pages(2.2e7, 0.3)),
    host("process_virtual_memory_bytes", pages(1.3e9, 0.05)),
    host("process_open_fds", steps(10.0, 1.0, 0.1)),
    host("process_max_fds", constant(1_048_576.0)),
    host(
        "process_start_time_seconds",
        Kind::GaugeDecimal {
            level: 1.7e9,
            spread: 0.0,
        },
    ),
    host("promhttp_metric_handler_requests_total", units(1.0)),
];
