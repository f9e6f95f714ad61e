#!/usr/bin/env bash
# Builds Estuary and starts `estuary single` on :8428 with its data in
# ./estuary-data. Extra arguments are passed to `estuary single`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/estuary/target}"
bash scripts/rocksdb.sh
cargo build --release --bin estuary
exec "$CARGO_TARGET_DIR/release/estuary" single "$@"
