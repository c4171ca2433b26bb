// Registers each native module on the exports object. Every module keeps its
// state in the objects it hands to JS, never in globals, so the addon loads in
// any number of worker threads at once (context-aware).
#include <node_api.h>

#include "bucket.h"
#include "cache.h"
#include "dispatch.h"
#include "flags.h"
#include "noop-baseline.h"
#include "release.h"
#include "reuseport.h"
#include "router.h"
#include "stats.h"
#include "snapshot.h"

namespace griddle {

static napi_value init(napi_env env, napi_value exports) {
  if (!initProbe(env, exports) || !initRouter(env, exports) || !initCache(env, exports) ||
      !initDispatch(env, exports) || !stats::initStats(env, exports) || !initSnapshotCheck(env, exports) ||
      !bucket::initBucket(env, exports) || !flags::initFlags(env, exports) ||
      !release::initRelease(env, exports) || !reuseport::initReuseport(env, exports))
    return nullptr;
  return exports;
}

}  // namespace griddle

NAPI_MODULE_INIT() { return griddle::init(env, exports); }
