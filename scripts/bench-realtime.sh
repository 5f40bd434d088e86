#!/usr/bin/env bash
# make bench-realtime: 50 clients on one canvas at 2 and 10 ops/s each against the realtime gateway
# (one instance, then two with the clients split across them, on the Firestore emulator), y-websocket
# 2.1.0's bundled server and Hocuspocus 4, all clients measured alike; one JSON line per system and
# load, a persistence check of ours, and a budget line. Exits 3 when a budget is missed: p95 of ours
# above the better peer's, p95 with two instances above twice that, delivered < expected, or an op
# missing in Firestore. Sensitive to the machine's load, so not part of make test.
#
#   STUDIO_BIN      measure binaries of your own (functions, studioctl; nothing is built then)
#   BENCH_*         see bench/realtime/run.mjs (clients, rates, window, systems, workers)
set -euo pipefail
cd "$(dirname "$0")/.."

bin="${STUDIO_BIN:-bin}"
if [ -z "${STUDIO_BIN:-}" ]; then
  mkdir -p "$bin"
  go build -o "$bin/functions" ./cmd/functions
  go build -o "$bin/studioctl" ./bench/realtime/studioctl
  if [ "${BENCH_PPROF:-}" = 1 ]; then go build -o "$bin/gatewayprof" ./bench/realtime/gatewayprof; fi
fi
bin="$(cd "$bin" && pwd)"

# The benchmark's packages exactly as locked, installed again only when the lock changed.
deps=bench/realtime/node_modules/.package-lock.json
if [ ! -f "$deps" ] || [ bench/realtime/package-lock.json -nt "$deps" ]; then
  (cd bench/realtime && npm ci --no-audit --no-fund --loglevel=error)
  touch "$deps"
fi

# 50 clients and up to three servers' worth of sockets, plus the emulators.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

export STUDIOCTL="$bin/studioctl" STUDIO_FUNCTIONS="$bin/functions"
if [ "${BENCH_PPROF:-}" = 1 ]; then export STUDIO_FUNCTIONS="$bin/gatewayprof"; fi
exec node bench/realtime/run.mjs
