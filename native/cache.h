// The off-heap response cache: a plain C++ API that other native modules
// (the server's dispatch) call directly, with no Node-API in between, plus the
// registration of its JavaScript boundary (native/cache.cc).
//
// Design, and why:
// - Memory: one malloc'd block per entry (header, tag links, key, value)
//   outside V8's heap, so a large cache adds nothing for the GC to trace.
//   Keys, values and per-entry bookkeeping (entryOverhead(), tagOverhead())
//   are charged against maxBytes; stats().bytes never exceeds it.
// - Eviction: S3-FIFO (Yang et al., SOSP 2023): a small FIFO taking ~10 % of
//   the bytes filters one-hit wonders and scans, a main FIFO with reinsertion
//   keeps what is read again, a ghost table of recently evicted key hashes
//   lets a returning key skip the filter. Chosen over W-TinyLFU because a hit
//   only bumps a 2-bit counter (no list surgery, no sketch to update), which
//   keeps the read path short under a lock, and because it matched or beat
//   LRU's hit ratio on every trace we ran (bench/RESULTS.md).
// - Threads: sharded locks. A store has up to 64 shards (power of two, each
//   with >= 4 MiB when the store has it), chosen by the top bits of the key's
//   hash; each shard has its own std::mutex over its hash table, queues, TTL
//   wheel and tag index. A value is copied out while its shard is locked, so a
//   reader never sees it torn or freed. An entry must fit in one shard, which
//   bounds the largest entry (maxEntryBytes()).
// - TTL: checked on every read (an expired entry is never returned), and
//   reclaimed by a per-shard timer wheel advanced on writes (a bounded number
//   of slots per call) and by stats(): never a full scan on the request path.
// - Tags: per shard, tag -> intrusive list of the entries carrying it, so
//   invalidateTag costs one lookup per shard plus the entries it removes.
//
// Keys are sequences of UTF-16 code units (what napi_get_value_string_utf16
// gives, and what dispatch builds). Keys are hashed
// with MurmurHash3 x64-128 (first half) over those code units as little-endian
// bytes, so every thread and every entry point hashes a key the same way.
#pragma once

#include <node_api.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace griddle {
namespace cache {

// Small fixed header stored beside each body, for griddle's server: it lets a
// cache hit be answered without looking anything else up. The cache itself
// never interprets these fields; native/dispatch.h defines their units.
struct EntryMeta {
  uint16_t status = 0;      // HTTP status (0: not set)
  uint16_t variants = 0;    // which compressed variants exist beside this entry (VARIANT_* bits)
  uint32_t freshUntil = 0;  // when the entry turns stale (FRESH_UNIT_MS since FRESH_EPOCH_S); 0: never
  uint64_t etag = 0;        // strong validator, formatted by the server
};

// Negative results of getInto; mirrored in lib/errors.ts (CACHE_STATUS),
// which test/binding.test.ts compares with native.CACHE.
enum GetStatus : int64_t { GET_MISS = -1, GET_TOO_SMALL = -2, GET_CLOSED = -3 };

// Results of acquire; mirrored in lib/errors.ts (CACHE_OPEN_STATUS).
enum AcquireStatus : int32_t { ACQUIRE_OK = 0, ACQUIRE_CONFLICT = -1, ACQUIRE_BAD_SIZE = -2 };

struct Stats {
  uint64_t entries = 0, bytes = 0, maxBytes = 0, hits = 0, misses = 0, evictions = 0, expirations = 0,
           rejected = 0;
};

struct SetOptions {
  int64_t ttlMs = 0;                    // 0, or over MAX_TTL_MS: never expires
  const std::string_view* tags = nullptr;  // UTF-8 tag names, no duplicates
  size_t tagCount = 0;
  const EntryMeta* meta = nullptr;      // null: all zero
};

class CacheStore;

// About 31 years; longer TTLs mean "never" (and keep ns arithmetic in range).
constexpr int64_t MAX_TTL_MS = 1000000000000;

// Bytes charged per entry on top of key (2 bytes per code unit), value and
// tags: the entry header, its share of the hash and ghost tables, and the
// allocator's own header.
size_t entryOverhead();
// Bytes charged per tag an entry carries, on top of the tag's UTF-8 length.
size_t tagOverhead();

// A private store (the unnamed JS cache).
std::shared_ptr<CacheStore> create(uint64_t maxBytes);
// The named store, created on first use with maxBytes. A named store lives
// until the process exits, so the raw pointer from find() stays valid forever.
int32_t acquire(std::string_view name, uint64_t maxBytes, std::shared_ptr<CacheStore>* out);
CacheStore* find(std::string_view name);

// hot path: copies the value into dst and returns its length; GET_MISS when
// absent or expired; GET_TOO_SMALL when cap is too small (nothing copied,
// counted as neither hit nor miss). meta and length (when not null) are
// written on a hit and on GET_TOO_SMALL.
int64_t getInto(CacheStore* store, const char16_t* key, size_t keyLen, uint8_t* dst, size_t cap,
                EntryMeta* meta, uint32_t* length);
// Stores a copy of value; false when the entry can never fit (counted as rejected).
bool set(CacheStore* store, const char16_t* key, size_t keyLen, const uint8_t* value, size_t valueLen,
         const SetOptions& options);
bool has(CacheStore* store, const char16_t* key, size_t keyLen);
bool remove(CacheStore* store, const char16_t* key, size_t keyLen);
uint64_t invalidateTag(CacheStore* store, std::string_view tag);
void clear(CacheStore* store);
Stats stats(CacheStore* store);
uint64_t maxBytes(const CacheStore* store);
// The largest value (with a short key and no tags) that set can ever accept.
uint64_t maxEntryBytes(const CacheStore* store);

}  // namespace cache

bool initCache(napi_env env, napi_value exports);

// The store behind a JS cache handle (the getInto function), for other native
// modules; null after throwing a TypeError when `handle` is not an open cache.
std::shared_ptr<cache::CacheStore> cacheStoreOf(napi_env env, napi_value handle);

// Reads undefined, null or an array of strings as UTF-8 tag names.
bool readTags(napi_env env, napi_value v, std::vector<std::string>* tags);

}  // namespace griddle
