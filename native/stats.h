// Live request statistics (DESIGN.md §5, §9): per series (route, method,
// status, arm) a request counter, response bytes, counts per kind of answer
// and a latency histogram, in native memory shared by every thread of the
// process. lib/telemetry/stats.ts is the TypeScript twin.
//
// Design, and why:
// - Histograms are HDR-style log-linear: values below 64 ns have a bucket
//   each, then every power of two is cut into 64 equal buckets. Reporting a
//   bucket's midpoint is then within 1/128 (0.78 %) of any value in it, from
//   1 ns to 2^36 ns (68.7 s; larger values land in the last bucket, and the
//   exact maximum is kept beside). 1,984 buckets of 8 bytes per series.
// - Threads: each writer (one per app per thread) leases a shard of its own;
//   a shard has one writer at a time, so recording is relaxed loads and
//   stores with no read-modify-write, no lock and no shared cache line.
//   Readers merge every shard. A series' index is the same in every shard: it
//   comes from one lock-free table of keys (claimed by compare-and-swap, never
//   removed) in the registry.
// - Memory: a shard allocates a series' counters on its first record in that
//   shard; after that recording allocates nothing.
// - Registries are process-wide by name (serve() workers share one, like the
//   cache's named stores), or private to one app when unnamed.
#pragma once

#include <node_api.h>

#include <cstdint>
#include <memory>

namespace griddle {
namespace stats {

// What kind of answer a request got; mirrored in lib/telemetry/stats.ts (KIND).
enum Kind : int32_t {
  KIND_HANDLER = 0,  // the handler ran (route without cache)
  KIND_HIT = 1,      // answered from the cache (including 304)
  KIND_MISS = 2,     // cached route, not in the cache: the handler ran
  KIND_STALE = 3,    // a stale entry answered while a refresh runs
  KIND_SHED = 4,     // refused by admission control
  KIND_GHOST = 5,    // a ghost run (later: releases)
  KIND_COUNT = 6
};

// An outcome as JS writes it into the dispatcher's io array (see
// native/dispatch.h): RECORD_SLOTS int32 each, up to PENDING_MAX waiting.
enum RecordSlot : int {
  REC_ROUTE = 0,  // route id, or -1 when no route matched
  REC_METHOD,     // index in lib/telemetry/stats.ts METHODS
  REC_STATUS,     // HTTP status, 0 when the client went away first
  REC_ARM,        // traffic arm id (0 until releases exist)
  REC_KIND,       // Kind
  REC_LAT_LO,     // latency in ns: low 32 bits
  REC_LAT_HI,     // latency in ns: high bits
  REC_BYTES,      // response body bytes
  RECORD_SLOTS
};
constexpr int PENDING_MAX = 8;

struct Outcome {
  int32_t route;
  int32_t method;
  int32_t status;
  int32_t arm;
  int32_t kind;
  uint64_t latencyNs;
  uint64_t bytes;
};

class Writer;

// hot path: measure before changing. Records one outcome into the writer's
// shard. Never locks; allocates only on a series' first record in the shard.
void record(Writer* w, const Outcome& o);

// Records `count` outcomes laid out as RecordSlot (count is clamped to PENDING_MAX).
void recordSlots(Writer* w, const int32_t* slots, int32_t count);

// The writer behind a JS stats handle (null, after throwing, when it is not one).
std::shared_ptr<Writer> writerOf(napi_env env, napi_value handle);

bool initStats(napi_env env, napi_value exports);

}  // namespace stats
}  // namespace griddle
