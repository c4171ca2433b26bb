// An immutable value published through one atomic pointer, read without a
// lock: the reclamation scheme of native/snapshot.h (RCU with quiescent
// states, one epoch announced per read), for any type. SnapshotCell keeps its
// own copy for route snapshots; this one serves the release table
// (native/release.h), whose readers are dispatchers on many threads.
//
// A read lasts one native call: enter() announces the epoch the reader has
// reached, which says "I hold nothing from before this". A value replaced at
// epoch E is freed once every registered reader has announced E or later.
// The reader pays two loads and one store, plain moves on x86.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

namespace griddle {

// One reader's registration, alone on its cache line.
struct alignas(64) EpochSlot {
  std::atomic<uint64_t> seen{0};
};

template <class T>
class EpochCell {
 public:
  explicit EpochCell(std::unique_ptr<T> first) { current_.store(first.release(), std::memory_order_release); }
  ~EpochCell() {  // no reader may remain
    for (const Retired& r : retired_) delete r.value;
    delete current_.load(std::memory_order_acquire);
    for (EpochSlot* s : readers_) delete s;
  }
  EpochCell(const EpochCell&) = delete;
  EpochCell& operator=(const EpochCell&) = delete;

  // hot path: measure before changing
  // Starts a read: the value stays valid until this slot's next enter().
  const T* enter(EpochSlot& slot) const {
    slot.seen.store(epoch_.load(std::memory_order_acquire), std::memory_order_release);
    return current_.load(std::memory_order_acquire);
  }

  // The current value for a writer (callers hold their own lock against other writers).
  const T* peek() const { return current_.load(std::memory_order_acquire); }

  // Makes next current and frees what no reader can hold.
  void publish(std::unique_ptr<T> next) {
    std::lock_guard<std::mutex> lock(mu_);
    const T* old = current_.exchange(next.release(), std::memory_order_acq_rel);
    uint64_t epoch = epoch_.fetch_add(1, std::memory_order_acq_rel) + 1;
    retired_.push_back({old, epoch});
    reclaim();
  }

  EpochSlot* addReader() {
    std::lock_guard<std::mutex> lock(mu_);
    auto* slot = new EpochSlot();
    slot->seen.store(epoch_.load(std::memory_order_acquire), std::memory_order_relaxed);
    readers_.push_back(slot);
    return slot;
  }

  void removeReader(EpochSlot* slot) {
    std::lock_guard<std::mutex> lock(mu_);
    readers_.erase(std::remove(readers_.begin(), readers_.end(), slot), readers_.end());
    delete slot;
    reclaim();
  }

  size_t retired() {
    std::lock_guard<std::mutex> lock(mu_);
    return retired_.size();
  }

 private:
  struct Retired {
    const T* value;
    uint64_t epoch;
  };
  void reclaim() {  // mu_ held
    uint64_t oldest = UINT64_MAX;
    for (EpochSlot* s : readers_) oldest = std::min(oldest, s->seen.load(std::memory_order_acquire));
    auto freeable = [oldest](const Retired& r) { return r.epoch <= oldest; };
    for (const Retired& r : retired_) {
      if (freeable(r)) delete r.value;
    }
    retired_.erase(std::remove_if(retired_.begin(), retired_.end(), freeable), retired_.end());
  }

  std::atomic<const T*> current_;
  std::atomic<uint64_t> epoch_{1};
  std::mutex mu_;
  std::vector<EpochSlot*> readers_;
  std::vector<Retired> retired_;
};

}  // namespace griddle
