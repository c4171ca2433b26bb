#!/usr/bin/env bash
# Rebuilds the addon with AddressSanitizer + UndefinedBehaviorSanitizer into
# native/sanitize/build and runs the native-facing tests against it.
# Node itself is not instrumented, so the ASan runtime is preloaded; leak
# detection is off because Node keeps allocations alive until exit by design.
set -euo pipefail
cd "$(dirname "$0")/.."
gyp="${npm_config_node_gyp:-$(npm root -g)/npm/node_modules/node-gyp/bin/node-gyp.js}"
node "$gyp" rebuild -C native/sanitize >/dev/null
npx tsc -p tsconfig.json
asan=$(g++ -print-file-name=libasan.so)
ubsan=$(g++ -print-file-name=libubsan.so)
export GRIDDLE_ADDON="$PWD/native/sanitize/build/Release/griddle.node"
export GRIDDLE_EXPECT_SANITIZED=1
export ASAN_OPTIONS="detect_leaks=0:abort_on_error=1:halt_on_error=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
shopt -s nullglob
tests=(dist/test/binding.test.js dist/test/routing/*.test.js dist/test/cache/cache*.test.js dist/test/telemetry/stats.test.js
  dist/test/traffic/{bucket,flags,flags-threads,unleash}.test.js)
LD_PRELOAD="$asan:$ubsan" node --test --test-concurrency=1 "${tests[@]}"

# The parsers' fuzz targets, briefly (native/fuzz/README.md has a longer run).
bash scripts/fuzz.sh all --runs 200000 --seconds 30 --if-available
