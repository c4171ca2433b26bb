#include "dispatch.h"

#include <algorithm>
#include <ctime>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "bucket.h"
#include "cache.h"
#include "dispatch-key.h"
#include "flags-route.h"
#include "release.h"
#include "router.h"
#include "snapshot.h"
#include "util/boundary.h"

namespace griddle {

using cache::CacheStore;
using cache::EntryMeta;

namespace {

using dispatchkey::KEY_VARIANT;
using Io = DispatchIo;

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
};

const napi_type_tag DISPATCH_TAG = {0x67726964646c6503ULL, 0x6469737061746368ULL};

// FRESH_UNIT_MS units since FRESH_EPOCH_S: the unit of EntryMeta.freshUntil.
uint32_t nowFreshUnits() {
  timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  int64_t ms = (static_cast<int64_t>(ts.tv_sec) - FRESH_EPOCH_S) * 1000 + ts.tv_nsec / 1000000;
  return ms < 0 ? 0 : static_cast<uint32_t>(ms / FRESH_UNIT_MS);
}

void writeEtag(uint8_t* dst, uint64_t etag) {
  static const char HEX[] = "0123456789abcdef";
  dst[0] = '"';
  for (int i = 0; i < 16; i++) dst[1 + i] = static_cast<uint8_t>(HEX[(etag >> (60 - 4 * i)) & 0xf]);
  dst[17] = '"';
}

// If-None-Match: "*", or a comma-separated list of (possibly weak) tags.
bool etagMatches(const char16_t* inm, size_t len, const uint8_t* etag) {
  size_t i = 0;
  while (i < len) {
    while (i < len && (inm[i] == u' ' || inm[i] == u',')) i++;
    if (i < len && inm[i] == u'*') return true;
    if (i + 1 < len && inm[i] == u'W' && inm[i + 1] == u'/') i += 2;
    size_t start = i;
    while (i < len && inm[i] != u',') i++;
    size_t end = i;
    while (end > start && inm[end - 1] == u' ') end--;
    if (end - start == ETAG_TEXT) {
      bool same = true;
      for (int k = 0; k < ETAG_TEXT && same; k++) same = inm[start + k] == etag[k];
      if (same) return true;
    }
  }
  return false;
}

// Probes one key; on a hit fills the io slots and the ETag after the body.
bool probe(Dispatcher& d, const char16_t* inm, size_t inmLen) {
  EntryMeta meta;
  uint32_t length = 0;
  size_t cap = d.outCap - ETAG_TEXT;
  const std::u16string& key = d.keys.key;
  int64_t n = cache::getInto(d.store.get(), key.data(), key.size(), d.out + ETAG_TEXT, cap, &meta, &length);
  if (n == cache::GET_TOO_SMALL) {
    d.io[Io::HIT] = Io::HIT_TOO_LARGE;
    return true;
  }
  if (n < 0) return false;
  // The value is [type length][content type][body] (see JS_dispatchStore).
  int64_t typeLen = d.out[ETAG_TEXT];
  if (n < 1 + typeLen) return false;
  writeEtag(d.out, meta.etag);
  d.io[Io::HIT] = static_cast<int32_t>(n - 1 - typeLen);
  d.io[Io::STATUS] = meta.status;
  d.io[Io::TYPE] = static_cast<int32_t>(typeLen) | (meta.variants & (VARIANT_GZIP | VARIANT_BR));
  d.io[Io::NOT_MODIFIED] = inmLen > 0 && etagMatches(inm, inmLen, d.out);
  d.io[Io::STALE] = meta.freshUntil != 0 && nowFreshUnits() > meta.freshUntil;
  return true;
}

// Tries the compressed variants the client accepts (when the route may have
// them), then the identity entry.
void probeVariants(Dispatcher& d, const char16_t* inm, size_t inmLen) {
  std::u16string& key = d.keys.key;
  size_t base = key.size();
  int32_t accept = d.io[Io::ACCEPT];
  d.io[Io::HIT] = Io::HIT_MISS;
  static const char16_t SUFFIX[3] = {0, u'g', u'b'};
  for (int enc = ENCODING_BR; enc >= ENCODING_GZIP; enc--) {
    if (!(accept & enc)) continue;
    key.push_back(KEY_VARIANT);
    key.push_back(SUFFIX[enc]);
    bool hit = probe(d, inm, inmLen);
    key.resize(base);
    if (hit) {
      d.io[Io::ENCODING] = enc;
      return;
    }
  }
  d.io[Io::ENCODING] = ENCODING_IDENTITY;
  probe(d, inm, inmLen);
}

// --- statistics: records the outcomes JS left in io (see dispatch.h) ---
inline void recordWaiting(Dispatcher& d) {
  if (d.stats) stats::recordSlots(d.stats.get(), d.io + IO_STATS_FIRST, d.io[IO_STATS_COUNT]);
  d.io[IO_STATS_COUNT] = 0;
}

Dispatcher* unwrapDispatcher(napi_env env, napi_value v) {
  return static_cast<Dispatcher*>(unwrapTagged(env, v, &DISPATCH_TAG, "argument 'dispatcher' is not a griddle dispatcher"));
}

}  // namespace

