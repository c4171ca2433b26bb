#include "bucket.h"

#include <cstring>
#include <memory>

#include "util/boundary.h"

namespace griddle {
namespace bucket {

static inline uint32_t rotl32(uint32_t x, int r) { return (x << r) | (x >> (32 - r)); }

static inline uint32_t fmix32(uint32_t h) {
  h ^= h >> 16;
  h *= 0x85ebca6bU;
  h ^= h >> 13;
  h *= 0xc2b2ae35U;
  h ^= h >> 16;
  return h;
}

uint32_t murmur3x86(const uint8_t* data, size_t len, uint32_t seed) {
  const uint32_t c1 = 0xcc9e2d51U, c2 = 0x1b873593U;
  uint32_t h = seed;
  size_t blocks = len / 4;
  for (size_t i = 0; i < blocks; i++) {
    uint32_t k;
    std::memcpy(&k, data + 4 * i, 4);
    k *= c1; k = rotl32(k, 15); k *= c2;
    h ^= k; h = rotl32(h, 13); h = h * 5 + 0xe6546b64U;
  }
  const uint8_t* tail = data + 4 * blocks;
  uint32_t k = 0;
  switch (len & 3) {
    case 3: k ^= static_cast<uint32_t>(tail[2]) << 16; [[fallthrough]];
    case 2: k ^= static_cast<uint32_t>(tail[1]) << 8; [[fallthrough]];
    case 1: k ^= tail[0]; k *= c1; k = rotl32(k, 15); k *= c2; h ^= k;
  }
  h ^= static_cast<uint32_t>(len);
  return fmix32(h);
}

namespace {

// A string argument as UTF-8, on the stack when short. Unit keys of any
// length are accepted: a long one spills to the heap, never truncates.
struct Utf8Arg {
  char stack[512];
  std::unique_ptr<char[]> heap;
  const char* data = stack;
  size_t len = 0;
  bool read(napi_env env, napi_value v, const char* name) {
    if (napi_get_value_string_utf8(env, v, stack, sizeof stack, &len) != napi_ok) {
      throwType(env, "GRIDDLE_ERR_INVALID_ARG", name);
      return false;
    }
    if (len + 1 < sizeof stack) return true;
    napi_get_value_string_utf8(env, v, nullptr, 0, &len);
    heap.reset(new char[len + 1]);
    napi_get_value_string_utf8(env, v, heap.get(), len + 1, &len);
    data = heap.get();
    return true;
  }
};

}  // namespace

// hot path: measure before changing (dispatch calls this once per request)
bool hashUnitArg(napi_env env, napi_value v, int32_t* out) {
  napi_valuetype t;
  napi_typeof(env, v, &t);
  if (t == napi_undefined || t == napi_null) {
    out[0] = out[1] = out[2] = 0;
    return true;
  }
  Utf8Arg key;
  if (!key.read(env, v, "argument 'unitKey' must be a string")) return false;
  uint64_t h = unitHash(reinterpret_cast<const uint8_t*>(key.data), key.len);
  out[0] = static_cast<int32_t>(static_cast<uint32_t>(h));
  out[1] = static_cast<int32_t>(static_cast<uint32_t>(h >> 32));
  out[2] = 1;
  return true;
}

// (key: string, out: Int32Array) -> undefined. Writes the unit hash of key to
// out[0..1] and 1 to out[2] (the layout dispatch writes into its io slots).
static napi_value JS_bucketUnitHash(napi_env env, napi_callback_info info) {
  GRIDDLE_ARGS(2);
  void* out;
  size_t n;
  if (!argTypedArray(env, argv[1], "out", napi_int32_array, &out, &n)) return nullptr;
  if (n < 3) return throwType(env, "GRIDDLE_ERR_INVALID_ARG", "argument 'out' is too short");
  hashUnitArg(env, argv[0], static_cast<int32_t*>(out));
  return nullptr;
}

// (key: string, seed: int) -> uint32: murmur3 x86 32-bit over key's UTF-8 bytes.
static napi_value JS_bucketMurmur3(napi_env env, napi_callback_info info) {
  GRIDDLE_ARGS(2);
  Utf8Arg key;
  double seed;
  if (!key.read(env, argv[0], "argument 'key' must be a string") || !argDouble(env, argv[1], "seed", &seed)) return nullptr;
  uint32_t h = murmur3x86(reinterpret_cast<const uint8_t*>(key.data), key.len, static_cast<uint32_t>(static_cast<int64_t>(seed)));
  napi_value r;
  napi_create_uint32(env, h, &r);
  return r;
}

// (id: string, normalizer: int, seed: int) -> (murmur3(id) % normalizer) + 1
// the way unleash-client computes it: its murmurhash3js reads the low byte of
// each UTF-16 code unit, not UTF-8, so that is what is hashed here.
static napi_value JS_bucketUnleash(napi_env env, napi_callback_info info) {
  GRIDDLE_ARGS(3);
  Utf16Arg id;
  int32_t normalizer;
  double seed;
  if (!id.read(env, argv[0], "id") || !argInt32(env, argv[1], "normalizer", &normalizer) || !argDouble(env, argv[2], "seed", &seed))
    return nullptr;
  if (normalizer <= 0) return throwType(env, "GRIDDLE_ERR_INVALID_ARG", "argument 'normalizer' must be positive");
  uint8_t stack[512];
  std::unique_ptr<uint8_t[]> heap;
  uint8_t* bytes = stack;
  if (id.len > sizeof stack) bytes = (heap = std::make_unique<uint8_t[]>(id.len)).get();
  for (size_t i = 0; i < id.len; i++) bytes[i] = static_cast<uint8_t>(id.data[i] & 0xff);
  uint32_t h = murmur3x86(bytes, id.len, static_cast<uint32_t>(static_cast<int64_t>(seed)));
  napi_value r;
  napi_create_uint32(env, h % static_cast<uint32_t>(normalizer) + 1, &r);
  return r;
}

bool initBucket(napi_env env, napi_value exports) {
  GRIDDLE_EXPORT(env, exports, "bucketUnitHash", JS_bucketUnitHash);
  GRIDDLE_EXPORT(env, exports, "bucketMurmur3", JS_bucketMurmur3);
  GRIDDLE_EXPORT(env, exports, "bucketUnleash", JS_bucketUnleash);
  return true;
}

}  // namespace bucket
}  // namespace griddle
