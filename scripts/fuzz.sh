#!/usr/bin/env bash
# Runs every `func FuzzXxx(f *testing.F)` in the module for FUZZTIME each.
# go test can fuzz one target of one package per invocation, hence the loop.
set -euo pipefail
cd "$(dirname "$0")/.."
FUZZTIME=${FUZZTIME:-5s}
mapfile -t targets < <(grep -rE --include='*_test.go' --exclude-dir=node_modules -o '^func Fuzz[A-Za-z0-9_]*' . \
  | sed -E 's#^\./##; s#:func #:#' | sort)
status=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT
for t in "${targets[@]}"; do
  file=${t%%:*}
  name=${t##*:}
  dir=$(dirname "$file")
  echo "fuzz ./$dir $name ($FUZZTIME)"
  if ! go test -run '^$' -fuzz "^${name}\$" -fuzztime "$FUZZTIME" "./$dir" >"$log" 2>&1 </dev/null; then
    cat "$log"
    status=1
  fi
done
echo "fuzz: ${#targets[@]} targets"
exit $status
