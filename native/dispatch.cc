#include "dispatch.h"

#include <algorithm>
#include <ctime>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "bucket.h"
#include "cache.h"
#include "router.h"
#include "util/boundary.h"

namespace griddle {

using cache::CacheStore;
using cache::EntryMeta;

namespace {

// Cache keys: one char for the kind, then the parts. The default key is the
// matched method code, the path, and the query with its pairs sorted, so that
// `?a=1&b=2` and `?b=2&a=1` share an entry. Variants add an encoding suffix.
constexpr char16_t KEY_DEFAULT = u'\x01';
constexpr char16_t KEY_CUSTOM = u'\x03';
constexpr char16_t KEY_VARIANT = u'\x02';

struct Dispatcher {
  napi_ref routerRef = nullptr;  // keeps the router's lookup function, and so its core, alive
  RouterCore* router = nullptr;
  std::shared_ptr<CacheStore> store;
  int32_t* io = nullptr;
  uint8_t* out = nullptr;
  size_t outCap = 0;
  std::vector<uint8_t> modes;  // CacheMode per route id
  std::u16string key;          // scratch
  std::vector<std::u16string_view> pairs;
};

const napi_type_tag DISPATCH_TAG = {0x67726964646c6503ULL, 0x6469737061746368ULL};

// Deciseconds since 2026-01-01 UTC: the unit of an entry's fresh-until time,
// kept in EntryMeta.flags (32 bits last until 2039).
uint32_t nowDeciseconds() {
  timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  constexpr int64_t EPOCH = 1767225600;
  int64_t ds = (static_cast<int64_t>(ts.tv_sec) - EPOCH) * 10 + ts.tv_nsec / 100000000;
  return ds < 0 ? 0 : static_cast<uint32_t>(ds);
}

void appendSortedQuery(Dispatcher& d, const char16_t* q, size_t len) {
  d.pairs.clear();
  size_t start = 0;
  for (size_t i = 0; i <= len; i++) {
    if (i == len || q[i] == u'&') {
      if (i > start) d.pairs.emplace_back(q + start, i - start);
      start = i + 1;
    }
  }
  std::sort(d.pairs.begin(), d.pairs.end());
  for (size_t i = 0; i < d.pairs.size(); i++) {
    if (i > 0) d.key.push_back(u'&');
    d.key.append(d.pairs[i]);
  }
}

void defaultKey(Dispatcher& d, int32_t method, const char16_t* path, size_t pathLen, const char16_t* query,
                size_t queryLen) {
  d.key.clear();
  d.key.push_back(KEY_DEFAULT);
  d.key.push_back(static_cast<char16_t>(method + 1));
  d.key.append(path, pathLen);
  d.key.push_back(u'?');
  appendSortedQuery(d, query, queryLen);
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
  int64_t n = cache::getInto(d.store.get(), d.key.data(), d.key.size(), d.out + ETAG_TEXT, cap, &meta, &length);
  if (n == cache::GET_TOO_SMALL) {
    d.io[IO_HIT] = -2;
    return true;
  }
  if (n < 0) return false;
  // The value is [type length][content type][body] (see JS_dispatchStore).
  int64_t typeLen = d.out[ETAG_TEXT];
  if (n < 1 + typeLen) return false;
  writeEtag(d.out, meta.etag);
  d.io[IO_HIT] = static_cast<int32_t>(n - 1 - typeLen);
  d.io[IO_STATUS] = meta.status;
  d.io[IO_TYPE] = static_cast<int32_t>(typeLen) | (meta.contentType & (VARIANT_GZIP | VARIANT_BR));
  d.io[IO_NOT_MODIFIED] = inmLen > 0 && etagMatches(inm, inmLen, d.out);
  d.io[IO_STALE] = meta.flags != 0 && nowDeciseconds() > meta.flags;
  return true;
}

// Tries the compressed variants the client accepts (when the route may have
// them), then the identity entry.
void probeVariants(Dispatcher& d, const char16_t* inm, size_t inmLen) {
  size_t base = d.key.size();
  int32_t accept = d.io[IO_ACCEPT];
  d.io[IO_HIT] = -1;
  static const char16_t SUFFIX[3] = {0, u'g', u'b'};
  for (int enc = 2; enc >= 1; enc--) {
    if (!(accept & enc)) continue;
    d.key.push_back(KEY_VARIANT);
    d.key.push_back(SUFFIX[enc]);
    bool hit = probe(d, inm, inmLen);
    d.key.resize(base);
    if (hit) {
      d.io[IO_ENCODING] = enc;
      return;
    }
  }
  d.io[IO_ENCODING] = 0;
  probe(d, inm, inmLen);
}

Dispatcher* unwrapDispatcher(napi_env env, napi_value v) {
  return static_cast<Dispatcher*>(unwrapTagged(env, v, &DISPATCH_TAG, "argument 'dispatcher' is not a griddle dispatcher"));
}

}  // namespace

// hot path: measure before changing
// (path: string, query?: string, ifNoneMatch?: string, unitKey?: string) ->
// undefined. Looks the route up (method codes from io), then for a cached
// route probes the cache, copying a hit's body into the output buffer; writes
// everything to io, the unit key's hash to IO_UNIT_*.
static napi_value JS_dispatch(napi_env env, napi_callback_info info) {
  GRIDDLE_ARGS(4);
  auto& d = *static_cast<Dispatcher*>(fnData);
  Utf16Arg path, query, inm;
  if (!path.read(env, argv[0], "path") || !query.optional(env, argv[1], "query") ||
      !inm.optional(env, argv[2], "ifNoneMatch"))
    return nullptr;
  // flags: the unit key is hashed here, once per request (DESIGN.md §9).
  if (!bucket::hashUnitArg(env, argv[3], d.io + IO_UNIT_LO)) return nullptr;
  int32_t method = d.io[IO_METHOD];
  int32_t id = method < 0 ? LOOKUP_NOT_FOUND : d.router->lookup(static_cast<uint32_t>(method), path.data, path.len);
  int32_t fallback = d.io[IO_FALLBACK];
  if (id == LOOKUP_NOT_FOUND && fallback >= 0) {
    method = fallback;
    id = d.router->lookup(static_cast<uint32_t>(method), path.data, path.len);
  }
  d.io[IO_ROUTE] = id;
  d.io[IO_MATCHED] = method;
  d.io[IO_HIT] = -1;
  if (id < 0 || static_cast<size_t>(id) >= d.modes.size() || d.modes[id] != MODE_DEFAULT_KEY || !d.store) return nullptr;
  defaultKey(d, method, path.data, path.len, query.data, query.len);
  probeVariants(d, inm.data, inm.len);
  return nullptr;
}

// FNV-1a over the stored bytes: the entry's strong ETag.
static uint64_t hashBody(const uint8_t* p, size_t n) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (size_t i = 0; i < n; i++) h = (h ^ p[i]) * 0x100000001b3ULL;
  return h;
}