// hot path: measure before changing
// (path: string, query?: string, ifNoneMatch?: string, unitKey?: string) -> undefined. Looks the
// route up in the current snapshot (method codes from io), then for a route
// cached under the default key probes the cache, copying a hit's body into the
// output buffer; writes everything to io. One snapshot serves the whole call.
// The unit key's hash goes to io[UNIT_*]; on a route under a release, the
// version's arm and the ghost bit to io[ARM], io[GHOST], and a cached route
// probes under that arm's key.
static napi_value JS_dispatch(napi_env env, napi_callback_info info) {
  GRIDDLE_ARGS(4);
  auto& d = *static_cast<Dispatcher*>(fnData);
  Utf16Arg path, query, inm;
  if (!path.read(env, argv[0], "path") || !query.optional(env, argv[1], "query") ||
      !inm.optional(env, argv[2], "ifNoneMatch"))
    return nullptr;
  // flags: the unit key is hashed here, once per request (DESIGN.md §9).
  if (!bucket::hashUnitArg(env, argv[3], d.io + Io::UNIT_LO)) return nullptr;
  if (d.io[IO_STATS_COUNT] != 0) recordWaiting(d);  // statistics
  RouterHandle& r = *d.router;
  const RouteSnapshot& snap = r.read();
  int32_t method = d.io[Io::METHOD];
  int32_t id = method < 0 ? LOOKUP_NOT_FOUND
                          : lookup(snap, r.scratch, r.out, static_cast<uint32_t>(method), path.data, path.len);
  int32_t fallback = d.io[Io::FALLBACK];
  if (id == LOOKUP_NOT_FOUND && fallback >= 0) {
    method = fallback;
    id = lookup(snap, r.scratch, r.out, static_cast<uint32_t>(method), path.data, path.len);
  }
  d.io[Io::ROUTE] = id;
  d.io[Io::MATCHED] = method;
  d.io[Io::HIT] = Io::HIT_MISS;
  d.io[Io::ARM] = 0;
  d.io[Io::GHOST] = 0;
  if (d.arms) flags::computeRouteArms(*d.arms, id, d.io + Io::UNIT_LO, d.io + Io::EXP_ARM);  // experiments
  if (id < 0) return nullptr;
  // releases: one read of the release table, only for routes that have a slot.
  int32_t rs = snap.releaseSlot(id);
  if (rs >= 0 && d.releases) release::choose(*d.releases, rs, d.io + Io::UNIT_LO, d.io + Io::ARM, d.io + Io::GHOST);
  if (snap.cacheMode(id) != MODE_DEFAULT_KEY || !d.store || d.io[Io::EXP_ARM] < 0) return nullptr;
  dispatchkey::defaultKey(d.keys, method, path.data, path.len, query.data, query.len);
  dispatchkey::armKey(d.keys, d.io[Io::ARM]);       // releases
  dispatchkey::appendArms(d.keys, d.io[Io::EXP_ARM]);  // experiments
  probeVariants(d, inm.data, inm.len);
  if (d.arms && d.io[Io::HIT] >= 0) flags::countRouteArms(*d.arms);  // experiments: a hit is an exposure
  return nullptr;
}

