#!/usr/bin/env bash
# Rebuilds the addon with ThreadSanitizer into native/sanitize-thread/build and
# runs the tests that share native state between threads against it (npm run
# test:tsan): the cache's worker threads, and the route snapshot swapped while
# a native thread reads it. Node itself is not instrumented: TSan sees the
# addon's memory accesses, its atomics and every pthread lock, which is what
# the cache's sharded locking and the snapshot's publication rely on.
set -euo pipefail
cd "$(dirname "$0")/.."
gyp="${npm_config_node_gyp:-$(npm root -g)/npm/node_modules/node-gyp/bin/node-gyp.js}"
node "$gyp" rebuild -C native/sanitize-thread >/dev/null
npx tsc -p tsconfig.json
tsan=$(g++ -print-file-name=libtsan.so)
export GRIDDLE_ADDON="$PWD/native/sanitize-thread/build/Release/griddle.node"
export TSAN_OPTIONS="halt_on_error=1:abort_on_error=1:report_signal_unsafe=0:ignore_noninstrumented_modules=1"
LD_PRELOAD="$tsan" node --test --test-concurrency=1 dist/test/cache/cache-threads.test.js dist/test/routing/snapshot.test.js dist/test/telemetry/stats.test.js dist/test/traffic/flags-threads.test.js dist/test/traffic/release-threads.test.js
