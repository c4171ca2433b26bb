#!/usr/bin/env bash
# Builds the open-loop load generator into bench/loadgen/build/loadgen.
# Called by `npm run bench:http` and by test/loadgen.test.ts; not by npm install.
set -euo pipefail
cd "$(dirname "$0")"
if ! command -v "${CC:-cc}" >/dev/null; then
  echo "loadgen: no C compiler (${CC:-cc}); install one: apt-get install -y gcc" >&2
  exit 1
fi
mkdir -p build
sources=(loadgen.c conn.c hist.c report.c)
if [[ -x build/loadgen ]] && [[ -z "$(find "${sources[@]}" ./*.h build.sh -newer build/loadgen)" ]]; then
  exit 0 # up to date
fi
"${CC:-cc}" -O2 -std=gnu11 -Wall -Wextra -o build/loadgen "${sources[@]}"