// FNV-1a over the stored bytes: the entry's strong ETag.
static uint64_t hashBody(const uint8_t* p, size_t n) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (size_t i = 0; i < n; i++) h = (h ^ p[i]) * 0x100000001b3ULL;
  return h;
}

// (router, cache | null, io: Int32Array, out: Uint8Array) -> dispatch function,
// which is also the handle the other JS_dispatch* calls take. The router must
// belong to this thread (dispatch reads through its reader slot and scratch).
// The caller keeps io and out alive as long as the function.
static napi_value JS_dispatchCreate(napi_env env, napi_callback_info info) {
  GRIDDLE_ARGS(4);
  auto d = std::make_unique<Dispatcher>();
  d->router = routerOf(env, argv[0]);
  if (d->router == nullptr) return nullptr;
  napi_valuetype t;
  napi_typeof(env, argv[1], &t);
  if (t != napi_null && t != napi_undefined && !(d->store = cacheStoreOf(env, argv[1]))) return nullptr;
  void *io, *out;
  size_t ioLen, outLen;
  if (!argTypedArray(env, argv[2], "io", napi_int32_array, &io, &ioLen) ||
      !argTypedArray(env, argv[3], "out", napi_uint8_array, &out, &outLen))
    return nullptr;
  if (ioLen < IO_TOTAL || outLen <= OUT_HEADER_MAX) return throwType(env, "GRIDDLE_ERR_INVALID_ARG", "io or out is too short");
  d->io = static_cast<int32_t*>(io);
  d->out = static_cast<uint8_t*>(out);
  d->outCap = outLen;
  napi_create_reference(env, argv[0], 1, &d->routerRef);
  napi_value fn;
  Dispatcher* raw = d.get();
  if (napi_create_function(env, "dispatch", NAPI_AUTO_LENGTH, JS_dispatch, raw, &fn) != napi_ok ||
      napi_wrap(env, fn, raw,
                [](napi_env env, void* p, void*) {
                  auto* dd = static_cast<Dispatcher*>(p);
                  napi_delete_reference(env, dd->routerRef);
                  delete dd;
                },
                nullptr, nullptr) != napi_ok) {
    napi_delete_reference(env, raw->routerRef);
    return nullptr;
  }
  d.release();
  napi_type_tag_object(env, fn, &DISPATCH_TAG);
  return fn;
}

static napi_value stringValue(napi_env env, const std::u16string& s) {
  napi_value r;
  napi_create_string_utf16(env, s.data(), s.size(), &r);
  return r;
}

// (dispatcher, method: int, path: string, query?: string, arm?: int) -> the
// default cache key (of that version's arm, when not 0).
static napi_value JS_dispatchKey(napi_env env, napi_callback_info info) {
  GRIDDLE_ARGS(5);
  Dispatcher* d = unwrapDispatcher(env, argv[0]);
  int32_t method, arm = 0;
  Utf16Arg path, query;
  napi_valuetype t;
  napi_typeof(env, argv[4], &t);
  if (d == nullptr || !argInt32(env, argv[1], "method", &method) || !path.read(env, argv[2], "path") ||
      !query.optional(env, argv[3], "query") || (t != napi_undefined && !argInt32(env, argv[4], "arm", &arm)))
    return nullptr;
  if (arm < 0 || arm > release::MAX_ARM) return throwType(env, "GRIDDLE_ERR_INVALID_ARG", "bad arm id");
  dispatchkey::defaultKey(d->keys, method, path.data, path.len, query.data, query.len);
  dispatchkey::armKey(d->keys, arm);
  return stringValue(env, d->keys.key);
}

