// What a dispatcher is attached to (native/dispatch.*): the experiments its
// cached routes are keyed by, the statistics its waiting outcomes go to, and
// the release table that chooses each request's version. Set up once per
// thread, off the hot path.
#include <ctime>
#include <memory>
#include <string>
#include <vector>

#include "bucket.h"
#include "dispatch-state.h"
#include "util/boundary.h"

namespace griddle {
namespace dispatchstate {

using Io = DispatchIo;

// --- experiments on cached routes ---
// (dispatcher, routeId, flags, names: string[], missingEmpty: boolean) -> undefined.
// The experiments the route's body depends on; its cache entries are keyed by
// their arms from then on. All calls of one dispatcher name the same flags.
static napi_value JS_dispatchSetExperiments(napi_env env, napi_callback_info info) {
  GRIDDLE_ARGS(5);
  Dispatcher* d = unwrapDispatcher(env, argv[0]);
  int32_t id;
  bool isArray = false, empty = false;
  uint32_t n = 0;
  if (d == nullptr || !argInt32(env, argv[1], "routeId", &id)) return nullptr;
  if (id < 0) return throwType(env, "GRIDDLE_ERR_INVALID_ARG", "argument 'routeId' must be >= 0");
  if (napi_is_array(env, argv[3], &isArray) != napi_ok || !isArray || napi_get_array_length(env, argv[3], &n) != napi_ok ||
      n > static_cast<uint32_t>(flags::ROUTE_EXPERIMENTS_MAX))
    return throwType(env, "GRIDDLE_ERR_INVALID_ARG", "argument 'names' must be an array of at most 3 strings");
  napi_get_value_bool(env, argv[4], &empty);
  std::vector<std::string> names;
  for (uint32_t i = 0; i < n; i++) {
    napi_value v;
    size_t len;
    napi_get_element(env, argv[3], i, &v);
    if (napi_get_value_string_utf8(env, v, nullptr, 0, &len) != napi_ok) return throwType(env, "GRIDDLE_ERR_INVALID_ARG", "argument 'names' must be strings");
    names.emplace_back(len, '\0');
    napi_get_value_string_utf8(env, v, names.back().data(), len + 1, &len);
  }
  if (!d->arms && !(d->arms = flags::routeArmsOf(env, argv[2], empty))) return nullptr;
  flags::setRouteExperiments(*d->arms, static_cast<size_t>(id), std::move(names));
  return nullptr;
}
// --- end of experiments ---

// --- statistics ---
// (dispatcher, stats | null) -> undefined. Where the outcomes waiting in io are recorded.
static napi_value JS_dispatchSetStats(napi_env env, napi_callback_info info) {
  GRIDDLE_ARGS(2);
  Dispatcher* d = unwrapDispatcher(env, argv[0]);
  if (d == nullptr) return nullptr;
  napi_valuetype t;
  napi_typeof(env, argv[1], &t);
  std::shared_ptr<stats::Writer> w;
  if (t != napi_null && t != napi_undefined && !(w = stats::writerOf(env, argv[1]))) return nullptr;
  recordWaiting(*d);
  d->stats = std::move(w);
  return nullptr;
}

// (dispatcher) -> undefined. Records the outcomes waiting in io now (a timer
// calls it when no next dispatch comes).
static napi_value JS_dispatchFlushStats(napi_env env, napi_callback_info info) {
  GRIDDLE_ARGS(1);
  Dispatcher* d = unwrapDispatcher(env, argv[0]);
  if (d != nullptr) recordWaiting(*d);
  return nullptr;
}
// --- end of statistics ---

// --- releases ---
// (dispatcher, releases | null) -> undefined. The release table whose states
// choose each request's version; this thread registers as one of its readers.
static napi_value JS_dispatchSetReleases(napi_env env, napi_callback_info info) {
  GRIDDLE_ARGS(2);
  Dispatcher* d = unwrapDispatcher(env, argv[0]);
  if (d == nullptr) return nullptr;
  napi_valuetype t;
  napi_typeof(env, argv[1], &t);
  if (t == napi_null || t == napi_undefined) {
    d->releases.reset();
    return nullptr;
  }
  auto table = release::tableOf(env, argv[1]);
  if (!table) return nullptr;
  // Seeds the keyless positions: distinct per dispatcher, no clock in the hot path.
  uint64_t seed = reinterpret_cast<uintptr_t>(d) ^ static_cast<uint64_t>(clock());
  d->releases = std::make_unique<release::Reader>(std::move(table), fmix64(seed));
  return nullptr;
}
// --- end of releases ---

bool initDispatchSetup(napi_env env, napi_value exports, napi_value l) {
  // experiments on cached routes
  GRIDDLE_EXPORT(env, exports, "dispatchSetExperiments", JS_dispatchSetExperiments);
  exportInt(env, l, "IO_EXP_ARM", Io::EXP_ARM);
  exportInt(env, l, "IO_EXP_SEQ", Io::EXP_SEQ);
  exportInt(env, l, "KEY_ARMS", dispatchkey::KEY_ARMS);
  exportInt(env, l, "ARMS_UNCACHED", flags::ARMS_UNCACHED);
  exportInt(env, l, "ROUTE_EXPERIMENTS_MAX", flags::ROUTE_EXPERIMENTS_MAX);
  // statistics
  GRIDDLE_EXPORT(env, exports, "dispatchSetStats", JS_dispatchSetStats);
  GRIDDLE_EXPORT(env, exports, "dispatchFlushStats", JS_dispatchFlushStats);
  exportInt(env, exports, "DISPATCH_IO_STATS_COUNT", IO_STATS_COUNT);
  exportInt(env, exports, "DISPATCH_IO_STATS_FIRST", IO_STATS_FIRST);
  // releases
  GRIDDLE_EXPORT(env, exports, "dispatchSetReleases", JS_dispatchSetReleases);
  return true;
}

}  // namespace dispatchstate
}  // namespace griddle