// (router, cache | null, io: Int32Array, out: Uint8Array) -> dispatch function,
// which is also the handle the other JS_dispatch* calls take. The caller keeps
// io and out alive as long as the function.
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
  if (ioLen < IO_SIZE || outLen <= ETAG_TEXT) return throwType(env, "GRIDDLE_ERR_INVALID_ARG", "io or out is too short");
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

// (dispatcher, routeId: int, mode: CacheMode) -> undefined.
static napi_value JS_dispatchSetMode(napi_env env, napi_callback_info info) {
  GRIDDLE_ARGS(3);
  Dispatcher* d = unwrapDispatcher(env, argv[0]);
  int32_t id, mode;
  if (d == nullptr || !argInt32(env, argv[1], "routeId", &id) || !argInt32(env, argv[2], "mode", &mode)) return nullptr;
  if (id < 0 || mode < MODE_NONE || mode > MODE_CUSTOM_KEY) return throwType(env, "GRIDDLE_ERR_INVALID_ARG", "bad route id or mode");
  if (d->modes.size() <= static_cast<size_t>(id)) d->modes.resize(id + 1, MODE_NONE);
  d->modes[id] = static_cast<uint8_t>(mode);
  return nullptr;
}

// (dispatcher, method: int, path: string, query?: string) -> the default cache key.
static napi_value JS_dispatchKey(napi_env env, napi_callback_info info) {
  GRIDDLE_ARGS(4);
  Dispatcher* d = unwrapDispatcher(env, argv[0]);
  int32_t method;
  Utf16Arg path, query;
  if (d == nullptr || !argInt32(env, argv[1], "method", &method) || !path.read(env, argv[2], "path") ||
      !query.optional(env, argv[3], "query"))
    return nullptr;
  defaultKey(*d, method, path.data, path.len, query.data, query.len);
  napi_value r;
  napi_create_string_utf16(env, d->key.data(), d->key.size(), &r);
  return r;
}

