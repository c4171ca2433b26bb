// MurmurHash3 x64-128 (Austin Appleby's public-domain design), first 64 bits.
// Chosen for the cache's keys because it is fast on short keys, well mixed in
// both the high bits (shard choice) and the low bits (bucket choice), and the
// same family DESIGN.md §4 uses for bucketing.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace griddle {

inline uint64_t rotl64(uint64_t x, int r) { return (x << r) | (x >> (64 - r)); }

inline uint64_t fmix64(uint64_t k) {
  k ^= k >> 33;
  k *= 0xff51afd7ed558ccdULL;
  k ^= k >> 33;
  k *= 0xc4ceb9fe1a85ec53ULL;
  k ^= k >> 33;
  return k;
}

// Reads little-endian words through memcpy: unaligned input is fine, and the
// result matches the reference implementation on little-endian machines.
inline uint64_t murmur3x64(const void* data, size_t len, uint64_t seed) {
  const uint64_t c1 = 0x87c37b91114253d5ULL, c2 = 0x4cf5ad432745937fULL;
  const auto* p = static_cast<const uint8_t*>(data);
  uint64_t h1 = seed, h2 = seed;
  size_t blocks = len / 16;
  for (size_t i = 0; i < blocks; i++, p += 16) {
    uint64_t k1, k2;
    std::memcpy(&k1, p, 8);
    std::memcpy(&k2, p + 8, 8);
    k1 *= c1; k1 = rotl64(k1, 31); k1 *= c2; h1 ^= k1;
    h1 = rotl64(h1, 27); h1 += h2; h1 = h1 * 5 + 0x52dce729;
    k2 *= c2; k2 = rotl64(k2, 33); k2 *= c1; h2 ^= k2;
    h2 = rotl64(h2, 31); h2 += h1; h2 = h2 * 5 + 0x38495ab5;
  }
  size_t rest = len & 15;
  if (rest) {
    uint8_t tail[16] = {0};
    std::memcpy(tail, p, rest);
    uint64_t k1, k2;
    std::memcpy(&k1, tail, 8);
    std::memcpy(&k2, tail + 8, 8);
    if (rest > 8) { k2 *= c2; k2 = rotl64(k2, 33); k2 *= c1; h2 ^= k2; }
    k1 *= c1; k1 = rotl64(k1, 31); k1 *= c2; h1 ^= k1;
  }
  h1 ^= len; h2 ^= len;
  h1 += h2; h2 += h1;
  h1 = fmix64(h1); h2 = fmix64(h2);
  h1 += h2;
  return h1;
}

}  // namespace griddle
