#!/usr/bin/env bash
# Makes sure .cache/rocksdb-lib/librocksdb.a exists for the librocksdb-sys
# version in Cargo.lock; .cargo/config.toml points every build at it. Reuses a
# library already compiled into the target directory, or compiles it once.
set -euo pipefail
cd "$(dirname "$0")/.."

: "${CARGO_TARGET_DIR:=$HOME/.cache/estuary/target}"
export CARGO_TARGET_DIR
lib_dir=.cache/rocksdb-lib
version=$(awk '/^name = "librocksdb-sys"/{getline; gsub(/"/, "", $3); print $3}' Cargo.lock)
[[ -n "$version" ]] || { echo "rocksdb.sh: librocksdb-sys not found in Cargo.lock" >&2; exit 1; }

if [[ -f $lib_dir/librocksdb.a && "$(cat "$lib_dir/VERSION" 2>/dev/null)" == "$version" ]]; then
  exit 0
fi

find_built() {
  local registry_src
  for out in "$CARGO_TARGET_DIR"/release/build/librocksdb-sys-*/out/librocksdb.a; do
    [[ -f $out ]] || continue
    # The build directory's output file names the source it was compiled from.
    registry_src=$(grep -l "librocksdb-sys-$version" "$(dirname "$(dirname "$out")")/output" 2>/dev/null || true)
    [[ -n $registry_src ]] && { echo "$out"; return; }
  done
}

built=$(find_built)
if [[ -z $built ]]; then
  echo "rocksdb.sh: compiling RocksDB $version once (about 15-20 minutes on two cores)" >&2
  ROCKSDB_COMPILE=1 cargo build --release -p librocksdb-sys
  built=$(find_built)
fi
[[ -n $built ]] || { echo "rocksdb.sh: RocksDB build produced no librocksdb.a" >&2; exit 1; }

mkdir -p "$lib_dir"
cp "$built" "$lib_dir/librocksdb.a.tmp"
mv "$lib_dir/librocksdb.a.tmp" "$lib_dir/librocksdb.a"
echo "$version" > "$lib_dir/VERSION"
