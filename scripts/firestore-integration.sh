#!/usr/bin/env bash
# Runs Google's own Firestore integration suite (TestIntegration_* of
# cloud.google.com/go/firestore, the version in go.mod) twice, with its own
# project id: against our Firestore emulator alone (emulators/firestore),
# enforcing the suite's own composite indexes as production does, and
# against the whole emulator suite as `make emulators` starts it (on free
# ports), which enforces the platform's declared indexes for the
# platform's project only and must serve anyone else's project as Google's
# emulator does.
#
# The module is copied out of the read-only module cache so its tests can
# build there with its own go.mod; its test dependencies come from the Go
# module proxy. The suite needs a project id and a service-account key file
# even under FIRESTORE_EMULATOR_HOST; the key is generated on the spot and
# never leaves the temporary directory.
#
# Environment:
#   FIRESTORE_IT_RUN      -run pattern (default TestIntegration_)
#   FIRESTORE_IT_TIMEOUT  go test -timeout (default 15m)
#   FIRESTORE_IT_KEEP     non-empty: keep the temporary directory
#   FIRESTORE_IT_RACE     non-empty: build the emulator with -race; a data
#                         race it reports fails the run
#   FIRESTORE_IT_SKIP     -skip pattern (default: the subtests below that no
#                         emulator can pass; set it empty to run them too)
#
# Exits non-zero when a test fails, or when no test ran.
set -euo pipefail
cd "$(dirname "$0")/.."

run_pattern=${FIRESTORE_IT_RUN:-TestIntegration_}
# NewClientWithDatabase expects NewClient to fail on a missing credentials
# file, but under FIRESTORE_EMULATOR_HOST the client dials the emulator with
# its own connection and never reads credentials, so the case fails before
# any request reaches a server, whatever the server does.
known_client_side='TestIntegration_DefaultDB/NewClientWithDatabase$'
skip_pattern=${FIRESTORE_IT_SKIP-$known_client_side}
timeout=${FIRESTORE_IT_TIMEOUT:-15m}

version=$(go list -m -f '{{.Version}}' cloud.google.com/go/firestore)
moddir=$(go list -m -f '{{.Dir}}' cloud.google.com/go/firestore)
if [[ -z "$moddir" || ! -d "$moddir" ]]; then
  go mod download cloud.google.com/go/firestore
  moddir=$(go list -m -f '{{.Dir}}' cloud.google.com/go/firestore)
fi

tmp=$(mktemp -d)
emu_pid=
cleanup() {
  if [[ -n "$emu_pid" ]]; then
    kill "$emu_pid" 2>/dev/null || true
    wait "$emu_pid" 2>/dev/null || true
  fi
  if [[ -z "${FIRESTORE_IT_KEEP:-}" ]]; then
    chmod -R u+w "$tmp" 2>/dev/null || true
    rm -rf "$tmp"
  else
    echo "kept $tmp"
  fi
}
trap cleanup EXIT

echo "firestore-integration: cloud.google.com/go/firestore@$version"
cp -r "$moddir" "$tmp/firestore"
chmod -R u+w "$tmp/firestore"

# The composite indexes the suite's queries on its "indexed_collection"
# collection group need (production runs of the suite need them too).
# The emulator enforces indexes like production when given them, so the
# suite's check that an unindexed query fails holds too.
cat >"$tmp/firestore.indexes.json" <<'JSON'
{
  "indexes": [
    {"collectionGroup": "indexed_collection", "queryScope": "COLLECTION", "fields": [{"fieldPath": "updatedAt", "order": "ASCENDING"}, {"fieldPath": "weight", "order": "ASCENDING"}, {"fieldPath": "height", "order": "ASCENDING"}]},
    {"collectionGroup": "indexed_collection", "queryScope": "COLLECTION", "fields": [{"fieldPath": "weight", "order": "ASCENDING"}, {"fieldPath": "height", "order": "ASCENDING"}]},
    {"collectionGroup": "indexed_collection", "queryScope": "COLLECTION", "fields": [{"fieldPath": "testNull", "order": "ASCENDING"}, {"fieldPath": "x", "order": "ASCENDING"}, {"fieldPath": "q", "order": "ASCENDING"}]},
    {"collectionGroup": "indexed_collection", "queryScope": "COLLECTION", "fields": [{"fieldPath": "testNaN", "order": "ASCENDING"}, {"fieldPath": "x", "order": "ASCENDING"}, {"fieldPath": "q", "order": "ASCENDING"}]}
  ],
  "fieldOverrides": []
}
JSON

# The emulator, built from this tree.
build_flags=()
[[ -n "${FIRESTORE_IT_RACE:-}" ]] && build_flags+=(-race)
go build "${build_flags[@]}" -o "$tmp/firestore-emulator" ./emulators/firestore/cmd/firestore
"$tmp/firestore-emulator" --addr 127.0.0.1:0 --indexes "$tmp/firestore.indexes.json" \
  >"$tmp/emulator.out" 2>"$tmp/emulator.log" &
emu_pid=$!
addr=
for _ in $(seq 1 100); do
  addr=$(head -n1 "$tmp/emulator.out" 2>/dev/null || true)
  [[ -n "$addr" ]] && break
  if ! kill -0 "$emu_pid" 2>/dev/null; then
    cat "$tmp/emulator.log" >&2
    echo "firestore-integration: emulator exited" >&2
    exit 1
  fi
  sleep 0.1
