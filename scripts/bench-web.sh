#!/usr/bin/env bash
# make bench-web: Lighthouse 12.2.3 (mobile profile) in Debian's chromium on the home, library and
# journey-builder pages of the built app, served by the local suite and signed in as the demo
# facilitator, and the shell's initial JavaScript size; exits non-zero when a budget is missed
# (performance ≥ 90, accessibility ≥ 95, best practices ≥ 95, initial JS ≤ 200 kB gzip).
# Slow and sensitive to the machine's load, so not part of make test.
#
#   STUDIO_BIN / STUDIO_WEB_ROOT  measure binaries / a build of your own (nothing is built then)
#   BENCH_RUNS=3                  runs per page, the median counts
set -euo pipefail
cd "$(dirname "$0")/.."

export CHROME_PATH="${CHROME_PATH:-/usr/bin/chromium}"
if [ ! -x "$CHROME_PATH" ]; then
  echo "bench-web: $CHROME_PATH is missing (apt-get install chromium)" >&2
  exit 2
fi
if [ -z "${STUDIO_BIN:-}" ]; then
  go build -o bin/functions ./cmd/functions
  go build -o bin/emulators ./emulators
fi
if [ -z "${STUDIO_WEB_ROOT:-}" ]; then
  (cd web && npx vite build --logLevel warn)
fi
exec node web/scripts/bench-web.mjs
