#!/usr/bin/env bash
# Runs Estuary's whole test suite: unit tests, the PromQL conformance files,
# and the multi-process integration tests against real vmagent, VictoriaMetrics,
# Prometheus and node_exporter. Installs what it needs first.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh

# A target directory outside the clone survives between CI runs, so RocksDB
# (a 17-minute C++ build) is compiled once per machine, not once per clone.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/estuary/target}"
bash scripts/rocksdb.sh

# One profile for tests, benchmarks and the server: RocksDB is built once.
cargo build --release --workspace --all-targets
cargo nextest run --release --workspace --no-fail-fast --failure-output final