done
if [[ -z "$addr" ]]; then
  echo "firestore-integration: emulator did not report its address" >&2
  exit 1
fi
echo "firestore-integration: emulator on $addr"

# A throw-away service-account key: the suite only parses it (under the
# emulator no token is ever fetched).
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$tmp/key.pem" 2>/dev/null
jq -n --rawfile pk "$tmp/key.pem" '{
  type: "service_account",
  project_id: "demo-firestore-it",
  private_key_id: "0000000000000000000000000000000000000000",
  private_key: $pk,
  client_email: "firestore-it@demo-firestore-it.iam.gserviceaccount.com",
  client_id: "000000000000000000000",
  auth_uri: "https://accounts.google.com/o/oauth2/auth",
  token_uri: "https://oauth2.googleapis.com/token"
}' >"$tmp/key.json"

export FIRESTORE_EMULATOR_HOST=$addr
export GCLOUD_TESTS_GOLANG_FIRESTORE_PROJECT_ID=demo-firestore-it
export GCLOUD_TESTS_GOLANG_FIRESTORE_KEY=$tmp/key.json
# Enterprise databases run the pipeline suite (ExecutePipeline), which the
# emulator does not implement; leave them out.
unset GCLOUD_TESTS_GOLANG_FIRESTORE_ENTERPRISE_DATABASES
export GOFLAGS="${GOFLAGS:+$GOFLAGS }-mod=mod"

# run_suite LABEL LOG: Google's suite against $FIRESTORE_EMULATOR_HOST,
# judged by its own PASS/FAIL lines; EMULATOR_LOG is checked for races.
run_suite() {
  local label=$1 log=$2 emulog=$3
  local start status elapsed passed failed skipped ran
  start=$(date +%s)
  set +e
  local skip=$skip_pattern
  [[ -n "${4:-}" ]] && skip="${skip:+$skip|}$4"
  (cd "$tmp/firestore" && go test -run "$run_pattern" -skip "$skip" -count=1 -timeout "$timeout" -v . ) >"$log" 2>&1
  status=$?
  set -e
  elapsed=$(( $(date +%s) - start ))
  count() { grep -cE "^[[:space:]]*--- $1: " "$log" || true; }
  passed=$(count PASS)
  failed=$(count FAIL)
  skipped=$(count SKIP)
  ran=$(( passed + failed + skipped ))
  echo "firestore-integration ($label): $passed passed, $failed failed, $skipped skipped (tests and subtests) in ${elapsed}s"
  if (( failed > 0 || status != 0 )); then
    grep -E "^[[:space:]]*--- FAIL: " "$log" || tail -n 40 "$log"
    if [[ -s "$emulog" ]]; then
      echo "firestore-integration ($label): emulator log (last lines):"
      tail -n 20 "$emulog"
    fi
  fi
  if grep -q "WARNING: DATA RACE" "$emulog" 2>/dev/null; then
    cat "$emulog" >&2
    echo "firestore-integration ($label): FAIL (data race in the emulator)" >&2
    return 1
  fi
  if (( status != 0 )); then
    echo "firestore-integration ($label): FAIL (go test exit $status)" >&2
    return 1
  fi
  if (( ran == 0 || passed == 0 )); then
    echo "firestore-integration ($label): FAIL (no test ran)" >&2
    return 1
  fi
}

if [[ -n "$skip_pattern" ]]; then
  echo "firestore-integration: not run (cannot pass against an emulator): $skip_pattern"
fi

# 1. The Firestore emulator alone, enforcing the suite's own indexes.
run_suite "firestore emulator" "$tmp/test.log" "$tmp/emulator.log"
kill "$emu_pid" 2>/dev/null || true
wait "$emu_pid" 2>/dev/null || true
emu_pid=

# 2. The whole emulator suite as `make emulators` starts it (on free ports):
#    it enforces the platform's declared indexes for the platform's own
#    project only, so Google's suite, with its own project id, must pass as
#    it does against Google's emulator.
go build "${build_flags[@]}" -o "$tmp/suite" ./emulators
"$tmp/suite" --random-ports >"$tmp/suite.out" 2>"$tmp/suite.log" &
emu_pid=$!
addr=
for _ in $(seq 1 300); do
  addr=$(sed -nE 's/^[[:space:]]*export FIRESTORE_EMULATOR_HOST="([^"]+)".*/\1/p' "$tmp/suite.out" 2>/dev/null | head -n1)
  [[ -n "$addr" ]] && break
  if ! kill -0 "$emu_pid" 2>/dev/null; then
    cat "$tmp/suite.log" >&2
    echo "firestore-integration: the emulator suite exited" >&2
    exit 1
  fi
  sleep 0.1
done
if [[ -z "$addr" ]]; then
  echo "firestore-integration: the emulator suite did not report its Firestore address" >&2
  exit 1
fi
echo "firestore-integration: emulator suite's Firestore on $addr"
export FIRESTORE_EMULATOR_HOST=$addr
# QueryDocuments asserts that a query needing an undeclared composite index
# fails, as production does; Google's emulator enforces no index, and so
# does the suite for any project but the platform's. Run 1 covers it.
production_only='TestIntegration_DefaultDB/QueryDocuments$'
echo "firestore-integration (emulator suite): not run (asserts production's index enforcement, covered by the first run): $production_only"
run_suite "emulator suite" "$tmp/test-suite.log" "$tmp/suite.log" "$production_only"
echo "firestore-integration: ok"
