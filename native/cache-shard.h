// One shard of a cache store: a hash table, the S3-FIFO queues, a TTL timer
// wheel and a tag index, all guarded by the shard's mutex. Every method below
// expects that mutex to be held by the caller (native/cache-store.cc).
#pragma once

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "cache.h"

namespace griddle {
namespace cache {

struct Entry;
struct TagHead;

// One tag of one entry: a node in that tag's list within the shard.
struct TagLink {
  TagLink* prev;
  TagLink* next;
  Entry* owner;
  TagHead* head;
};

struct TagHead {
  TagLink* first = nullptr;
  const std::string* name = nullptr;  // the map key, stable for the node's life
};

enum Queue : uint8_t { SMALL = 0, MAIN = 1 };

// One allocation per entry: this header, then TagLink[tagCount], the key's
// UTF-16 code units, then the value bytes. Immutable once linked, except for
// the queue links and freq, so a reader holding the lock sees a whole value.
struct Entry {
  Entry* chain;            // next in the hash bucket
  Entry* prev;             // towards the queue's head (newer)
  Entry* next;             // towards the queue's tail (older)
  Entry* wprev;            // TTL wheel slot list
  Entry* wnext;
  uint64_t hash;
  int64_t expiresAt;       // steady clock ns; 0: never
  uint64_t charge;         // bytes counted against the budget
  uint32_t keyUnits;
  uint32_t valueLen;
  uint16_t tagCount;
  uint8_t queue;
  uint8_t freq;            // S3-FIFO access count, saturating at 3
  uint16_t wheelSlot;      // the TTL wheel slot whose list holds this entry
  EntryMeta meta;

  TagLink* tags() { return reinterpret_cast<TagLink*>(this + 1); }
  char16_t* key() { return reinterpret_cast<char16_t*>(tags() + tagCount); }
  uint8_t* value() { return reinterpret_cast<uint8_t*>(key() + keyUnits); }
};

struct FifoQueue {
  Entry* head = nullptr;  // newest
  Entry* tail = nullptr;  // oldest: the next eviction candidate
  uint64_t bytes = 0;
  uint64_t count = 0;
};

// Current steady-clock time in nanoseconds.
int64_t nowNs();

class alignas(64) Shard {
 public:
  Shard() = default;
  ~Shard();
  Shard(const Shard&) = delete;
  Shard& operator=(const Shard&) = delete;

  void init(uint64_t budget);
  Entry* find(uint64_t hash, const char16_t* key, size_t keyUnits) const;
  // Counts a miss when absent; an expired entry is reclaimed and counted as a
  // miss. The caller counts a hit with hit() once it has served the entry.
  Entry* lookup(uint64_t hash, const char16_t* key, size_t keyUnits);
  void hit(Entry* e) {
    hits_++;
    if (e->freq < 3) e->freq++;
  }
  // Takes ownership of e; replaces an entry with the same key; evicts to fit.
  // tags: e->tagCount UTF-8 names, without duplicates.
  void insert(Entry* e, const std::string_view* tags, int64_t now);
  bool erase(uint64_t hash, const char16_t* key, size_t keyUnits);
  uint64_t invalidateTag(const std::string& tag);
  void clear();
  // Reclaims expired entries from wheel slots that are due, at most maxSlots.
  void advanceWheel(int64_t now, int maxSlots);
  void addStats(Stats* s) const;

  std::mutex mu;

 private:
  enum Reason { DELETED, EVICTED, EXPIRED };
  void removeEntry(Entry* e, Reason why);
  void unlinkChain(Entry* e);
  void growTable();
  void pushHead(FifoQueue& q, Entry* e);
  void unlinkQueue(Entry* e);
  void evictOne(int64_t now);
  void evictSmall(int64_t now);
  void evictMain(int64_t now);
  bool ghostTake(uint64_t hash);
  void ghostAdd(uint64_t hash);
  void wheelAdd(Entry* e, int64_t now);
  void wheelUnlink(Entry* e);
  void linkTags(Entry* e, const std::string_view* tags);
  void unlinkTags(Entry* e);

  uint64_t budget_ = 0;
  uint64_t smallTarget_ = 0;  // S3-FIFO: the small queue holds ~10 % of the bytes
  uint64_t bytes_ = 0;
  uint64_t count_ = 0;
  Entry** buckets_ = nullptr;
  size_t bucketMask_ = 0;
  FifoQueue small_, main_;
  // Ghost queue of S3-FIFO, approximated by a direct-mapped table of key
  // hashes stamped with an insertion clock: a hash is a ghost while fewer than
  // count_ hashes were added after it.
  struct Ghost {
    uint64_t hash;
    uint32_t stamp;
  };
  Ghost* ghosts_ = nullptr;
  size_t ghostMask_ = 0;
  uint32_t ghostClock_ = 0;
  Entry** wheel_ = nullptr;  // allocated with the first entry that has a TTL
  int64_t wheelTick_ = 0;    // next tick to reclaim
  std::unordered_map<std::string, TagHead> tags_;
  uint64_t hits_ = 0, misses_ = 0, evictions_ = 0, expirations_ = 0;
};

}  // namespace cache
}  // namespace griddle
