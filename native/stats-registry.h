// The storage behind native/stats.h, shared by its recording side (stats.cc)
// and its read side (stats-read.cc). Not for other modules: they use stats.h.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>

#include "stats.h"

namespace griddle {
namespace stats {

constexpr int SUB_BITS = 6;
constexpr int SUB = 1 << SUB_BITS;  // linear buckets per power of two
constexpr int MAX_MSB = 35;         // 2^36 ns = 68.7 s: the top of the exact range
constexpr int BUCKETS = (MAX_MSB - SUB_BITS + 2) * SUB;
// Series table: a power of two, kept at most 3/4 full so probes stay short.
constexpr uint32_t TABLE = 2048;
constexpr uint32_t MAX_SERIES = TABLE * 3 / 4;
constexpr uint32_t MAX_SHARDS = 512;  // serve() allows 256 workers; apps may share a name
// Per shard (one app on one thread), set by JS once a second (see JS_statsSetThread).
enum GaugeSlot : int {
  GAUGE_THREAD = 0,     // thread id
  GAUGE_LOOP_MEAN,      // event-loop delay over the last second, ns: mean, p50, p99, max
  GAUGE_LOOP_P50,
  GAUGE_LOOP_P99,
  GAUGE_LOOP_MAX,
  GAUGE_HEAP,           // heap used, bytes
  GAUGE_CONNECTIONS,    // the app's open connections (uWS filter: +1 open, -1 close)
  GAUGE_IN_FLIGHT,      // the app's requests waiting for their body or handler
  GAUGES
};
constexpr uint64_t OCCUPIED = 1ull << 63;

inline int bucketOf(uint64_t v) {
  if (v < static_cast<uint64_t>(SUB)) return static_cast<int>(v);
  int msb = 63 - __builtin_clzll(v);
  if (msb > MAX_MSB) return BUCKETS - 1;
  return (msb - SUB_BITS + 1) * SUB + static_cast<int>((v >> (msb - SUB_BITS)) & (SUB - 1));
}

// The value a bucket reports: its midpoint (within 1/128 of anything in it).
inline double bucketValue(int i) {
  if (i < SUB) return i;
  int msb = i / SUB + SUB_BITS - 1;
  double width = static_cast<double>(1ull << (msb - SUB_BITS));
  double lower = static_cast<double>(static_cast<uint64_t>(SUB + i % SUB) << (msb - SUB_BITS));
  return lower + (width > 1 ? width / 2 : 0);
}

// Key fields: route + 1 (20 bits, 0 = no route), method (4), status (10), arm (16).
inline uint64_t packKey(int32_t route, int32_t method, int32_t status, int32_t arm) {
  uint64_t r = route < 0 ? 0 : (static_cast<uint64_t>(route) + 1) & 0xfffff;
  return OCCUPIED | r | (static_cast<uint64_t>(method & 0xf) << 20) |
         (static_cast<uint64_t>(status < 0 || status > 999 ? 0 : status) << 24) |
         (static_cast<uint64_t>(arm & 0xffff) << 34);
}
inline int32_t keyRoute(uint64_t k) { return static_cast<int32_t>(k & 0xfffff) - 1; }
inline int32_t keyMethod(uint64_t k) { return static_cast<int32_t>((k >> 20) & 0xf); }
inline int32_t keyStatus(uint64_t k) { return static_cast<int32_t>((k >> 24) & 0x3ff); }
inline int32_t keyArm(uint64_t k) { return static_cast<int32_t>((k >> 34) & 0xffff); }

// One series in one shard. Written by the shard's single writer with relaxed
// load + store (no read-modify-write); read by anyone with relaxed loads.
struct SeriesData {
  std::atomic<uint64_t> count;
  std::atomic<uint64_t> sumNs;
  std::atomic<uint64_t> maxNs;
  std::atomic<uint64_t> bytes;
  std::atomic<uint64_t> kinds[KIND_COUNT];
  std::atomic<uint64_t> buckets[BUCKETS];
};

struct Shard {
  bool leased = false;  // guarded by Registry::mu
  std::atomic<SeriesData*> data[TABLE] = {};
  std::atomic<double> gauges[GAUGES] = {};
};

class Registry {
 public:
  ~Registry();
  // The series index of a key, claiming a free one; -1 when the table is full.
  int32_t slotFor(uint64_t key);
  Shard* lease();
  void release(Shard* s);

  std::atomic<uint64_t> keys[TABLE] = {};
  std::atomic<uint32_t> live{0};
  std::atomic<uint64_t> dropped{0};  // outcomes not recorded: the series table was full
  std::atomic<Shard*> shards[MAX_SHARDS] = {};
  std::atomic<uint32_t> shardCount{0};
  std::mutex mu;  // leasing and names; never taken while recording
  std::map<std::pair<int32_t, int32_t>, std::string> names;  // (what, id) -> name
};

class Writer {
 public:
  Writer(std::shared_ptr<Registry> r, Shard* s) : registry(std::move(r)), shard(s) {}
  ~Writer() { registry->release(shard); }
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;

  std::shared_ptr<Registry> registry;
  Shard* shard;
  uint64_t lastKey = 0;  // one-entry cache: consecutive requests mostly share a series
  int32_t lastSlot = -1;
};

std::shared_ptr<Registry> registryOf(napi_env env, napi_value handle);
bool initStatsRead(napi_env env, napi_value exports);

}  // namespace stats
}  // namespace griddle
