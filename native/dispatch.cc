#include "dispatch.h"

#include <algorithm>
#include <cstring>
#include <ctime>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "bucket.h"
#include "dispatch-state.h"
#include "snapshot.h"
#include "util/boundary.h"

namespace griddle {

using cache::EntryMeta;

namespace dispatchstate {
namespace {

using dispatchkey::KEY_VARIANT;
using Io = DispatchIo;

const napi_type_tag DISPATCH_TAG = {0x67726964646c6503ULL, 0x6469737061746368ULL};

// FRESH_UNIT_MS units since FRESH_EPOCH_S: the unit of EntryMeta.freshUntil.
uint32_t nowFreshUnits() {
  timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  int64_t ms = (static_cast<int64_t>(ts.tv_sec) - FRESH_EPOCH_S) * 1000 + ts.tv_nsec / 1000000;
  return ms < 0 ? 0 : static_cast<uint32_t>(ms / FRESH_UNIT_MS);
}

}  // namespace

void writeEtag(uint8_t* dst, uint64_t etag) {
  static const char HEX[] = "0123456789abcdef";
  dst[0] = '"';
  for (int i = 0; i < 16; i++) dst[1 + i] = static_cast<uint8_t>(HEX[(etag >> (60 - 4 * i)) & 0xf]);
  dst[17] = '"';
}

namespace {

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

}  // namespace

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

Dispatcher* unwrapDispatcher(napi_env env, napi_value v) {
  return static_cast<Dispatcher*>(unwrapTagged(env, v, &DISPATCH_TAG, "argument 'dispatcher' is not a griddle dispatcher"));
}

}  // namespace dispatchstate

using namespace dispatchstate;
using Io = DispatchIo;

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
  // statistics: a request's latency runs from here (one vDSO clock read, no JS clock call).
  double startMs = static_cast<double>(monotonicNs() - d.originNs) / 1e6;
  std::memcpy(d.io + Io::START, &startMs, sizeof startMs);
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

// (router, cache | null, io: Int32Array, out: Uint8Array, nowMs: number) -> dispatch
// function, which is also the handle the other JS_dispatch* calls take. nowMs is
// performance.now() read just before the call: both clocks are CLOCK_MONOTONIC, so
// the origin found here holds for the process's life; it is off by the time between
// that read and ours (the crossing, well under 10 µs), by which io[START] reads
// early and every latency long. The router must
// belong to this thread (dispatch reads through its reader slot and scratch).
// The caller keeps io and out alive as long as the function.
static napi_value JS_dispatchCreate(napi_env env, napi_callback_info info) {
  GRIDDLE_ARGS(5);
  auto d = std::make_unique<Dispatcher>();
  double nowMs = 0;
  if (napi_get_value_double(env, argv[4], &nowMs) != napi_ok) return throwType(env, "GRIDDLE_ERR_INVALID_ARG", "nowMs must be a number");
  d->originNs = monotonicNs() - static_cast<int64_t>(nowMs * 1e6);
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

bool initDispatch(napi_env env, napi_value exports) {
  GRIDDLE_EXPORT(env, exports, "dispatchCreate", JS_dispatchCreate);
  napi_value l = exportObject(env, exports, "DISPATCH");
  if (l == nullptr) return false;
  static const struct { const char* name; int32_t value; } INTS[] = {
      {"IO_METHOD", Io::METHOD}, {"IO_FALLBACK", Io::FALLBACK}, {"IO_ACCEPT", Io::ACCEPT},
      {"IO_ROUTE", Io::ROUTE}, {"IO_MATCHED", Io::MATCHED}, {"IO_HIT", Io::HIT},
      {"IO_STATUS", Io::STATUS}, {"IO_TYPE", Io::TYPE}, {"IO_ENCODING", Io::ENCODING},
      {"IO_NOT_MODIFIED", Io::NOT_MODIFIED}, {"IO_STALE", Io::STALE}, {"IO_SIZE", Io::SIZE},
       {"IO_UNIT_LO", Io::UNIT_LO}, {"IO_UNIT_HI", Io::UNIT_HI}, {"IO_UNIT_SET", Io::UNIT_SET},
       {"IO_ARM", Io::ARM}, {"IO_GHOST", Io::GHOST}, {"IO_START", Io::START}, {"KEY_ARM", dispatchkey::KEY_ARM},
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
  return initDispatchCache(env, exports) && initDispatchSetup(env, exports, l);
}

}  // namespace griddle
