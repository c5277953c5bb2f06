#!/usr/bin/env bash
# Installs what loadctl needs on a fresh Debian-like machine; prints nothing when everything is there.
# Safe to run any number of times: each step first checks whether it has anything to do.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf 'setup: %s\n' "$*"; }

apt_updated=""
apt_install() {
  if [ "$(id -u)" != 0 ]; then
    say "missing system package(s): $*; install them with: sudo apt-get install -y $*" >&2
    exit 3
  fi
  if [ -z "$apt_updated" ]; then
    say "apt-get update"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    apt_updated=1
  fi
  say "apt-get install -y $*"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

has_postgres_program() {
  command -v "$1" >/dev/null 2>&1 || compgen -G "/usr/lib/postgresql/*/bin/$1" >/dev/null
}

packages=()
command -v redis-server >/dev/null 2>&1 || packages+=(redis-server)
{ has_postgres_program postgres && has_postgres_program initdb && has_postgres_program pg_basebackup; } || packages+=(postgresql)
# monitoring: Prometheus (with promtool, which checks the runbooks' alert rules) and the exporters it scrapes
command -v prometheus >/dev/null 2>&1 && command -v promtool >/dev/null 2>&1 || packages+=(prometheus)
command -v prometheus-redis-exporter >/dev/null 2>&1 || packages+=(prometheus-redis-exporter)
command -v prometheus-postgres-exporter >/dev/null 2>&1 || packages+=(prometheus-postgres-exporter)
[ -x /usr/bin/chromium ] || command -v chromium >/dev/null 2>&1 || packages+=(chromium)
if [ "${#packages[@]}" -gt 0 ]; then apt_install "${packages[@]}"; fi

# node_modules is stale when package-lock.json changed after npm last wrote its own lock copy.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "npm ci"
  npm ci --no-fund --no-audit --loglevel=error
fi

# k6 and toxiproxy: found on PATH / in .tools/bin at the pinned version, or built from toolchain/<tool>/.
node --import tsx cli/toolchain/install-tools.ts
