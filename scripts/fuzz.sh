#!/usr/bin/env bash
# Explores new inputs for every `func FuzzXxx(f *testing.F)` in the module,
# FUZZTIME each. go test can fuzz one target of one package per invocation,
# hence the loop. A failing input is written by go test to the package's
# testdata/fuzz/FuzzXxx/: commit it with the fix, and every later `go test`
# (so `make test`) replays it. It goes on after a failure so that one run
# reports every target.
set -euo pipefail
cd "$(dirname "$0")/.."
FUZZTIME=${FUZZTIME:-5s}
mapfile -t targets < <(grep -rE --include='*_test.go' --exclude-dir=node_modules -o '^func Fuzz[A-Za-z0-9_]*' . \
  | sed -E 's#^\./##; s#:func #:#' | sort)
status=0
failed=()
log=$(mktemp)
trap 'rm -f "$log"' EXIT
for t in "${targets[@]}"; do
  file=${t%%:*}
  name=${t##*:}
  dir=$(dirname "$file")
  echo "fuzz ./$dir $name ($FUZZTIME)"
  if ! go test -run '^$' -fuzz "^${name}\$" -fuzztime "$FUZZTIME" "./$dir" >"$log" 2>&1 </dev/null; then
    cat "$log"
    failed+=("./$dir $name")
    status=1
  fi
done
echo "fuzz: ${#targets[@]} targets, ${#failed[@]} failed"
for f in "${failed[@]}"; do echo "  failed: $f (new input kept under its testdata/fuzz/)"; done
exit $status
