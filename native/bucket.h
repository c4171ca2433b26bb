// Bucketing (DESIGN.md §4): murmur3 over a unit key's UTF-8 bytes, hashed once
// per request, then one independent position per seed, so every thread,
// process and host assigns a unit alike without coordination.
#pragma once

#include <node_api.h>

#include <cstddef>
#include <cstdint>

#include "util/hash.h"

namespace griddle {
namespace bucket {

// MurmurHash3 x86 32-bit, the variant Unleash buckets with.
uint32_t murmur3x86(const uint8_t* data, size_t len, uint32_t seed);

// The unit hash: murmur3 x64 (first 64 bits) of the key's UTF-8 bytes.
inline uint64_t unitHash(const uint8_t* utf8, size_t len) { return murmur3x64(utf8, len, 0x756e6974ULL); }

// A unit's position for one seed: fmix64 makes positions for different seeds
// look independent although they come from one hash per request.
inline uint64_t position(uint64_t unit, uint64_t seed) { return fmix64(unit ^ fmix64(seed)); }

// Position scaled to [0, 10000): basis points, the unit of rollouts and weights.
inline uint32_t basisPoints(uint64_t unit, uint64_t seed) {
  return static_cast<uint32_t>((position(unit, seed) >> 32) * 10000 >> 32);
}

// Position as a double in (0, 1]: never 0, so its logarithm is finite.
inline double unitInterval(uint64_t unit, uint64_t seed) {
  return (static_cast<double>(position(unit, seed) >> 11) + 1.0) * (1.0 / 9007199254740992.0);
}

// murmur3's 32-bit finalizer: Unleash's murmur3x86 ends with it, and flag
// positions (below) are mixed with it.
inline uint32_t fmix32(uint32_t h) {
  h ^= h >> 16;
  h *= 0x85ebca6bU;
  h ^= h >> 13;
  h *= 0xc2b2ae35U;
  h ^= h >> 16;
  return h;
}
// A flag's position (rollout and variant split, griddle's own format): a
// 32-bit mix of the unit hash and the seed, computed by lib/traffic/flags.ts
// (flagPosition) in JavaScript bit for bit the same, so the request path
// decides flags without crossing. Experiments, releases and Unleash keep
// their own hashing.
inline uint32_t flagPosition(uint64_t unit, uint64_t seed) {
  uint32_t lo = static_cast<uint32_t>(unit) ^ static_cast<uint32_t>(seed);
  uint32_t hi = static_cast<uint32_t>(unit >> 32) ^ static_cast<uint32_t>(seed >> 32);
  return fmix32(lo + hi * 0x9e3779b1U);
}
// flagPosition in basis points [0, 10000), and as a fraction in [0, 1).
inline uint32_t flagBasisPoints(uint32_t pos) { return static_cast<uint32_t>(static_cast<uint64_t>(pos) * 10000 >> 32); }
inline double flagFraction(uint32_t pos) { return static_cast<double>(pos) * (1.0 / 4294967296.0); }

// C++ API for dispatch: hashes a JS string (UTF-8) and writes the hash's low
// and high 32 bits to out[0] and out[1]; undefined or null writes 0, 0 and
// sets out[2] to 0, else out[2] = 1. False after throwing on other types.
bool hashUnitArg(napi_env env, napi_value v, int32_t* out);

bool initBucket(napi_env env, napi_value exports);

}  // namespace bucket
}  // namespace griddle
