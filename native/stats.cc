// Recording side of native/stats.h: the registry of named statistics, shard
// leases, record(), and the JS calls that open and feed a writer.
#include <string>
#include <unordered_map>

#include "stats-registry.h"
#include "util/boundary.h"
#include "util/named.h"

namespace griddle {
namespace stats {

namespace {

const napi_type_tag STATS_TAG = {0x67726964646c6504ULL, 0x7374617473000001ULL};

inline uint32_t hashKey(uint64_t k) {
  return static_cast<uint32_t>((k * 0x9e3779b97f4a7c15ULL) >> 40) & (TABLE - 1);
}

// Single writer per shard: a plain load and store is enough, and costs no
// locked instruction (a fetch_add would).
inline void bump(std::atomic<uint64_t>& c, uint64_t by) {
  c.store(c.load(std::memory_order_relaxed) + by, std::memory_order_relaxed);
}


}  // namespace

Registry::~Registry() {
  uint32_t n = shardCount.load(std::memory_order_acquire);
  for (uint32_t i = 0; i < n; i++) {
    Shard* s = shards[i].load(std::memory_order_acquire);
    for (auto& d : s->data) delete d.load(std::memory_order_acquire);
    delete s;
  }
}

int32_t Registry::slotFor(uint64_t key) {
  uint32_t h = hashKey(key);
  for (uint32_t i = 0; i < TABLE; i++) {
    uint32_t s = (h + i) & (TABLE - 1);
    uint64_t k = keys[s].load(std::memory_order_acquire);
    if (k == key) return static_cast<int32_t>(s);
    if (k != 0) continue;
    if (live.load(std::memory_order_relaxed) >= MAX_SERIES) return -1;
    uint64_t expected = 0;
    if (keys[s].compare_exchange_strong(expected, key, std::memory_order_acq_rel)) {
      live.fetch_add(1, std::memory_order_relaxed);
      return static_cast<int32_t>(s);
    }
    if (expected == key) return static_cast<int32_t>(s);
  }
  return -1;
}

// A shard that no live writer holds: one released earlier (its counts stay,
// the next writer adds to them) or a new one. The mutex orders the previous
// writer's last stores before the next writer's first loads.
Shard* Registry::lease() {
  std::lock_guard<std::mutex> lock(mu);
  uint32_t n = shardCount.load(std::memory_order_relaxed);
  for (uint32_t i = 0; i < n; i++) {
    Shard* s = shards[i].load(std::memory_order_relaxed);
    if (!s->leased) {
      s->leased = true;
      return s;
    }
  }
  if (n == MAX_SHARDS) return nullptr;
  auto* s = new Shard();
  s->leased = true;
  shards[n].store(s, std::memory_order_release);
  shardCount.store(n + 1, std::memory_order_release);
  return s;
}

void Registry::release(Shard* s) {
  std::lock_guard<std::mutex> lock(mu);
  s->leased = false;
  for (auto& g : s->gauges) g.store(0, std::memory_order_relaxed);
}

// hot path: measure before changing
void record(Writer* w, const Outcome& o) {
  uint64_t key = packKey(o.route, o.method, o.status, o.arm);
  int32_t slot = w->lastSlot;
  if (key != w->lastKey) {
    slot = w->registry->slotFor(key);
    if (slot < 0) {
      w->registry->dropped.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    w->lastKey = key;
    w->lastSlot = slot;
  }
  std::atomic<SeriesData*>& cell = w->shard->data[slot];
  SeriesData* d = cell.load(std::memory_order_relaxed);  // only this writer stores it
  if (d == nullptr) {
    d = new SeriesData();  // value-initialised: every counter starts at zero
    cell.store(d, std::memory_order_release);
  }
  uint64_t ns = o.latencyNs;
  bump(d->count, 1);
  bump(d->sumNs, ns);
  bump(d->bytes, o.bytes);
  if (o.kind >= 0 && o.kind < KIND_COUNT) bump(d->kinds[o.kind], 1);
  if (ns > d->maxNs.load(std::memory_order_relaxed)) d->maxNs.store(ns, std::memory_order_relaxed);
  bump(d->buckets[bucketOf(ns)], 1);
}

void recordSlots(Writer* w, const int32_t* slots, int32_t count) {
  if (count > PENDING_MAX) count = PENDING_MAX;
  for (int32_t i = 0; i < count; i++) {
    const int32_t* r = slots + i * RECORD_SLOTS;
    uint64_t ns = static_cast<uint64_t>(static_cast<uint32_t>(r[REC_LAT_LO])) |
                  (static_cast<uint64_t>(static_cast<uint32_t>(r[REC_LAT_HI])) << 32);
    Outcome o{r[REC_ROUTE], r[REC_METHOD], r[REC_STATUS], r[REC_ARM], r[REC_KIND], ns,
              static_cast<uint64_t>(static_cast<uint32_t>(r[REC_BYTES]))};
    record(w, o);
  }
}

std::shared_ptr<Writer> writerOf(napi_env env, napi_value handle) {
  bool ok = false;
  napi_valuetype t;
  if (napi_typeof(env, handle, &t) == napi_ok && t == napi_external) napi_check_object_type_tag(env, handle, &STATS_TAG, &ok);
  void* p = nullptr;
  if (!ok || napi_get_value_external(env, handle, &p) != napi_ok || p == nullptr) {
    throwType(env, "GRIDDLE_ERR_INVALID_HANDLE", "argument 'stats' is not a griddle stats handle");
    return nullptr;
  }
  return *static_cast<std::shared_ptr<Writer>*>(p);
}

std::shared_ptr<Registry> registryOf(napi_env env, napi_value handle) {
  auto w = writerOf(env, handle);
  return w ? w->registry : nullptr;
}

// (name: string | null) -> stats handle: a writer on its own shard of the
// named registry (created on first use), or of a new private one for null.
static napi_value JS_statsOpen(napi_env env, napi_callback_info info) {
  GRIDDLE_ARGS(1);
  napi_valuetype t;
  napi_typeof(env, argv[0], &t);
  std::shared_ptr<Registry> registry;
  if (t == napi_null || t == napi_undefined) {
    registry = std::make_shared<Registry>();
  } else {
    std::string key;
    if (!argUtf8(env, argv[0], "name", &key)) return nullptr;
    registry = named<Registry>(key, [] { return std::make_shared<Registry>(); });  // one per serve() cluster
  }
  Shard* shard = registry->lease();
  if (shard == nullptr) return throwError(env, "GRIDDLE_ERR_INVALID_ARG", "every stats shard of this registry is in use");
  return taggedExternal(env, new std::shared_ptr<Writer>(std::make_shared<Writer>(registry, shard)), &STATS_TAG);
}

// (stats, route, method, status, arm, kind, latencyNs, bytes) -> undefined.
// The same record as the dispatcher's, for answers outside it and for tests.
static napi_value JS_statsRecord(napi_env env, napi_callback_info info) {
  GRIDDLE_ARGS(8);
  auto w = writerOf(env, argv[0]);
  Outcome o{};
  double ns, bytes;
  if (!w || !argInt32(env, argv[1], "route", &o.route) || !argInt32(env, argv[2], "method", &o.method) ||
      !argInt32(env, argv[3], "status", &o.status) || !argInt32(env, argv[4], "arm", &o.arm) ||
      !argInt32(env, argv[5], "kind", &o.kind) || !argDouble(env, argv[6], "latencyNs", &ns) ||
      !argDouble(env, argv[7], "bytes", &bytes))
    return nullptr;
  o.latencyNs = ns > 0 ? static_cast<uint64_t>(ns) : 0;
  o.bytes = bytes > 0 ? static_cast<uint64_t>(bytes) : 0;
  record(w.get(), o);
  return nullptr;
}

// (stats, what: 0 route | 1 arm, id, name) -> undefined. Names live in the
// registry so that a reader on another thread (serve()'s admin listener)
// can label what the workers record.
static napi_value JS_statsName(napi_env env, napi_callback_info info) {
  GRIDDLE_ARGS(4);
  auto r = registryOf(env, argv[0]);
  int32_t what, id;
  std::string name;
  if (!r || !argInt32(env, argv[1], "what", &what) || !argInt32(env, argv[2], "id", &id) ||
      !argUtf8(env, argv[3], "name", &name))
    return nullptr;
  std::lock_guard<std::mutex> lock(r->mu);
  r->names[{what, id}] = std::move(name);
  return nullptr;
}

// (stats, values: Float64Array of GAUGES) -> undefined. This writer's figures
// (GaugeSlot: thread id, event-loop delay mean/p50/p99/max in ns, heap used,
// open connections, requests in flight), set once a second by JS; the read
// side lists them per live shard.
static napi_value JS_statsSetThread(napi_env env, napi_callback_info info) {
  GRIDDLE_ARGS(2);
  auto w = writerOf(env, argv[0]);
  void* data;
  size_t len;
  if (!w || !argTypedArray(env, argv[1], "values", napi_float64_array, &data, &len)) return nullptr;
  const double* v = static_cast<const double*>(data);
  for (size_t i = 0; i < GAUGES && i < len; i++) w->shard->gauges[i].store(v[i], std::memory_order_relaxed);
  return nullptr;
}

bool initStats(napi_env env, napi_value exports) {
  GRIDDLE_EXPORT(env, exports, "statsOpen", JS_statsOpen);
  GRIDDLE_EXPORT(env, exports, "statsRecord", JS_statsRecord);
  GRIDDLE_EXPORT(env, exports, "statsName", JS_statsName);
  GRIDDLE_EXPORT(env, exports, "statsSetThread", JS_statsSetThread);
  exportInt(env, exports, "STATS_KINDS", KIND_COUNT);
  exportInt(env, exports, "STATS_BUCKETS", BUCKETS);
  exportInt(env, exports, "STATS_MAX_SERIES", MAX_SERIES);
  exportInt(env, exports, "STATS_GAUGES", GAUGES);
  exportInt(env, exports, "STATS_GAUGE_CONNECTIONS", GAUGE_CONNECTIONS);
  exportInt(env, exports, "STATS_GAUGE_IN_FLIGHT", GAUGE_IN_FLIGHT);
  exportInt(env, exports, "STATS_RECORD_SLOTS", RECORD_SLOTS);
  exportInt(env, exports, "STATS_PENDING_MAX", PENDING_MAX);
  return initStatsRead(env, exports);
}

}  // namespace stats
}  // namespace griddle
