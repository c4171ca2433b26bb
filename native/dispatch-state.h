// The dispatcher's state, shared by the files that make up native/dispatch.*:
// dispatch.cc (the call per request, and its creation), dispatch-cache.cc (the
// cache operations keyed the same way) and dispatch-setup.cc (what a
// dispatcher is attached to: experiments, statistics, releases). Private to
// them: JS sees the dispatch function only.
#pragma once

#include <node_api.h>

#include <cstdint>
#include <ctime>
#include <memory>

#include "cache.h"
#include "dispatch-key.h"
#include "dispatch.h"
#include "flags-route.h"
#include "release.h"
#include "router.h"
#include "stats.h"

namespace griddle {
namespace dispatchstate {

using cache::CacheStore;

struct Dispatcher {
  napi_ref routerRef = nullptr;   // keeps the router's lookup function, and so its handle, alive
  RouterHandle* router = nullptr; // same thread: its snapshot reader, scratch and out array
  std::shared_ptr<CacheStore> store;
  int32_t* io = nullptr;
  uint8_t* out = nullptr;
  size_t outCap = 0;
  dispatchkey::KeyScratch keys;
  std::shared_ptr<stats::Writer> stats;  // statistics: where waiting outcomes are recorded, or null
  std::unique_ptr<flags::RouteArms> arms;  // experiments on cached routes, or null
  std::unique_ptr<release::Reader> releases;  // releases: this thread's reader of the release table, or null
  int64_t originNs = 0;  // statistics: CLOCK_MONOTONIC at performance.now() == 0 (see JS_dispatchCreate)
};

// CLOCK_MONOTONIC in ns: the clock performance.now() reads (libuv's uv_hrtime).
inline int64_t monotonicNs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}


// The dispatcher a JS_dispatch* call names (its dispatch function), or null with a TypeError pending.
Dispatcher* unwrapDispatcher(napi_env env, napi_value v);

// The entry's strong ETag as text (ETAG_TEXT bytes) at dst.
void writeEtag(uint8_t* dst, uint64_t etag);

// Probes d.keys.key: the compressed variants the client accepts (io[ACCEPT]),
// then the identity entry; a hit fills io and out.
void probeVariants(Dispatcher& d, const char16_t* inm, size_t inmLen);

// --- statistics: records the outcomes JS left in io (see dispatch.h) ---
inline void recordWaiting(Dispatcher& d) {
  if (d.stats) stats::recordSlots(d.stats.get(), d.io + IO_STATS_FIRST, d.io[IO_STATS_COUNT]);
  d.io[IO_STATS_COUNT] = 0;
}

// Export the JS_dispatch* calls of dispatch-cache.cc and dispatch-setup.cc,
// and their constants on the DISPATCH layout object.
bool initDispatchCache(napi_env env, napi_value exports);
bool initDispatchSetup(napi_env env, napi_value exports, napi_value layout);

}  // namespace dispatchstate
}  // namespace griddle
