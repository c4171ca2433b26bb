// A cache store: shards selected by the top bits of the key's hash, each with
// its own mutex (sharded locks: threads touching different shards never wait
// for each other; an uncontended lock costs ~20 ns, less than the memcpy of a
// 4 KB value), plus the process-wide registry of named stores.
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>
#include <unordered_map>
#include <vector>

#include "cache-shard.h"
#include "cache.h"
#include "util/hash.h"
#include "util/named.h"

namespace griddle {
namespace cache {

constexpr uint64_t HASH_SEED = 0x67726964646c65ULL;  // "griddle"
constexpr uint32_t MAX_SHARDS = 64;
// A shard gets at least this many bytes (when the store has them), so that
// the largest entry, which must fit in one shard, stays useful.
constexpr uint64_t MIN_SHARD_BYTES = 4ull << 20;
// Bucket and ghost tables hold at most two slots per entry (8 + 16 bytes
// each); glibc's malloc adds 16 bytes to each entry's allocation.
constexpr size_t TABLE_SHARE = 2 * sizeof(Entry*) + 2 * 16;
constexpr size_t MALLOC_HEADER = 16;
// A tag's map node and name live once per shard but are charged to every
// entry that carries the tag: an upper bound, never an underestimate.
constexpr size_t TAG_NODE = 64;

size_t entryOverhead() { return sizeof(Entry) + TABLE_SHARE + MALLOC_HEADER; }
size_t tagOverhead() { return sizeof(TagLink) + TAG_NODE; }

class CacheStore {
 public:
  explicit CacheStore(uint64_t maxBytes) : maxBytes_(maxBytes) {
    uint64_t want = maxBytes / MIN_SHARD_BYTES;
    while (shardCount_ < MAX_SHARDS && shardCount_ * 2 <= want) shardCount_ *= 2;
    shardBits_ = 0;
    while ((1u << shardBits_) < shardCount_) shardBits_++;
    shardBudget_ = maxBytes / shardCount_;
    shards_.reset(new Shard[shardCount_]);
    for (uint32_t i = 0; i < shardCount_; i++) shards_[i].init(shardBudget_);
  }

  Shard& shardFor(uint64_t hash) { return shards_[shardBits_ == 0 ? 0 : hash >> (64 - shardBits_)]; }
  uint32_t shardCount() const { return shardCount_; }
  Shard& shard(uint32_t i) { return shards_[i]; }
  uint64_t maxBytes() const { return maxBytes_; }
  uint64_t shardBudget() const { return shardBudget_; }

  std::atomic<uint64_t> rejected{0};

