// The cache's JavaScript boundary. A handle is the getInto function itself
// (like the router's lookup): its data is the CacheHandle, so the hot call
// takes only (key, target). lib/cache/cache.ts validates arguments first; the
// checks here only keep bad input from crashing the process.
#include "cache.h"

#include <string>
#include <vector>

#include "util/boundary.h"

namespace griddle {

using cache::CacheStore;
using cache::EntryMeta;

namespace {

// Layout of the Int32Array registered per handle, written by getInto on a hit
// and on GET_TOO_SMALL: the value's length, then the entry's metadata. The
// same order, from STATUS on, is that of the meta array JS_cacheSet takes.
struct CacheOut {
  enum : int { LENGTH = 0, STATUS, VARIANTS, FRESH_UNTIL, ETAG_LO, ETAG_HI, SIZE };
  static constexpr int META_SIZE = SIZE - STATUS;
};
// Layout of the Float64Array that JS_cacheStats fills.
struct CacheStatsOut {
  enum : int { ENTRIES, BYTES, MAX_BYTES, HITS, MISSES, EVICTIONS, EXPIRATIONS, REJECTED, SIZE };
};

}  // namespace

struct CacheHandle {
  std::shared_ptr<CacheStore> store;  // null once closed
  int32_t* out;                       // getInto writes here
  napi_ref outRef = nullptr;          // keeps `out` alive as long as the handle
};

static void finalizeHandle(napi_env env, void* p, void*) {
  auto* handle = static_cast<CacheHandle*>(p);
  if (handle->outRef != nullptr) napi_delete_reference(env, handle->outRef);
  delete handle;
}

static const napi_type_tag CACHE_TAG = {0x67726964646c6502ULL, 0x6361636865000001ULL};

static napi_value int32Value(napi_env env, int64_t v) {
  napi_value r;
  napi_create_int32(env, static_cast<int32_t>(v), &r);
  return r;
}

static napi_value boolValue(napi_env env, bool v) {
  napi_value r;
  napi_get_boolean(env, v, &r);
  return r;
}

// A key read as UTF-16 into a stack buffer, spilling to the heap when long.
struct Key : Utf16Arg {
  bool read(napi_env env, napi_value v) { return Utf16Arg::read(env, v, "key"); }
};

// hot path: measure before changing
// (key: string, target: Uint8Array) -> bytes copied into target, or a negative
// cache::GetStatus. Writes length and metadata into the handle's Int32Array.
static napi_value JS_cacheGetInto(napi_env env, napi_callback_info info) {
  GRIDDLE_ARGS(2);
  auto* handle = static_cast<CacheHandle*>(fnData);
  Key key;
  if (!key.read(env, argv[0])) return nullptr;
  napi_typedarray_type type;
  size_t length, offset;
  void* data;
  napi_value ab;
  if (napi_get_typedarray_info(env, argv[1], &type, &length, &data, &ab, &offset) != napi_ok ||
      type != napi_uint8_array)
    return throwType(env, "GRIDDLE_ERR_INVALID_ARG", "argument 'target' must be a Uint8Array");
  EntryMeta meta;
  uint32_t valueLen = 0;
  int64_t n = cache::getInto(handle->store.get(), key.data, key.len, static_cast<uint8_t*>(data), length, &meta,
                             &valueLen);
  if (n >= 0 || n == cache::GET_TOO_SMALL) {
    int32_t* out = handle->out;
    out[CacheOut::LENGTH] = static_cast<int32_t>(valueLen);
    out[CacheOut::STATUS] = meta.status;
    out[CacheOut::VARIANTS] = meta.variants;
    out[CacheOut::FRESH_UNTIL] = static_cast<int32_t>(meta.freshUntil);
    out[CacheOut::ETAG_LO] = static_cast<int32_t>(meta.etag & 0xffffffffu);
    out[CacheOut::ETAG_HI] = static_cast<int32_t>(meta.etag >> 32);
  }
  return int32Value(env, n);
}

static CacheHandle* unwrapHandle(napi_env env, napi_value v, bool requireOpen = true) {
  auto* handle = static_cast<CacheHandle*>(unwrapTagged(env, v, &CACHE_TAG, "argument 'cache' is not a griddle cache"));
  if (handle == nullptr) return nullptr;
  if (requireOpen && !handle->store) {
    throwError(env, "GRIDDLE_ERR_CACHE_CLOSED", "the cache is closed");
    return nullptr;
  }
  return handle;
}

// (name: string | null, maxBytes: number, out: Int32Array) -> getInto function
// (the handle), or a negative cache::AcquireStatus. The handle keeps `out` alive.
static napi_value JS_cacheOpen(napi_env env, napi_callback_info info) {
  GRIDDLE_ARGS(3);
  double maxBytes;
  void* out;
  size_t outLength;
  if (!argDouble(env, argv[1], "maxBytes", &maxBytes) ||
      !argTypedArray(env, argv[2], "out", napi_int32_array, &out, &outLength))
    return nullptr;
  if (outLength < CacheOut::SIZE) return throwType(env, "GRIDDLE_ERR_INVALID_ARG", "argument 'out' is too short");
  if (!(maxBytes >= 1 && maxBytes <= 9007199254740991.0)) return int32Value(env, cache::ACQUIRE_BAD_SIZE);
  auto* handle = new CacheHandle{nullptr, static_cast<int32_t*>(out)};
  napi_valuetype t;
  napi_typeof(env, argv[0], &t);
  if (t == napi_string) {
    size_t len = 0;
    napi_get_value_string_utf8(env, argv[0], nullptr, 0, &len);
    std::string name(len, '\0');
    napi_get_value_string_utf8(env, argv[0], name.data(), len + 1, &len);
    int32_t status = cache::acquire(name, static_cast<uint64_t>(maxBytes), &handle->store);
    if (status != cache::ACQUIRE_OK) {
      delete handle;
      return int32Value(env, status);
    }
  } else {
    handle->store = cache::create(static_cast<uint64_t>(maxBytes));
  }
  napi_value fn;
  if (napi_create_reference(env, argv[2], 1, &handle->outRef) != napi_ok ||
      napi_create_function(env, "getInto", NAPI_AUTO_LENGTH, JS_cacheGetInto, handle, &fn) != napi_ok ||
      napi_wrap(env, fn, handle, finalizeHandle, nullptr, nullptr) != napi_ok) {
    finalizeHandle(env, handle, nullptr);
    return nullptr;
  }
  napi_type_tag_object(env, fn, &CACHE_TAG);
  return fn;
}

// Reads a JS string or Uint8Array as value bytes: a Uint8Array is used in
// place, a string is encoded to UTF-8 into `scratch`.
static bool readValue(napi_env env, napi_value v, std::vector<uint8_t>* scratch, const uint8_t** data,
                      size_t* len) {
  napi_valuetype t;
  napi_typeof(env, v, &t);
  if (t == napi_string) {
    size_t n = 0;
    napi_get_value_string_utf8(env, v, nullptr, 0, &n);
    scratch->resize(n + 1);
    napi_get_value_string_utf8(env, v, reinterpret_cast<char*>(scratch->data()), n + 1, &n);
    *data = scratch->data();
    *len = n;
    return true;
  }
  void* p;
  if (!argTypedArray(env, v, "value", napi_uint8_array, &p, len)) return false;
  *data = static_cast<const uint8_t*>(p);
  return true;
}

bool readTags(napi_env env, napi_value v, std::vector<std::string>* tags) {
  napi_valuetype t;
  napi_typeof(env, v, &t);
  if (t == napi_undefined || t == napi_null) return true;
  bool isArray = false;
  uint32_t n = 0;
  if (napi_is_array(env, v, &isArray) != napi_ok || !isArray) return false;
  napi_get_array_length(env, v, &n);
  for (uint32_t i = 0; i < n; i++) {
    napi_value s;
    size_t len = 0;
    if (napi_get_element(env, v, i, &s) != napi_ok || napi_get_value_string_utf8(env, s, nullptr, 0, &len) != napi_ok)
      return false;
    std::string tag(len, '\0');
    napi_get_value_string_utf8(env, s, tag.data(), len + 1, &len);
    tags->push_back(std::move(tag));
  }
  return true;
}

// (cache, key: string, value: string | Uint8Array, ttlMs: number, tags: string[] | null,
//  meta: Int32Array(META_SIZE) [status, variants, freshUntil, etagLo, etagHi] | null) -> stored?
// Tags must be distinct (lib/cache/cache.ts removes duplicates).
static napi_value JS_cacheSet(napi_env env, napi_callback_info info) {
  GRIDDLE_ARGS(6);
  CacheHandle* handle = unwrapHandle(env, argv[0]);
  Key key;
  double ttlMs;
  std::vector<uint8_t> scratch;
  const uint8_t* value;
  size_t valueLen;
  if (handle == nullptr || !key.read(env, argv[1]) || !readValue(env, argv[2], &scratch, &value, &valueLen) ||
      !argDouble(env, argv[3], "ttlMs", &ttlMs))
    return nullptr;
  std::vector<std::string> tags;
  if (!readTags(env, argv[4], &tags)) return throwType(env, "GRIDDLE_ERR_INVALID_ARG", "argument 'tags' must be strings");
  std::vector<std::string_view> views(tags.begin(), tags.end());
  EntryMeta meta;
  napi_valuetype mt;
  napi_typeof(env, argv[5], &mt);
  if (mt != napi_null && mt != napi_undefined) {
    void* p;
    size_t n;
    if (!argTypedArray(env, argv[5], "meta", napi_int32_array, &p, &n)) return nullptr;
    if (n < CacheOut::META_SIZE) return throwType(env, "GRIDDLE_ERR_INVALID_ARG", "argument 'meta' is too short");
    auto* m = static_cast<int32_t*>(p) - CacheOut::STATUS;  // indexed like the out array
    meta.status = static_cast<uint16_t>(m[CacheOut::STATUS]);
    meta.variants = static_cast<uint16_t>(m[CacheOut::VARIANTS]);
    meta.freshUntil = static_cast<uint32_t>(m[CacheOut::FRESH_UNTIL]);
    meta.etag = static_cast<uint32_t>(m[CacheOut::ETAG_LO]) |
                (static_cast<uint64_t>(static_cast<uint32_t>(m[CacheOut::ETAG_HI])) << 32);
  }
  cache::SetOptions options;
  options.ttlMs = ttlMs >= 1 && ttlMs <= static_cast<double>(cache::MAX_TTL_MS) ? static_cast<int64_t>(ttlMs) : 0;
  options.tags = views.data();
  options.tagCount = views.size();
  options.meta = &meta;
  return boolValue(env, cache::set(handle->store.get(), key.data, key.len, value, valueLen, options));
}

// (cache, key: string) -> a new Buffer holding a copy of the value, or undefined.
// The copy is taken under the shard's lock into scratch memory, and the Buffer
// made after the lock is released (creating it may run the garbage collector).
static napi_value JS_cacheGet(napi_env env, napi_callback_info info) {
  GRIDDLE_ARGS(2);
  CacheHandle* handle = unwrapHandle(env, argv[0]);
  Key key;
  if (handle == nullptr || !key.read(env, argv[1])) return nullptr;
  std::vector<uint8_t> scratch(4096);
  uint32_t length = 0;
  int64_t n = cache::getInto(handle->store.get(), key.data, key.len, scratch.data(), scratch.size(), nullptr, &length);
  while (n == cache::GET_TOO_SMALL) {  // the value may change between tries
    scratch.resize(length);
    n = cache::getInto(handle->store.get(), key.data, key.len, scratch.data(), scratch.size(), nullptr, &length);
  }
  if (n < 0) return nullptr;
  napi_value buffer;
  napi_create_buffer_copy(env, static_cast<size_t>(n), scratch.data(), nullptr, &buffer);
  return buffer;
}

// (cache, key: string) -> whether a live entry exists (counts neither hit nor miss).
static napi_value JS_cacheHas(napi_env env, napi_callback_info info) {
  GRIDDLE_ARGS(2);
  CacheHandle* handle = unwrapHandle(env, argv[0]);
  Key key;
  if (handle == nullptr || !key.read(env, argv[1])) return nullptr;
  return boolValue(env, cache::has(handle->store.get(), key.data, key.len));
}

// (cache, key: string) -> whether a live entry was removed.
static napi_value JS_cacheDelete(napi_env env, napi_callback_info info) {
  GRIDDLE_ARGS(2);
  CacheHandle* handle = unwrapHandle(env, argv[0]);
  Key key;
  if (handle == nullptr || !key.read(env, argv[1])) return nullptr;
  return boolValue(env, cache::remove(handle->store.get(), key.data, key.len));
}

// (cache, tag: string) -> number of live entries removed.
static napi_value JS_cacheInvalidateTag(napi_env env, napi_callback_info info) {
  GRIDDLE_ARGS(2);
  CacheHandle* handle = unwrapHandle(env, argv[0]);
  if (handle == nullptr) return nullptr;
  size_t len = 0;
  if (napi_get_value_string_utf8(env, argv[1], nullptr, 0, &len) != napi_ok)
    return throwType(env, "GRIDDLE_ERR_INVALID_ARG", "argument 'tag' must be a string");
  std::string tag(len, '\0');
  napi_get_value_string_utf8(env, argv[1], tag.data(), len + 1, &len);
  napi_value r;
  napi_create_double(env, static_cast<double>(cache::invalidateTag(handle->store.get(), tag)), &r);
  return r;
}

// (cache) -> undefined. Removes every entry (not counted as evictions).
static napi_value JS_cacheClear(napi_env env, napi_callback_info info) {
  GRIDDLE_ARGS(1);
  CacheHandle* handle = unwrapHandle(env, argv[0]);
  if (handle != nullptr) cache::clear(handle->store.get());
  return nullptr;
}

// (cache, out: Float64Array(8)) -> undefined. Writes entries, bytes, maxBytes,
// hits, misses, evictions, expirations, rejected.
static napi_value JS_cacheStats(napi_env env, napi_callback_info info) {
  GRIDDLE_ARGS(2);
  CacheHandle* handle = unwrapHandle(env, argv[0]);
  void* p;
  size_t n;
  if (handle == nullptr || !argTypedArray(env, argv[1], "out", napi_float64_array, &p, &n)) return nullptr;
  if (n < CacheStatsOut::SIZE) return throwType(env, "GRIDDLE_ERR_INVALID_ARG", "argument 'out' is too short");
  cache::Stats s = cache::stats(handle->store.get());
  auto* out = static_cast<double*>(p);
  const uint64_t values[CacheStatsOut::SIZE] = {s.entries, s.bytes,       s.maxBytes,   s.hits,
                                    s.misses,  s.evictions, s.expirations, s.rejected};
  for (int i = 0; i < CacheStatsOut::SIZE; i++) out[i] = static_cast<double>(values[i]);
  return nullptr;
}

// (cache) -> the largest value a short untagged key can store.
static napi_value JS_cacheMaxEntryBytes(napi_env env, napi_callback_info info) {
  GRIDDLE_ARGS(1);
  CacheHandle* handle = unwrapHandle(env, argv[0]);
  if (handle == nullptr) return nullptr;
  napi_value r;
  napi_create_double(env, static_cast<double>(cache::maxEntryBytes(handle->store.get())), &r);
  return r;
}

// (cache) -> undefined. Detaches the handle; a private store is freed now, a
// named one stays for the other handles. Closing twice is harmless.
static napi_value JS_cacheClose(napi_env env, napi_callback_info info) {
  GRIDDLE_ARGS(1);
  CacheHandle* handle = unwrapHandle(env, argv[0], false);
  if (handle != nullptr) handle->store.reset();
  return nullptr;
}

std::shared_ptr<CacheStore> cacheStoreOf(napi_env env, napi_value handle) {
  CacheHandle* h = unwrapHandle(env, handle);
  return h == nullptr ? nullptr : h->store;
}

bool initCache(napi_env env, napi_value exports) {
  GRIDDLE_EXPORT(env, exports, "cacheOpen", JS_cacheOpen);
  GRIDDLE_EXPORT(env, exports, "cacheSet", JS_cacheSet);
  GRIDDLE_EXPORT(env, exports, "cacheGet", JS_cacheGet);
  GRIDDLE_EXPORT(env, exports, "cacheHas", JS_cacheHas);
  GRIDDLE_EXPORT(env, exports, "cacheDelete", JS_cacheDelete);
  GRIDDLE_EXPORT(env, exports, "cacheInvalidateTag", JS_cacheInvalidateTag);
  GRIDDLE_EXPORT(env, exports, "cacheClear", JS_cacheClear);
  GRIDDLE_EXPORT(env, exports, "cacheStats", JS_cacheStats);
  GRIDDLE_EXPORT(env, exports, "cacheMaxEntryBytes", JS_cacheMaxEntryBytes);
  GRIDDLE_EXPORT(env, exports, "cacheClose", JS_cacheClose);
  napi_value l = exportObject(env, exports, "CACHE");
  if (l == nullptr) return false;
  static const struct { const char* name; int32_t value; } INTS[] = {
      {"OUT_LENGTH", CacheOut::LENGTH}, {"OUT_STATUS", CacheOut::STATUS}, {"OUT_VARIANTS", CacheOut::VARIANTS},
      {"OUT_FRESH_UNTIL", CacheOut::FRESH_UNTIL}, {"OUT_ETAG_LO", CacheOut::ETAG_LO},
      {"OUT_ETAG_HI", CacheOut::ETAG_HI}, {"OUT_SIZE", CacheOut::SIZE}, {"META_SIZE", CacheOut::META_SIZE},
      {"STATS_SIZE", CacheStatsOut::SIZE},
      {"GET_MISS", cache::GET_MISS}, {"GET_TOO_SMALL", cache::GET_TOO_SMALL}, {"GET_CLOSED", cache::GET_CLOSED},
      {"ACQUIRE_OK", cache::ACQUIRE_OK}, {"ACQUIRE_CONFLICT", cache::ACQUIRE_CONFLICT},
      {"ACQUIRE_BAD_SIZE", cache::ACQUIRE_BAD_SIZE},
      {"ENTRY_OVERHEAD", static_cast<int32_t>(cache::entryOverhead())},
      {"TAG_OVERHEAD", static_cast<int32_t>(cache::tagOverhead())},
  };
  for (const auto& c : INTS) exportInt(env, l, c.name, c.value);
  return true;
}

}  // namespace griddle
