//! `estuary`: one binary, one role per process.
//!
//! `estuary single` runs storage, insert and select in one process with
//! in-process calls; `estuary storage`, `estuary insert` and `estuary select`
//! are the roles of a cluster, joined by gRPC; `estuary backup` and
//! `estuary restore` copy a storage node's snapshot to and from object storage. Flags follow VictoriaMetrics's names and accept its
//! single-dash form (`-storageDataPath=/data`) as well as `--storageDataPath`.

mod flags;
mod http;
mod roles;
mod self_metrics;

use clap::Parser;
use std::process::ExitCode;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let args = flags::normalize_single_dash(std::env::args_os());
    let cli = flags::Cli::parse_from(args);
    init_logging(&cli.logger_level);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("cannot start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async {
        match cli.role {
            flags::Role::Single(args) => roles::single::run(args).await,
            flags::Role::Storage(args) => roles::storage::run(args).await,
            flags::Role::Insert(args) => roles::insert::run(args).await,
            flags::Role::Select(args) => roles::select::run(args).await,
            flags::Role::Backup(args) => roles::backup::run_backup(args).await,
            flags::Role::Restore(args) => roles::backup::run_restore(args).await,
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!("{error}");
            eprintln!("estuary: {error}");
            ExitCode::FAILURE
        }
    }
}

fn init_logging(level: &str) {
    let filter = tracing_subscriber::EnvFilter::try_new(level.to_lowercase())
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    // Colour only on a terminal: escape codes make log files hard to grep.
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stdout()))
        .init();
}