// (dispatcher, routeId: int, key: string) -> the cache key of an application
// key on that route: scoped to the route, unless its mode is MODE_SHARED_KEY.
static napi_value JS_dispatchCustomKey(napi_env env, napi_callback_info info) {
  GRIDDLE_ARGS(3);
  Dispatcher* d = unwrapDispatcher(env, argv[0]);
  int32_t id;
  Utf16Arg key;
  if (d == nullptr || !argInt32(env, argv[1], "routeId", &id) || !key.read(env, argv[2], "key")) return nullptr;
  if (id < 0) return throwType(env, "GRIDDLE_ERR_INVALID_ARG", "argument 'routeId' must be >= 0");
  const RouteSnapshot& snap = d->router->read();
  dispatchkey::customKey(d->keys, snap.cacheMode(id) == MODE_SHARED_KEY ? -1 : id, key.data, key.len);
  return stringValue(env, d->keys.key);
}

// (dispatcher, key: string, ifNoneMatch?: string) -> undefined. The cache half
// of JS_dispatch for a key computed in JS (routes with a custom key).
static napi_value JS_dispatchProbe(napi_env env, napi_callback_info info) {
  GRIDDLE_ARGS(3);
  Dispatcher* d = unwrapDispatcher(env, argv[0]);
  Utf16Arg key, inm;
  if (d == nullptr || !key.read(env, argv[1], "key") || !inm.optional(env, argv[2], "ifNoneMatch"))
    return nullptr;
  d->io[Io::HIT] = Io::HIT_MISS;
  if (!d->store) return nullptr;
  d->keys.key.assign(key.data, key.len);
  probeVariants(*d, inm.data, inm.len);
  return nullptr;
}

// (dispatcher, key, encoding: 0|1|2, body: Uint8Array, ttlMs, tags | null,
//  status, type: Uint8Array, variants, freshUntil) -> boolean stored; when
// stored, the entry's ETag text is written at the start of out. type is
// the Content-Type header value (at most 255 bytes), stored in front of the
// body so that every thread sharing the store answers with it; variants the
// VARIANT_* bits of the identity entry, freshUntil the time since
// FRESH_EPOCH_S in FRESH_UNIT_MS units (0: no stale window).
static napi_value JS_dispatchStore(napi_env env, napi_callback_info info) {
  GRIDDLE_ARGS(10);
  Dispatcher* d = unwrapDispatcher(env, argv[0]);
  Utf16Arg key;
  int32_t encoding, status, variants;
  double ttlMs, freshUntil;
  void *body, *type;
  size_t bodyLen, typeLen;
  std::vector<std::string> tags;
  if (d == nullptr || !key.read(env, argv[1], "key") || !argInt32(env, argv[2], "encoding", &encoding) ||
      !argTypedArray(env, argv[3], "body", napi_uint8_array, &body, &bodyLen) || !argDouble(env, argv[4], "ttlMs", &ttlMs) ||
      !argInt32(env, argv[6], "status", &status) || !argTypedArray(env, argv[7], "type", napi_uint8_array, &type, &typeLen) ||
      !argInt32(env, argv[8], "variants", &variants) || !argDouble(env, argv[9], "freshUntil", &freshUntil))
    return nullptr;
  if (!readTags(env, argv[5], &tags)) return throwType(env, "GRIDDLE_ERR_INVALID_ARG", "argument 'tags' must be strings");
  if (typeLen > TYPE_MAX) return throwType(env, "GRIDDLE_ERR_INVALID_ARG", "argument 'type' is longer than 255 bytes");
  napi_value r;
  if (!d->store) {
    napi_get_boolean(env, false, &r);
    return r;
  }
  std::u16string k(key.data, key.len);
  if (encoding == ENCODING_GZIP || encoding == ENCODING_BR) {
    k.push_back(KEY_VARIANT);
    k.push_back(encoding == ENCODING_GZIP ? u'g' : u'b');
  }
  std::vector<std::string_view> views(tags.begin(), tags.end());
  EntryMeta meta;
  meta.status = static_cast<uint16_t>(status);
  meta.variants = static_cast<uint16_t>(variants & (VARIANT_GZIP | VARIANT_BR));
  meta.freshUntil = static_cast<uint32_t>(freshUntil);
  meta.etag = hashBody(static_cast<const uint8_t*>(body), bodyLen);
  std::vector<uint8_t> value(1 + typeLen + bodyLen);
  value[0] = static_cast<uint8_t>(typeLen);
  std::copy_n(static_cast<const uint8_t*>(type), typeLen, value.begin() + 1);
  std::copy_n(static_cast<const uint8_t*>(body), bodyLen, value.begin() + 1 + typeLen);
  cache::SetOptions options;
  options.ttlMs = static_cast<int64_t>(ttlMs);
  options.tags = views.data();
  options.tagCount = views.size();
  options.meta = &meta;
  bool ok = cache::set(d->store.get(), k.data(), k.size(), value.data(), value.size(), options);
  // The answer being stored goes out with the same ETag its hits will carry.
  if (ok) writeEtag(d->out, meta.etag);
  napi_get_boolean(env, ok, &r);
  return r;
}

