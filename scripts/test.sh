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

# Prometheus's PromQL test files live in shared/ beside the project checkout
# and are read in place, never copied in. A clone made elsewhere (a temporary
# directory) finds them beside the repository it was cloned from.
if [[ -z "${ESTUARY_PROMQL_TESTDATA:-}" ]]; then
  candidates=("$PWD/../shared/promql-testdata")
  origin="$(git config --get remote.origin.url 2>/dev/null || true)"
  if [[ -n "$origin" && -d "$origin" ]]; then
    candidates+=("$origin/../shared/promql-testdata")
  fi
  for candidate in "${candidates[@]}"; do
    if [[ -d "$candidate" ]]; then
      ESTUARY_PROMQL_TESTDATA="$(cd "$candidate" && pwd)"
      export ESTUARY_PROMQL_TESTDATA
      break
    fi
  done
fi

# One profile for tests, benchmarks and the server: RocksDB is built once.
cargo build --release --workspace --all-targets
cargo nextest run --release --workspace --no-fail-fast --failure-output final
