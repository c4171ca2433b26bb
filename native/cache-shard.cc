#include "cache-shard.h"

#include <chrono>
#include <cstdlib>
#include <cstring>

namespace griddle {
namespace cache {

// The TTL wheel: 1024 slots of 2^24 ns (~16.8 ms), one lap ~17 s. An entry
// expiring later than one lap sits in its slot and is skipped until its lap.
constexpr int TICK_SHIFT = 24;
constexpr size_t WHEEL_SLOTS = 1024;
constexpr size_t MIN_TABLE = 64;

int64_t nowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

static inline bool expired(const Entry* e, int64_t now) { return e->expiresAt != 0 && now >= e->expiresAt; }

Shard::~Shard() {
  clear();
  std::free(buckets_);
  std::free(ghosts_);
  std::free(wheel_);
}

void Shard::init(uint64_t budget) {
  budget_ = budget;
  smallTarget_ = budget / 10;
  buckets_ = static_cast<Entry**>(std::calloc(MIN_TABLE, sizeof(Entry*)));
  bucketMask_ = MIN_TABLE - 1;
  ghosts_ = static_cast<Ghost*>(std::calloc(MIN_TABLE, sizeof(Ghost)));
  ghostMask_ = MIN_TABLE - 1;
}

Entry* Shard::find(uint64_t hash, const char16_t* key, size_t keyUnits) const {
  for (Entry* e = buckets_[hash & bucketMask_]; e != nullptr; e = e->chain) {
    if (e->hash == hash && e->keyUnits == keyUnits && std::memcmp(e->key(), key, keyUnits * 2) == 0) return e;
  }
  return nullptr;
}

// hot path: measure before changing
Entry* Shard::lookup(uint64_t hash, const char16_t* key, size_t keyUnits) {
  Entry* e = find(hash, key, keyUnits);
  if (e != nullptr && e->expiresAt != 0 && expired(e, nowNs())) {
    removeEntry(e, EXPIRED);
    e = nullptr;
  }
  if (e == nullptr) misses_++;
  return e;
}

// Doubles the bucket array when the load passes 1, and the ghost table with
// it (forgetting the ghosts: cheaper than rehashing them, and rare).
void Shard::growTable() {
  size_t n = (bucketMask_ + 1) * 2;
  auto* fresh = static_cast<Entry**>(std::calloc(n, sizeof(Entry*)));
  auto* ghosts = static_cast<Ghost*>(std::calloc(n, sizeof(Ghost)));
  if (fresh == nullptr || ghosts == nullptr) {
    std::free(fresh);
    std::free(ghosts);
    return;  // keep the longer chains rather than fail the insert
  }
  for (size_t i = 0; i <= bucketMask_; i++) {
    for (Entry* e = buckets_[i]; e != nullptr;) {
      Entry* next = e->chain;
      e->chain = fresh[e->hash & (n - 1)];
      fresh[e->hash & (n - 1)] = e;
      e = next;
    }
  }
  std::free(buckets_);
  std::free(ghosts_);
  buckets_ = fresh;
  bucketMask_ = n - 1;
  ghosts_ = ghosts;
  ghostMask_ = n - 1;
}

void Shard::unlinkChain(Entry* e) {
  Entry** p = &buckets_[e->hash & bucketMask_];
  while (*p != e) p = &(*p)->chain;
  *p = e->chain;
}

void Shard::pushHead(FifoQueue& q, Entry* e) {
  e->prev = nullptr;
  e->next = q.head;
  if (q.head != nullptr) q.head->prev = e;
  else q.tail = e;
  q.head = e;
  q.bytes += e->charge;
  q.count++;
}

void Shard::unlinkQueue(Entry* e) {
  FifoQueue& q = e->queue == MAIN ? main_ : small_;
  if (e->prev != nullptr) e->prev->next = e->next;
  else q.head = e->next;
  if (e->next != nullptr) e->next->prev = e->prev;
  else q.tail = e->prev;
  q.bytes -= e->charge;
  q.count--;
}

void Shard::removeEntry(Entry* e, Reason why) {
  unlinkChain(e);
  unlinkQueue(e);
  if (e->expiresAt != 0) wheelUnlink(e);
  if (e->tagCount != 0) unlinkTags(e);
  bytes_ -= e->charge;
  count_--;
  if (why == EVICTED) evictions_++;
  else if (why == EXPIRED) expirations_++;
  std::free(e);
}

// ---- S3-FIFO ---------------------------------------------------------------
// New keys enter the small queue; one that is read again before it reaches
// the small queue's tail moves to the main queue, the rest leave (one-hit
// wonders and scans never touch the main queue). Keys evicted from the small
// queue are remembered as ghosts; a ghost that comes back goes straight to
// main. The main queue is a FIFO with reinsertion (CLOCK-like): an entry read
// since its last pass gets another lap. Hits only bump a counter.

void Shard::evictOne(int64_t now) {
  if (small_.count != 0 && (small_.bytes > smallTarget_ || main_.count == 0)) evictSmall(now);
  else if (main_.count != 0) evictMain(now);
}

void Shard::evictSmall(int64_t now) {
  while (Entry* e = small_.tail) {
    if (expired(e, now)) return removeEntry(e, EXPIRED);
    if (e->freq == 0) {
      ghostAdd(e->hash);
      return removeEntry(e, EVICTED);
    }
    unlinkQueue(e);
    e->freq = 0;
    e->queue = MAIN;
    pushHead(main_, e);
  }
  evictMain(now);
}

void Shard::evictMain(int64_t now) {
  while (Entry* e = main_.tail) {
    if (expired(e, now)) return removeEntry(e, EXPIRED);
    if (e->freq == 0) return removeEntry(e, EVICTED);
    e->freq--;
    unlinkQueue(e);
    pushHead(main_, e);
  }
}

bool Shard::ghostTake(uint64_t hash) {
  Ghost& g = ghosts_[(hash >> 20) & ghostMask_];
  if (g.hash != hash || static_cast<uint32_t>(ghostClock_ - g.stamp) > count_) return false;
  g.hash = 0;
  return true;
}

void Shard::ghostAdd(uint64_t hash) {
  Ghost& g = ghosts_[(hash >> 20) & ghostMask_];
  g.hash = hash;
  g.stamp = ++ghostClock_;
}

void Shard::insert(Entry* e, const std::string_view* tags, int64_t now) {
  advanceWheel(now, 64);
  bool toMain = false;
  if (Entry* old = find(e->hash, e->key(), e->keyUnits)) {
    toMain = old->queue == MAIN;
    e->freq = old->freq;
    removeEntry(old, DELETED);
  } else {
    toMain = ghostTake(e->hash);
  }
  while (bytes_ + e->charge > budget_ && count_ != 0) evictOne(now);
  if (count_ + 1 > bucketMask_ + 1) growTable();
  e->chain = buckets_[e->hash & bucketMask_];
  buckets_[e->hash & bucketMask_] = e;
  e->queue = toMain ? MAIN : SMALL;
  pushHead(toMain ? main_ : small_, e);
  if (e->expiresAt != 0) wheelAdd(e, now);
  if (e->tagCount != 0) linkTags(e, tags);
  bytes_ += e->charge;
  count_++;
}

bool Shard::erase(uint64_t hash, const char16_t* key, size_t keyUnits) {
  Entry* e = find(hash, key, keyUnits);
  if (e == nullptr) return false;
  bool live = !expired(e, nowNs());
  removeEntry(e, live ? DELETED : EXPIRED);
  return live;
}

void Shard::clear() {
  for (FifoQueue* q : {&small_, &main_}) {
    while (q->tail != nullptr) removeEntry(q->tail, DELETED);
  }
}

// ---- TTL wheel ---------------------------------------------------------------

void Shard::wheelAdd(Entry* e, int64_t now) {
  if (wheel_ == nullptr) {
    wheel_ = static_cast<Entry**>(std::calloc(WHEEL_SLOTS, sizeof(Entry*)));
    wheelTick_ = now >> TICK_SHIFT;
    if (wheel_ == nullptr) {  // no wheel: the entry is reclaimed on access or eviction
      e->wprev = e->wnext = e;
      return;
    }
  }
  int64_t tick = e->expiresAt >> TICK_SHIFT;
  if (tick < wheelTick_) tick = wheelTick_;
  e->wheelSlot = static_cast<uint16_t>(static_cast<size_t>(tick) & (WHEEL_SLOTS - 1));
  Entry*& slot = wheel_[e->wheelSlot];
  e->wprev = nullptr;
  e->wnext = slot;
  if (slot != nullptr) slot->wprev = e;
  slot = e;
}

void Shard::wheelUnlink(Entry* e) {
  if (e->wprev == e) return;  // never linked (see wheelAdd)
  if (e->wprev != nullptr) e->wprev->wnext = e->wnext;
  else wheel_[e->wheelSlot] = e->wnext;
  if (e->wnext != nullptr) e->wnext->wprev = e->wprev;
}

void Shard::advanceWheel(int64_t now, int maxSlots) {
  if (wheel_ == nullptr) return;
  int64_t nowTick = now >> TICK_SHIFT;
  if (nowTick - wheelTick_ > static_cast<int64_t>(WHEEL_SLOTS)) wheelTick_ = nowTick - WHEEL_SLOTS;
  for (int n = 0; wheelTick_ < nowTick && n < maxSlots; n++, wheelTick_++) {
    for (Entry* e = wheel_[static_cast<size_t>(wheelTick_) & (WHEEL_SLOTS - 1)]; e != nullptr;) {
      Entry* next = e->wnext;
      if (expired(e, now)) removeEntry(e, EXPIRED);
      e = next;
    }
  }
}

// ---- tags --------------------------------------------------------------------

void Shard::linkTags(Entry* e, const std::string_view* tags) {
  for (uint16_t i = 0; i < e->tagCount; i++) {
    auto it = tags_.try_emplace(std::string(tags[i])).first;
    TagHead& head = it->second;
    head.name = &it->first;
    TagLink& link = e->tags()[i];
    link.owner = e;
    link.head = &head;
    link.prev = nullptr;
    link.next = head.first;
    if (head.first != nullptr) head.first->prev = &link;
    head.first = &link;
  }
}

void Shard::unlinkTags(Entry* e) {
  for (uint16_t i = 0; i < e->tagCount; i++) {
    TagLink& link = e->tags()[i];
    if (link.prev != nullptr) link.prev->next = link.next;
    else link.head->first = link.next;
    if (link.next != nullptr) link.next->prev = link.prev;
    // Erase through an iterator: the key argument would be the node's own key.
    if (link.head->first == nullptr) tags_.erase(tags_.find(*link.head->name));
  }
}

// Time proportional to the entries carrying the tag: the tag's list is walked,
// nothing else.
uint64_t Shard::invalidateTag(const std::string& tag) {
  auto it = tags_.find(tag);
  if (it == tags_.end()) return 0;
  TagHead* head = &it->second;
  uint64_t removed = 0;
  int64_t now = 0;
  for (;;) {
    TagLink* link = head->first;
    bool last = link->next == nullptr;  // removing the last one erases head
    Entry* e = link->owner;
    if (e->expiresAt != 0 && now == 0) now = nowNs();
    bool live = !expired(e, now);
    removeEntry(e, live ? DELETED : EXPIRED);
    removed += live;
    if (last) break;
  }
  return removed;
}

void Shard::addStats(Stats* s) const {
  s->entries += count_;
  s->bytes += bytes_;
  s->hits += hits_;
  s->misses += misses_;
  s->evictions += evictions_;
  s->expirations += expirations_;
}

}  // namespace cache
}  // namespace griddle