// Removes key and its compressed variants; returns how many entries went.
static int32_t removeWithVariants(CacheStore* store, std::u16string k) {
  int32_t removed = cache::remove(store, k.data(), k.size());
  size_t base = k.size();
  for (char16_t suffix : {u'g', u'b'}) {
    k.resize(base);
    k.push_back(KEY_VARIANT);
    k.push_back(suffix);
    removed += cache::remove(store, k.data(), k.size());
  }
  return removed;
}

// Removes key, its compressed variants, and the same under every release arm.
static int32_t removeEveryArm(Dispatcher& d, const std::u16string& k) {
  int32_t removed = removeWithVariants(d.store.get(), k);
  int32_t arms = d.releases ? d.releases->table->arms() : 0;
  for (int32_t arm = 1; arm <= arms; arm++) {
    std::u16string a = k;
    a.insert(0, {dispatchkey::KEY_ARM, static_cast<char16_t>(arm)});
    removed += removeWithVariants(d.store.get(), a);
  }
  return removed;
}

// (dispatcher, key) -> number of entries removed (the identity entry and its
// variants, under every release arm).
static napi_value JS_dispatchDelete(napi_env env, napi_callback_info info) {
  GRIDDLE_ARGS(2);
  Dispatcher* d = unwrapDispatcher(env, argv[0]);
  Utf16Arg key;
  if (d == nullptr || !key.read(env, argv[1], "key")) return nullptr;
  int32_t removed = d->store ? removeEveryArm(*d, std::u16string(key.data, key.len)) : 0;
  napi_value r;
  napi_create_int32(env, removed, &r);
  return r;
}

// (dispatcher, key) -> number of entries removed: an application key under
// every route that scopes its keys, and under the shared scope.
static napi_value JS_dispatchDeleteCustom(napi_env env, napi_callback_info info) {
  GRIDDLE_ARGS(2);
  Dispatcher* d = unwrapDispatcher(env, argv[0]);
  Utf16Arg key;
  if (d == nullptr || !key.read(env, argv[1], "key")) return nullptr;
  int32_t removed = 0;
  if (d->store) {
    const RouteSnapshot& snap = d->router->read();
    dispatchkey::customKey(d->keys, -1, key.data, key.len);
    removed += removeEveryArm(*d, d->keys.key);
    for (size_t id = 0; id < snap.routes.size(); id++) {
      if (snap.routes[id].cacheMode != MODE_CUSTOM_KEY) continue;
      dispatchkey::customKey(d->keys, static_cast<int32_t>(id), key.data, key.len);
      removed += removeEveryArm(*d, d->keys.key);
    }
  }
  napi_value r;
  napi_create_int32(env, removed, &r);
  return r;
}

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