 private:
  uint64_t maxBytes_;
  uint32_t shardCount_ = 1;
  uint32_t shardBits_ = 0;
  uint64_t shardBudget_ = 0;
  std::unique_ptr<Shard[]> shards_;
};

static inline uint64_t hashKey(const char16_t* key, size_t keyLen) {
  return murmur3x64(key, keyLen * sizeof(char16_t), HASH_SEED);
}

std::shared_ptr<CacheStore> create(uint64_t maxBytes) {
  return std::make_shared<CacheStore>(maxBytes);
}

// Named stores (native/util/named.h): a name opened again must ask for the same size.

int32_t acquire(std::string_view name, uint64_t maxBytes, std::shared_ptr<CacheStore>* out) {
  if (maxBytes == 0) return ACQUIRE_BAD_SIZE;
  auto& r = NamedRegistry<CacheStore>::instance();
  std::lock_guard<std::mutex> lock(r.mu);
  auto it = r.map.find(std::string(name));
  if (it != r.map.end()) {
    if (it->second->maxBytes() != maxBytes) return ACQUIRE_CONFLICT;
    *out = it->second;
    return ACQUIRE_OK;
  }
  auto store = create(maxBytes);
  r.map.emplace(std::string(name), store);
  *out = std::move(store);
  return ACQUIRE_OK;
}

CacheStore* find(std::string_view name) {
  auto& r = NamedRegistry<CacheStore>::instance();
  std::lock_guard<std::mutex> lock(r.mu);
  auto it = r.map.find(std::string(name));
  return it == r.map.end() ? nullptr : it->second.get();
}

// hot path: measure before changing
int64_t getInto(CacheStore* store, const char16_t* key, size_t keyLen, uint8_t* dst, size_t cap,
                EntryMeta* meta, uint32_t* length) {
  if (store == nullptr) return GET_CLOSED;
  uint64_t hash = hashKey(key, keyLen);
  Shard& shard = store->shardFor(hash);
  std::lock_guard<std::mutex> lock(shard.mu);
  Entry* e = shard.lookup(hash, key, keyLen);
  if (e == nullptr) return GET_MISS;
  if (meta != nullptr) *meta = e->meta;
  if (length != nullptr) *length = e->valueLen;
  if (e->valueLen > cap) return GET_TOO_SMALL;  // neither a hit nor a miss: the caller retries
  std::memcpy(dst, e->value(), e->valueLen);
  shard.hit(e);
  return e->valueLen;
}

static uint64_t chargeFor(size_t keyLen, size_t valueLen, const SetOptions& options) {
  uint64_t charge = entryOverhead() + keyLen * sizeof(char16_t) + valueLen;
  for (size_t i = 0; i < options.tagCount; i++) charge += tagOverhead() + options.tags[i].size();
  return charge;
}

bool set(CacheStore* store, const char16_t* key, size_t keyLen, const uint8_t* value, size_t valueLen,
         const SetOptions& options) {
  uint64_t charge = chargeFor(keyLen, valueLen, options);
  if (charge > store->shardBudget() || valueLen > INT32_MAX || keyLen > UINT32_MAX || options.tagCount > UINT16_MAX) {
    store->rejected.fetch_add(1, std::memory_order_relaxed);
    return false;
  }
  size_t size = sizeof(Entry) + options.tagCount * sizeof(TagLink) + keyLen * sizeof(char16_t) + valueLen;
  auto* e = static_cast<Entry*>(std::malloc(size));
  if (e == nullptr) {
    store->rejected.fetch_add(1, std::memory_order_relaxed);
    return false;
  }
  new (e) Entry{};
  e->hash = hashKey(key, keyLen);
  e->charge = charge;
  e->keyUnits = static_cast<uint32_t>(keyLen);
  e->valueLen = static_cast<uint32_t>(valueLen);
  e->tagCount = static_cast<uint16_t>(options.tagCount);
  if (options.meta != nullptr) e->meta = *options.meta;
  std::memcpy(e->key(), key, keyLen * sizeof(char16_t));
  if (valueLen != 0) std::memcpy(e->value(), value, valueLen);
  int64_t now = nowNs();
  if (options.ttlMs > 0 && options.ttlMs <= MAX_TTL_MS) e->expiresAt = now + options.ttlMs * 1000000;
  Shard& shard = store->shardFor(e->hash);
  std::lock_guard<std::mutex> lock(shard.mu);
  shard.insert(e, options.tags, now);
  return true;
}

bool has(CacheStore* store, const char16_t* key, size_t keyLen) {
  uint64_t hash = hashKey(key, keyLen);
  Shard& shard = store->shardFor(hash);
  std::lock_guard<std::mutex> lock(shard.mu);
  Entry* e = shard.find(hash, key, keyLen);
  return e != nullptr && (e->expiresAt == 0 || nowNs() < e->expiresAt);
}

bool remove(CacheStore* store, const char16_t* key, size_t keyLen) {
  uint64_t hash = hashKey(key, keyLen);
  Shard& shard = store->shardFor(hash);
  std::lock_guard<std::mutex> lock(shard.mu);
  return shard.erase(hash, key, keyLen);
}

// One lock at a time, so a concurrent set into a shard already visited may
// survive: the same as if it had happened just after the call.
uint64_t invalidateTag(CacheStore* store, std::string_view tag) {
  std::string name(tag);
  uint64_t removed = 0;
  for (uint32_t i = 0; i < store->shardCount(); i++) {
    Shard& shard = store->shard(i);
    std::lock_guard<std::mutex> lock(shard.mu);
    removed += shard.invalidateTag(name);
  }
  return removed;
}

void clear(CacheStore* store) {
  for (uint32_t i = 0; i < store->shardCount(); i++) {
    Shard& shard = store->shard(i);
    std::lock_guard<std::mutex> lock(shard.mu);
    shard.clear();
  }
}

// Also reclaims every expired entry that is due, so entries and bytes are
// current figures.
Stats stats(CacheStore* store) {
  Stats s;
  int64_t now = nowNs();
  for (uint32_t i = 0; i < store->shardCount(); i++) {
    Shard& shard = store->shard(i);
    std::lock_guard<std::mutex> lock(shard.mu);
    shard.advanceWheel(now, 1 << 20);
    shard.addStats(&s);
  }
  s.maxBytes = store->maxBytes();
  s.rejected = store->rejected.load(std::memory_order_relaxed);
  return s;
}

uint64_t maxBytes(const CacheStore* store) { return store->maxBytes(); }

uint64_t maxEntryBytes(const CacheStore* store) {
  uint64_t fixed = entryOverhead() + 2 * sizeof(char16_t);
  return store->shardBudget() > fixed ? store->shardBudget() - fixed : 0;
}

}  // namespace cache
}  // namespace griddle
