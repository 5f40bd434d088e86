#!/usr/bin/env bash
# The web app's tests: the typed API client is up to date with
# infra/openapi.yaml, TypeScript compiles, Vitest units pass, the production
# build succeeds, and Playwright drives Debian's chromium through the app
# served by the whole local suite (screenshots in web/test-results/).
# Expects web/node_modules (make web-test runs npm ci when the lock changed).
set -euo pipefail
cd "$(dirname "$0")/.."

chromium="${CHROMIUM_PATH:-/usr/bin/chromium}"
if [ ! -x "$chromium" ]; then
  echo "web-test: $chromium is missing (apt-get install chromium; .ci/run does this)" >&2
  exit 1
fi

go build -o bin/functions ./cmd/functions
go build -o bin/stripe-mock github.com/stripe/stripe-mock
go build -o bin/emulators ./emulators

cd web
npm run --silent api:check
npx tsc -p tsconfig.json --noEmit
npx vitest run
npx vite build --logLevel warn
rm -f test-results/*.png
CHROMIUM_PATH="$chromium" npx playwright test
