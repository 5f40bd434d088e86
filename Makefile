# Points of You AI Studio — developer entry points.
#   make dev    the whole platform locally on the emulator suite, with demo data
#   make test   every test (lint, unit, integration against in-process emulators, every fuzz target's seeds and findings)

GO        ?= go
BIN       := bin
FUZZTIME  ?= 5s
PKGS      := ./...

.PHONY: dev emulators build functions test unit lint fuzz bench clean deploy tf-fmt firestore-integration web web-api web-test bench-web bench-realtime

ENV ?= dev

## dev: build the functions and the web app, start the emulator suite with every function and demo data, print the URLs
dev: functions web
	$(GO) run ./emulators --demo --functions-binary $(BIN)/functions --web-root web/dist

# The web app's packages, installed exactly as locked, again only when the
# lock changed. Playwright uses Debian's chromium, never a downloaded browser.
WEB_DEPS := web/node_modules/.package-lock.json
$(WEB_DEPS): web/package-lock.json
	cd web && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund
	@touch $@

## web: build the web app into web/dist (what Hosting serves locally)
web: $(WEB_DEPS)
	cd web && npx vite build

## web-api: regenerate the web app's typed API client from infra/openapi.yaml
web-api: $(WEB_DEPS)
	cd web && npm run api

## web-test: the web app's checks, units and browser tests against the suite (screenshots in web/test-results/)
web-test: $(WEB_DEPS)
	@bash scripts/web-test.sh

## bench-web: Lighthouse (mobile) on the home, library and journey-builder pages and the shell's JS size against their budgets (slow; not in make test)
bench-web: $(WEB_DEPS)
	@bash scripts/bench-web.sh

## bench-realtime: the realtime gateway (one and two instances) against y-websocket and Hocuspocus, 50 clients on one canvas at 2 and 10 ops/s; one JSON line per system and load (slow; not in make test)
bench-realtime:
	@bash scripts/bench-realtime.sh

## emulators: the emulator suite alone (no functions, no demo data)
emulators:
	$(GO) run ./emulators

## functions: the one binary that holds every function (one process per function at run time), and stripe-mock for the local Stripe
functions:
	@mkdir -p $(BIN)
	$(GO) build -o $(BIN)/functions ./cmd/functions
	$(GO) build -o $(BIN)/stripe-mock github.com/stripe/stripe-mock

build: functions
	$(GO) build $(PKGS)

## test: everything CI runs
# Fuzz targets run here on their seed corpora and the committed findings
# (testdata/fuzz) only, as plain `go test` does: the gate never fails on an
# input nobody has seen. Exploring new inputs is `make fuzz`.
test: lint tf-fmt unit firestore-integration web-test

unit:
	$(GO) test -race -count=1 -timeout 20m $(PKGS)

## lint: gofmt and go vet
lint:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './.git/*')); \
	  if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet $(PKGS)

## fuzz: explore new inputs for every fuzz target (FUZZTIME each); what fails is kept in testdata/fuzz as a regression seed
fuzz:
	@FUZZTIME=$(FUZZTIME) bash scripts/fuzz.sh

## bench: benchmarks that print the budget figures of DESIGN §10
bench:
	$(GO) test -run '^$$' -bench . -benchmem -count=1 -timeout 30m $(PKGS)

## firestore-integration: Google's own Firestore integration suite (from the module cache) against our emulator
firestore-integration:
	@bash scripts/firestore-integration.sh

## tf-fmt: terraform fmt -check on terraform/
tf-fmt:
	@bash scripts/terraform-fmt.sh

## deploy: terraform init + plan + apply for ENV (needs credentials; not run in CI)
deploy:
	ENV=$(ENV) bash scripts/deploy.sh

clean:
	rm -rf $(BIN) .dev web/dist web/test-results
