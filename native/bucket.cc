#include "bucket.h"

#include <cstring>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "util/boundary.h"

namespace griddle {
namespace bucket {

static inline uint32_t rotl32(uint32_t x, int r) { return (x << r) | (x >> (32 - r)); }

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

// --- Unleash hashing on a key read once per request ---
// Unleash hashes murmur3("groupId:key") over the low byte of each UTF-16
// unit, so the unit hash of dispatch cannot serve it. Instead a thread keeps
// the low bytes of the last key it was given and an interned table of group
// prefixes ("groupId:"), and the hot call takes ints only.
namespace {

struct UnleashThread {
  std::vector<uint8_t> key;           // low bytes of the key set last
  int32_t token = 0;                  // bumped by every key set
  std::vector<std::string> groups;    // low bytes of "groupId:"
  std::unordered_map<std::u16string, int32_t> groupIndex;
  std::vector<uint8_t> scratch;       // group + key, hashed in one piece
  int32_t* args = nullptr;            // [token, group, normalizer, seed]
  napi_ref argsRef = nullptr;
};

thread_local UnleashThread unleashThread;

}  // namespace

// (key: string) -> token. Keeps the low bytes of key's UTF-16 units for
// JS_bucketUnleashKeyed; the token names them until the next call on this thread.
static napi_value JS_bucketUnleashKey(napi_env env, napi_callback_info info) {
  GRIDDLE_ARGS(1);
  Utf16Arg id;
  if (!id.read(env, argv[0], "key")) return nullptr;
  UnleashThread& t = unleashThread;
  t.key.resize(id.len);
  for (size_t i = 0; i < id.len; i++) t.key[i] = static_cast<uint8_t>(id.data[i] & 0xff);
  if (++t.token <= 0) t.token = 1;
  napi_value r;
  napi_create_int32(env, t.token, &r);
  return r;
}

// (groupId: string) -> the group's index on this thread (interned).
static napi_value JS_bucketUnleashGroup(napi_env env, napi_callback_info info) {
  GRIDDLE_ARGS(1);
  Utf16Arg g;
  if (!g.read(env, argv[0], "groupId")) return nullptr;
  UnleashThread& t = unleashThread;
  std::u16string k(g.data, g.len);
  auto it = t.groupIndex.find(k);
  int32_t index;
  if (it != t.groupIndex.end()) {
    index = it->second;
  } else {
    std::string bytes(g.len + 1, ':');
    for (size_t i = 0; i < g.len; i++) bytes[i] = static_cast<char>(g.data[i] & 0xff);
    index = static_cast<int32_t>(t.groups.size());
    t.groups.push_back(std::move(bytes));
    t.groupIndex.emplace(std::move(k), index);
  }
  napi_value r;
  napi_create_int32(env, index, &r);
  return r;
}

// (args: Int32Array of 4) -> undefined: the array JS_bucketUnleashKeyed reads, registered once per thread.
static napi_value JS_bucketUnleashArgs(napi_env env, napi_callback_info info) {
  GRIDDLE_ARGS(1);
  void* a;
  size_t n;
  if (!argTypedArray(env, argv[0], "args", napi_int32_array, &a, &n)) return nullptr;
  if (n < 4) return throwType(env, "GRIDDLE_ERR_INVALID_ARG", "argument 'args' needs 4 slots");
  UnleashThread& t = unleashThread;
  if (t.argsRef != nullptr) napi_delete_reference(env, t.argsRef);
  napi_create_reference(env, argv[0], 1, &t.argsRef);
  t.args = static_cast<int32_t*>(a);
  return nullptr;
}

// hot path: measure before changing
// () -> (murmur3(group + key, seed) % normalizer) + 1 for the args
// [token, group, normalizer, seed], or -1 when token is not the key set last
// on this thread (another request set its own: set it again) or an argument is out of range.
static napi_value JS_bucketUnleashKeyed(napi_env env, napi_callback_info info) {
  UnleashThread& t = unleashThread;
  const int32_t* a = t.args;
  int32_t r = -1;
  if (a != nullptr && a[0] == t.token && a[1] >= 0 && static_cast<size_t>(a[1]) < t.groups.size() && a[2] > 0) {
    const std::string& g = t.groups[static_cast<size_t>(a[1])];
    t.scratch.resize(g.size() + t.key.size());
    std::memcpy(t.scratch.data(), g.data(), g.size());
    if (!t.key.empty()) std::memcpy(t.scratch.data() + g.size(), t.key.data(), t.key.size());
    uint32_t h = murmur3x86(t.scratch.data(), t.scratch.size(), static_cast<uint32_t>(a[3]));
    r = static_cast<int32_t>(h % static_cast<uint32_t>(a[2]) + 1);
  }
  napi_value v;
  napi_create_int32(env, r, &v);
  return v;
}

bool initBucket(napi_env env, napi_value exports) {
  GRIDDLE_EXPORT(env, exports, "bucketUnleashKey", JS_bucketUnleashKey);
  GRIDDLE_EXPORT(env, exports, "bucketUnleashGroup", JS_bucketUnleashGroup);
  GRIDDLE_EXPORT(env, exports, "bucketUnleashArgs", JS_bucketUnleashArgs);
  GRIDDLE_EXPORT(env, exports, "bucketUnleashKeyed", JS_bucketUnleashKeyed);
  GRIDDLE_EXPORT(env, exports, "bucketUnitHash", JS_bucketUnitHash);
  GRIDDLE_EXPORT(env, exports, "bucketMurmur3", JS_bucketMurmur3);
  GRIDDLE_EXPORT(env, exports, "bucketUnleash", JS_bucketUnleash);
  return true;
}

}  // namespace bucket
}  // namespace griddle