// (dispatcher, key: string, ifNoneMatch?: string) -> undefined. The cache half
// of JS_dispatch for a key computed in JS (routes with a custom key).
static napi_value JS_dispatchProbe(napi_env env, napi_callback_info info) {
  GRIDDLE_ARGS(3);
  Dispatcher* d = unwrapDispatcher(env, argv[0]);
  Utf16Arg key, inm;
  if (d == nullptr || !key.read(env, argv[1], "key") || !inm.optional(env, argv[2], "ifNoneMatch"))
    return nullptr;
  d->io[IO_HIT] = -1;
  if (!d->store) return nullptr;
  d->key.assign(key.data, key.len);
  probeVariants(*d, inm.data, inm.len);
  return nullptr;
}

// (dispatcher, key, encoding: 0|1|2, body: Uint8Array, ttlMs, tags | null,
//  status, type: Uint8Array, variants, freshUntil) -> boolean stored; when
// stored, the entry's ETag text is written at the start of out. type is
// the Content-Type header value (at most 255 bytes), stored in front of the
// body so that every thread sharing the store answers with it; variants the
// VARIANT_* bits of the identity entry, freshUntil deciseconds since
// 2026-01-01 (0: no stale window).
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
  if (typeLen > 255) return throwType(env, "GRIDDLE_ERR_INVALID_ARG", "argument 'type' is longer than 255 bytes");
  napi_value r;
  if (!d->store) {
    napi_get_boolean(env, false, &r);
    return r;
  }
  std::u16string k(key.data, key.len);
  if (encoding == 1 || encoding == 2) {
    k.push_back(KEY_VARIANT);
    k.push_back(encoding == 1 ? u'g' : u'b');
  }
  std::vector<std::string_view> views(tags.begin(), tags.end());
  EntryMeta meta;
  meta.status = static_cast<uint16_t>(status);
  meta.contentType = static_cast<uint16_t>(variants & (VARIANT_GZIP | VARIANT_BR));
  meta.flags = static_cast<uint32_t>(freshUntil);
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

// (dispatcher, key) -> number of entries removed (the identity entry and its variants).
static napi_value JS_dispatchDelete(napi_env env, napi_callback_info info) {
  GRIDDLE_ARGS(2);
  Dispatcher* d = unwrapDispatcher(env, argv[0]);
  Utf16Arg key;
  if (d == nullptr || !key.read(env, argv[1], "key")) return nullptr;
  int32_t removed = 0;
  if (d->store) {
    std::u16string k(key.data, key.len);
    removed += cache::remove(d->store.get(), k.data(), k.size());
    for (char16_t suffix : {u'g', u'b'}) {
      std::u16string v = k;
      v.push_back(KEY_VARIANT);
      v.push_back(suffix);
      removed += cache::remove(d->store.get(), v.data(), v.size());
    }
  }
  napi_value r;
  napi_create_int32(env, removed, &r);
  return r;
}

bool initDispatch(napi_env env, napi_value exports) {
  GRIDDLE_EXPORT(env, exports, "dispatchCreate", JS_dispatchCreate);
  GRIDDLE_EXPORT(env, exports, "dispatchSetMode", JS_dispatchSetMode);
  GRIDDLE_EXPORT(env, exports, "dispatchKey", JS_dispatchKey);
  GRIDDLE_EXPORT(env, exports, "dispatchProbe", JS_dispatchProbe);
  GRIDDLE_EXPORT(env, exports, "dispatchStore", JS_dispatchStore);
  GRIDDLE_EXPORT(env, exports, "dispatchDelete", JS_dispatchDelete);
  exportInt(env, exports, "DISPATCH_IO_SIZE", IO_SIZE);
  return true;
}

}  // namespace griddle
