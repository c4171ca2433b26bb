#!/usr/bin/env bash
# Server CPU time per request, a steadier figure than req/s on a shared machine:
# starts one bench server (bench/http/servers/NAME.js) pinned to CPU 0, drives it
# with wrk from CPU 1 (2 s discarded, then 4 s measured) and divides the server
# process's user+system time by the requests wrk completed.
#   bash bench/http/cpu-per-request.sh NAME [PORT] [PATH]     (after npm run build:ts)
set -euo pipefail
cd "$(dirname "$0")/../.."
name=$1
port=${2:-39600}
path=${3:-/users/42}
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk" >&2; exit 1; }
BENCH_PORT=$port BENCH_SCENARIO=${BENCH_SCENARIO:-cached} taskset -c 0 node "dist/bench/http/servers/$name.js" >/dev/null 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do curl -s -o /dev/null "http://127.0.0.1:$port$path" && break; sleep 0.1; done
taskset -c 1 wrk -t1 -c64 -d2s "http://127.0.0.1:$port$path" >/dev/null
ticks=$(getconf CLK_TCK)
t0=$(awk '{print $14+$15}' "/proc/$pid/stat")
out=$(taskset -c 1 wrk -t1 -c64 -d4s "http://127.0.0.1:$port$path")
t1=$(awk '{print $14+$15}' "/proc/$pid/stat")
reqs=$(echo "$out" | awk '/requests in/ {print $1}')
rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
echo "$name $rps req/s $(awk -v a="$t0" -v b="$t1" -v n="$reqs" -v hz="$ticks" 'BEGIN { printf "%.2f", (b - a) / hz * 1e6 / n }') cpu-µs/request"
