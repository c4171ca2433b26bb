#!/usr/bin/env bash
# Instructions per call of the flag cases (bench/flags.bench.ts), counted by
# callgrind: each case runs at two call counts and the difference of the
# totals is divided by the difference of the counts, so start-up, JIT warm-up
# and set-up cancel out. Repeatable under load, unlike ns.
# Usage: bash bench/flags-callgrind.sh [case ...]   (after npx tsc -p tsconfig.json)
set -euo pipefail
cd "$(dirname "$0")/.."
LOW=${LOW:-20000}
HIGH=${HIGH:-220000}
cases=("$@")
[ ${#cases[@]} -eq 0 ] && cases=('native no-op' 'js baseline' 'griddle req.flags.isEnabled' 'griddle req.flags.variant')
total() {
  local out; out=$(mktemp)
  valgrind --tool=callgrind --callgrind-out-file="$out" node dist/bench/flags.bench.js "$1" --count "$2" 2>/dev/null >/dev/null || true
  local ir; ir=$(grep -m1 '^summary:' "$out" | awk '{print $2}')
  [ -z "$ir" ] && ir=$(grep -m1 '^totals:' "$out" | awk '{print $2}')
  rm -f "$out" "$out".*
  echo "$ir"
}
echo "| case | instructions per call |"
echo "| --- | --- |"
for c in "${cases[@]}"; do
  lo=$(total "$c" "$LOW"); hi=$(total "$c" "$HIGH")
  echo "| $c | $(( (hi - lo) / (HIGH - LOW) )) |"
done