bool initDispatch(napi_env env, napi_value exports) {
  GRIDDLE_EXPORT(env, exports, "dispatchCreate", JS_dispatchCreate);
  GRIDDLE_EXPORT(env, exports, "dispatchKey", JS_dispatchKey);
  GRIDDLE_EXPORT(env, exports, "dispatchCustomKey", JS_dispatchCustomKey);
  GRIDDLE_EXPORT(env, exports, "dispatchProbe", JS_dispatchProbe);
  GRIDDLE_EXPORT(env, exports, "dispatchStore", JS_dispatchStore);
  GRIDDLE_EXPORT(env, exports, "dispatchDelete", JS_dispatchDelete);
  GRIDDLE_EXPORT(env, exports, "dispatchDeleteCustom", JS_dispatchDeleteCustom);
  napi_value l = exportObject(env, exports, "DISPATCH");
  if (l == nullptr) return false;
  static const struct { const char* name; int32_t value; } INTS[] = {
      {"IO_METHOD", Io::METHOD}, {"IO_FALLBACK", Io::FALLBACK}, {"IO_ACCEPT", Io::ACCEPT},
      {"IO_ROUTE", Io::ROUTE}, {"IO_MATCHED", Io::MATCHED}, {"IO_HIT", Io::HIT},
      {"IO_STATUS", Io::STATUS}, {"IO_TYPE", Io::TYPE}, {"IO_ENCODING", Io::ENCODING},
      {"IO_NOT_MODIFIED", Io::NOT_MODIFIED}, {"IO_STALE", Io::STALE}, {"IO_SIZE", Io::SIZE},
       {"IO_UNIT_LO", Io::UNIT_LO}, {"IO_UNIT_HI", Io::UNIT_HI}, {"IO_UNIT_SET", Io::UNIT_SET},
       {"IO_ARM", Io::ARM}, {"IO_GHOST", Io::GHOST}, {"KEY_ARM", dispatchkey::KEY_ARM},
       {"IO_STATS_COUNT", IO_STATS_COUNT}, {"IO_STATS_FIRST", IO_STATS_FIRST}, {"IO_TOTAL", IO_TOTAL},
      {"HIT_MISS", Io::HIT_MISS}, {"HIT_TOO_LARGE", Io::HIT_TOO_LARGE}, {"TYPE_LENGTH_MASK", Io::TYPE_LENGTH_MASK},
      {"ENCODING_IDENTITY", ENCODING_IDENTITY}, {"ENCODING_GZIP", ENCODING_GZIP}, {"ENCODING_BR", ENCODING_BR},
      {"VARIANT_GZIP", VARIANT_GZIP}, {"VARIANT_BR", VARIANT_BR},
      {"MODE_NONE", MODE_NONE}, {"MODE_DEFAULT_KEY", MODE_DEFAULT_KEY}, {"MODE_CUSTOM_KEY", MODE_CUSTOM_KEY},
      {"MODE_SHARED_KEY", MODE_SHARED_KEY},
      {"ETAG_TEXT", ETAG_TEXT}, {"TYPE_MAX", TYPE_MAX}, {"OUT_HEADER_MAX", OUT_HEADER_MAX},
      {"FRESH_EPOCH_S", static_cast<int32_t>(FRESH_EPOCH_S)}, {"FRESH_UNIT_MS", FRESH_UNIT_MS},
  };
  for (const auto& c : INTS) exportInt(env, l, c.name, c.value);
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

}  // namespace griddle
