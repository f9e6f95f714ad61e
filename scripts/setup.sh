#!/usr/bin/env bash
# Installs what building and testing Estuary needs on a fresh Debian 12 machine:
# the C/C++ toolchain pieces RocksDB and prost need, and the real peers the
# integration tests and benchmarks talk to. Idempotent: installs only what is missing.
set -euo pipefail

packages=(
  build-essential libclang-dev clang protobuf-compiler pkg-config curl
  victoria-metrics prometheus prometheus-node-exporter prometheus-alertmanager
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if ((${#missing[@]})); then
  sudo_cmd=()
  [[ $(id -u) -eq 0 ]] || sudo_cmd=(sudo)
  # Packaged daemons must not start as system services: the tests start their own
  # instances on loopback ports.
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    printf '#!/bin/sh\nexit 101\n' | "${sudo_cmd[@]}" tee /usr/sbin/policy-rc.d >/dev/null
    "${sudo_cmd[@]}" chmod +x /usr/sbin/policy-rc.d
  fi
  echo "setup: installing ${missing[*]}" >&2
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The packaged services may have been started by the package scripts on machines
# with a working init; the tests need their ports free.
for svc in victoria-metrics prometheus prometheus-node-exporter prometheus-alertmanager; do
  if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet "$svc" 2>/dev/null; then
    systemctl stop "$svc" || true
  fi
done

command -v cargo-nextest >/dev/null 2>&1 || cargo install --locked cargo-nextest

# The backup tests need a real S3-protocol server on loopback: moto's
# standalone server, from PyPI.
if ! python3 -c 'import moto.server, flask' >/dev/null 2>&1; then
  echo "setup: installing moto[server] (S3 server for the backup tests)" >&2
  python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore 'moto[server]>=5,<6' >/dev/null
fi
