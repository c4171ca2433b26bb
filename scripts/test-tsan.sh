#!/usr/bin/env bash
# Rebuilds the addon with ThreadSanitizer into native/sanitize-thread/build and
# runs the cache's worker-thread tests against it (npm run test:tsan).
# Node itself is not instrumented: TSan sees the addon's memory accesses and
# every pthread lock, which is what the cache's sharded locking relies on.
set -euo pipefail
cd "$(dirname "$0")/.."
gyp="${npm_config_node_gyp:-$(npm root -g)/npm/node_modules/node-gyp/bin/node-gyp.js}"
node "$gyp" rebuild -C native/sanitize-thread >/dev/null
npx tsc -p tsconfig.json
tsan=$(g++ -print-file-name=libtsan.so)
export GRIDDLE_ADDON="$PWD/native/sanitize-thread/build/Release/griddle.node"
export TSAN_OPTIONS="halt_on_error=1:abort_on_error=1:report_signal_unsafe=0:ignore_noninstrumented_modules=1"
LD_PRELOAD="$tsan" node --test --test-concurrency=1 dist/test/cache/cache-threads.test.js dist/test/telemetry/stats.test.js
