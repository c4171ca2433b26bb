#!/usr/bin/env bash
# Instructions per request of one bench server, under valgrind's callgrind:
# a figure that does not move with the machine's load, unlike req/s.
#
#   bash bench/http/callgrind.sh ROOT NAME [COUNT] [OUT]
#
# ROOT is a built checkout (its dist/bench/http/servers/NAME.js is run, e.g.
# griddle or uws-json); COUNT requests (default 20000) are sent one at a time
# over one keep-alive connection by bench/http/sequential-client.mjs, from
# outside valgrind, after a warm-up of WARMUP (env, default 5000) so that the
# JIT tiers settle; TurboFan compiling inside the window shows as start_thread
# and baseline frames in the dump, and means WARMUP was too short. Counters are
# zeroed after the warm-up and dumped after the measured requests, so start-up
# and warm-up are not counted. Prints "NAME instructions/request"; the dump
# (for callgrind_annotate) is left in OUT (default /tmp/callgrind.NAME.out).
# The environment reaches the server and the client: BENCH_ADMISSION=off
# turns admission off in the griddle servers (it sheds under valgrind's
# slow-down), SEQ_UNIT_HEADER=x-user gives each request its own unit key.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$1" && pwd)
name=$2
count=${3:-20000}
out=${4:-/tmp/callgrind.$name.out}
port=${BENCH_PORT:-$((39700 + RANDOM % 200))}
log=$(mktemp)
mkdir -p "$(dirname "$out")"
rm -f "$out" "$out".*
cd "$root"
BENCH_PORT=$port valgrind --tool=callgrind --callgrind-out-file="$out" \
  node "dist/bench/http/servers/$name.js" >"$log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true; rm -f "$log"' EXIT
for _ in $(seq 1 600); do grep -q READY "$log" && break; kill -0 $pid 2>/dev/null || break; sleep 0.5; done
grep -q READY "$log" || { cat "$log" >&2; exit 1; }
node "$here/sequential-client.mjs" "$port" "${WARMUP:-5000}"
callgrind_control -z "$pid" >/dev/null
node "$here/sequential-client.mjs" "$port" "$count"
callgrind_control -d "$pid" >/dev/null
# The dump is written as OUT.<n> (OUT itself is written at exit).
dump=$(ls -t "$out".* 2>/dev/null | head -1)
kill -INT $pid
wait $pid 2>/dev/null || true
ir=$(awk '/^summary:/ {print $2}' "$dump")
echo "$name $(awk -v ir="$ir" -v n="$count" 'BEGIN { printf "%.0f", ir / n }') instructions/request ($ir over $count; dump $dump)"
