// Read side of native/stats.h: merges every shard into one view, computes
// percentiles and fixed-bucket counts natively (so a scrape copies a few
// numbers per series, not 1,984 buckets), and keeps baselines for readers
// that want what happened since their last read (StatsD deltas, the
// dashboard's one-second series). Slow path: allocates freely.
#include <cmath>
#include <map>
#include <vector>

#include "stats-registry.h"
#include "util/boundary.h"

namespace griddle {
namespace stats {

namespace {

const napi_type_tag BASELINE_TAG = {0x67726964646c6504ULL, 0x7374617473000002ULL};
constexpr int HEADER = 2;  // [rows, dropped]
constexpr int ROW_FIXED = 8;  // route, method, status, arm, count, sumNs, maxNs, bytes

struct Sums {
  uint64_t count = 0, sumNs = 0, maxNs = 0, bytes = 0;
  uint64_t kinds[KIND_COUNT] = {};
  uint64_t buckets[BUCKETS] = {};
};

struct Baseline {
  std::shared_ptr<Registry> registry;
  std::vector<std::unique_ptr<Sums>> last = std::vector<std::unique_ptr<Sums>>(TABLE);
};

void merge(Registry& r, uint32_t slot, Sums* into) {
  uint32_t n = r.shardCount.load(std::memory_order_acquire);
  for (uint32_t i = 0; i < n; i++) {
    SeriesData* d = r.shards[i].load(std::memory_order_acquire)->data[slot].load(std::memory_order_acquire);
    if (d == nullptr) continue;
    into->count += d->count.load(std::memory_order_relaxed);
    into->sumNs += d->sumNs.load(std::memory_order_relaxed);
    into->bytes += d->bytes.load(std::memory_order_relaxed);
    uint64_t m = d->maxNs.load(std::memory_order_relaxed);
    if (m > into->maxNs) into->maxNs = m;
    for (int k = 0; k < KIND_COUNT; k++) into->kinds[k] += d->kinds[k].load(std::memory_order_relaxed);
    for (int b = 0; b < BUCKETS; b++) into->buckets[b] += d->buckets[b].load(std::memory_order_relaxed);
  }
}

// cur -= prev, field by field; prev = the old cur. Counters only grow, but a
// shard's counts are read one by one while it records, so clamp at zero.
void subtract(Sums* cur, Sums* prev) {
  Sums now = *cur;
  auto sub = [](uint64_t a, uint64_t b) { return a > b ? a - b : 0; };
  cur->count = sub(cur->count, prev->count);
  cur->sumNs = sub(cur->sumNs, prev->sumNs);
  cur->bytes = sub(cur->bytes, prev->bytes);
  for (int k = 0; k < KIND_COUNT; k++) cur->kinds[k] = sub(cur->kinds[k], prev->kinds[k]);
  int top = -1;
  for (int b = 0; b < BUCKETS; b++) {
    cur->buckets[b] = sub(cur->buckets[b], prev->buckets[b]);
    if (cur->buckets[b] > 0) top = b;
  }
  // The interval's maximum is known to the bucket (within 1/128), not exactly.
  if (top >= 0 && bucketValue(top) < static_cast<double>(now.maxNs)) cur->maxNs = static_cast<uint64_t>(bucketValue(top));
  if (top < 0) cur->maxNs = 0;
  *prev = now;
}

double quantile(const Sums& s, double q) {
  if (s.count == 0) return 0;
  if (q >= 1) return static_cast<double>(s.maxNs);
  double want = std::ceil(q * static_cast<double>(s.count));
  uint64_t rank = want < 1 ? 1 : static_cast<uint64_t>(want);
  uint64_t seen = 0;
  for (int b = 0; b < BUCKETS; b++) {
    seen += s.buckets[b];
    if (seen >= rank) {
      double v = bucketValue(b);
      return v > static_cast<double>(s.maxNs) ? static_cast<double>(s.maxNs) : v;
    }
  }
  return static_cast<double>(s.maxNs);
}

bool argFloats(napi_env env, napi_value v, const char* name, const double** data, size_t* len) {
  void* p;
  if (!argTypedArray(env, v, name, napi_float64_array, &p, len)) return false;
  *data = static_cast<const double*>(p);
  return true;
}

napi_value float64Array(napi_env env, const std::vector<double>& values) {
  napi_value ab, arr;
  void* data;
  if (napi_create_arraybuffer(env, values.size() * sizeof(double), &data, &ab) != napi_ok) return nullptr;
  std::copy(values.begin(), values.end(), static_cast<double*>(data));
  napi_create_typedarray(env, napi_float64_array, values.size(), ab, 0, &arr);
  return arr;
}

}  // namespace

void appendRow(std::vector<double>& out, int32_t route, int32_t method, int32_t status, int32_t arm, const Sums& s,
               const double* qs, size_t nq, const double* bounds, size_t nb) {
  out[0] += 1;
  double fixed[ROW_FIXED] = {double(route), double(method), double(status), double(arm),
                             double(s.count), double(s.sumNs), double(s.maxNs), double(s.bytes)};
  out.insert(out.end(), fixed, fixed + ROW_FIXED);
  for (int k = 0; k < KIND_COUNT; k++) out.push_back(static_cast<double>(s.kinds[k]));
  for (size_t i = 0; i < nq; i++) out.push_back(quantile(s, qs[i]));
  uint64_t below = 0;
  int b = 0;
  for (size_t i = 0; i < nb; i++) {
    while (b < BUCKETS && bucketValue(b) <= bounds[i]) below += s.buckets[b++];
    out.push_back(static_cast<double>(below));
  }
}

void add(Sums* into, const Sums& s) {
  into->count += s.count;
  into->sumNs += s.sumNs;
  into->bytes += s.bytes;
  if (s.maxNs > into->maxNs) into->maxNs = s.maxNs;
  for (int k = 0; k < KIND_COUNT; k++) into->kinds[k] += s.kinds[k];
  for (int b = 0; b < BUCKETS; b++) into->buckets[b] += s.buckets[b];
}

// (stats, baseline | null, quantiles: Float64Array, boundsNs: Float64Array,
// byRoute?: boolean) -> Float64Array [rows, dropped, then per series: route,
// method, status, arm, count, sumNs, maxNs, bytes, counts per kind, each
// quantile in ns, and for each bound the number of latencies at or below it].
// With a baseline: only what happened since that baseline's last read, and
// only series with some. byRoute merges the series of each (route, arm)
// first (method and status are then -1): quantiles cannot be merged later.
static napi_value JS_statsRead(napi_env env, napi_callback_info info) {
  GRIDDLE_ARGS(5);
  auto r = registryOf(env, argv[0]);
  if (!r) return nullptr;
  Baseline* base = nullptr;
  napi_valuetype t;
  napi_typeof(env, argv[1], &t);
  if (t != napi_null && t != napi_undefined) {
    bool ok = false;
    void* p = nullptr;
    if (t == napi_external) napi_check_object_type_tag(env, argv[1], &BASELINE_TAG, &ok);
    if (!ok || napi_get_value_external(env, argv[1], &p) != napi_ok) return throwType(env, "GRIDDLE_ERR_INVALID_HANDLE", "argument 'baseline' is not a stats baseline");
    base = static_cast<Baseline*>(p);
    if (base->registry != r) return throwType(env, "GRIDDLE_ERR_INVALID_ARG", "the baseline belongs to other statistics");
  }
  const double *qs, *bounds;
  size_t nq, nb;
  if (!argFloats(env, argv[2], "quantiles", &qs, &nq) || !argFloats(env, argv[3], "boundsNs", &bounds, &nb)) return nullptr;
  bool byRoute = false;
  napi_get_value_bool(env, argv[4], &byRoute);  // undefined stays false
  std::vector<double> out(HEADER, 0);
  out[1] = static_cast<double>(r->dropped.load(std::memory_order_relaxed));
  std::map<uint64_t, std::unique_ptr<Sums>> groups;
  Sums s;
  for (uint32_t slot = 0; slot < TABLE; slot++) {
    uint64_t key = r->keys[slot].load(std::memory_order_acquire);
    if (key == 0) continue;
    s = Sums();
    merge(*r, slot, &s);
    if (base != nullptr) {
      auto& prev = base->last[slot];
      if (!prev) prev = std::make_unique<Sums>();
      subtract(&s, prev.get());
    }
    if (s.count == 0) continue;
    if (!byRoute) {
      appendRow(out, keyRoute(key), keyMethod(key), keyStatus(key), keyArm(key), s, qs, nq, bounds, nb);
      continue;
    }
    auto& g = groups[packKey(keyRoute(key), 0, 0, keyArm(key))];
    if (!g) g = std::make_unique<Sums>();
    add(g.get(), s);
  }
  for (auto& [key, g] : groups) appendRow(out, keyRoute(key), -1, -1, keyArm(key), *g, qs, nq, bounds, nb);
  return float64Array(env, out);
}

// (stats) -> baseline handle for JS_statsRead, starting from nothing.
static napi_value JS_statsBaseline(napi_env env, napi_callback_info info) {
  GRIDDLE_ARGS(1);
  auto r = registryOf(env, argv[0]);
  if (!r) return nullptr;
  return taggedExternal(env, new Baseline{r}, &BASELINE_TAG);
}

// (stats, routes: Int32Array, arm (-1: any), quantiles: Float64Array, out:
// Float64Array) -> requests counted. Merges every series of those routes and
// that arm (all methods and statuses) and writes each quantile in ns to out.
static napi_value JS_statsQuantiles(napi_env env, napi_callback_info info) {
  GRIDDLE_ARGS(5);
  auto r = registryOf(env, argv[0]);
  void *routesData, *outData;
  size_t nr, no, nq;
  const double* qs;
  int32_t arm;
  if (!r || !argTypedArray(env, argv[1], "routes", napi_int32_array, &routesData, &nr) || !argInt32(env, argv[2], "arm", &arm) ||
      !argFloats(env, argv[3], "quantiles", &qs, &nq) || !argTypedArray(env, argv[4], "out", napi_float64_array, &outData, &no))
    return nullptr;
  const int32_t* routes = static_cast<const int32_t*>(routesData);
  Sums s;
  for (uint32_t slot = 0; slot < TABLE; slot++) {
    uint64_t key = r->keys[slot].load(std::memory_order_acquire);
    if (key == 0 || (arm >= 0 && keyArm(key) != arm)) continue;
    bool wanted = false;
    for (size_t i = 0; i < nr && !wanted; i++) wanted = routes[i] == keyRoute(key);
    if (wanted) merge(*r, slot, &s);
  }
  double* out = static_cast<double*>(outData);
  for (size_t i = 0; i < nq && i < no; i++) out[i] = quantile(s, qs[i]);
  napi_value n;
  napi_create_double(env, static_cast<double>(s.count), &n);
  return n;
}

// (stats) -> [what, id, name, what, id, name, ...]: every name set with JS_statsName.
static napi_value JS_statsNames(napi_env env, napi_callback_info info) {
  GRIDDLE_ARGS(1);
  auto r = registryOf(env, argv[0]);
  if (!r) return nullptr;
  napi_value arr;
  napi_create_array(env, &arr);
  std::lock_guard<std::mutex> lock(r->mu);
  uint32_t i = 0;
  for (auto& [k, name] : r->names) {
    napi_value a, b, c;
    napi_create_int32(env, k.first, &a);
    napi_create_int32(env, k.second, &b);
    napi_create_string_utf8(env, name.data(), name.size(), &c);
    napi_set_element(env, arr, i++, a);
    napi_set_element(env, arr, i++, b);
    napi_set_element(env, arr, i++, c);
  }
  return arr;
}

// (stats) -> Float64Array: GAUGES values (see JS_statsSetThread) per shard
// that a live writer holds.
static napi_value JS_statsThreads(napi_env env, napi_callback_info info) {
  GRIDDLE_ARGS(1);
  auto r = registryOf(env, argv[0]);
  if (!r) return nullptr;
  std::vector<double> out;
  {
    std::lock_guard<std::mutex> lock(r->mu);
    uint32_t n = r->shardCount.load(std::memory_order_acquire);
    for (uint32_t i = 0; i < n; i++) {
      Shard* s = r->shards[i].load(std::memory_order_acquire);
      if (!s->leased) continue;
      for (auto& g : s->gauges) out.push_back(g.load(std::memory_order_relaxed));
    }
  }
  return float64Array(env, out);
}

bool initStatsRead(napi_env env, napi_value exports) {
  GRIDDLE_EXPORT(env, exports, "statsRead", JS_statsRead);
  GRIDDLE_EXPORT(env, exports, "statsBaseline", JS_statsBaseline);
  GRIDDLE_EXPORT(env, exports, "statsQuantiles", JS_statsQuantiles);
  GRIDDLE_EXPORT(env, exports, "statsNames", JS_statsNames);
  GRIDDLE_EXPORT(env, exports, "statsThreads", JS_statsThreads);
  exportInt(env, exports, "STATS_READ_HEADER", HEADER);
  exportInt(env, exports, "STATS_ROW_FIXED", ROW_FIXED);
  return true;
}

}  // namespace stats
}  // namespace griddle
