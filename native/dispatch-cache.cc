// The cache operations of a dispatcher, keyed as JS_dispatch keys (native/dispatch.*):
// default and application keys, a probe for a key computed in JS, store and
// delete. Off the hot path: a cache miss's handler and the app's cache API call them.
#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include "dispatch-state.h"
#include "snapshot.h"
#include "util/boundary.h"

namespace griddle {
namespace dispatchstate {

using cache::EntryMeta;
using dispatchkey::KEY_VARIANT;
using Io = DispatchIo;

// FNV-1a over the stored bytes: the entry's strong ETag.
static uint64_t hashBody(const uint8_t* p, size_t n) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (size_t i = 0; i < n; i++) h = (h ^ p[i]) * 0x100000001b3ULL;
  return h;
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

bool initDispatchCache(napi_env env, napi_value exports) {
  GRIDDLE_EXPORT(env, exports, "dispatchKey", JS_dispatchKey);
  GRIDDLE_EXPORT(env, exports, "dispatchCustomKey", JS_dispatchCustomKey);
  GRIDDLE_EXPORT(env, exports, "dispatchProbe", JS_dispatchProbe);
  GRIDDLE_EXPORT(env, exports, "dispatchStore", JS_dispatchStore);
  GRIDDLE_EXPORT(env, exports, "dispatchDelete", JS_dispatchDelete);
  GRIDDLE_EXPORT(env, exports, "dispatchDeleteCustom", JS_dispatchDeleteCustom);
  return true;
}

}  // namespace dispatchstate
}  // namespace griddle
