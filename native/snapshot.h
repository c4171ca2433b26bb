// Publication of route snapshots: one atomic pointer that the writer swaps and
// any number of threads read without a lock, never seeing half a change.
//
// Reclamation is RCU with quiescent states. A reader's read lasts one native
// call (a lookup or a dispatch); at the start of each it announces the epoch
// it has reached in its ReaderSlot, which says "I no longer hold any snapshot
// from before this". A snapshot replaced at epoch E is freed once every
// registered reader has announced E or later. The reader's cost is two loads
// and one store, all plain moves on x86 (no fence, no lock, no shared counter:
// libstdc++'s atomic shared_ptr takes a lock, and a reference count would
// bounce one cache line between every reading thread).
//
// A reader that stops reading holds back the snapshots published after its
// last read until it reads again or is removed (its handle's finalizer).
// A writer's own slot is quiescent while it publishes, so a thread that both
// registers routes and serves them never holds back anything.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include <node_api.h>

#include "router.h"

namespace griddle {

// One reading thread's registration, alone on its cache line: only its
// reader writes it; the writer reads it when it publishes.
struct alignas(64) ReaderSlot {
  std::atomic<uint64_t> seen{0};
};

class SnapshotCell {
 public:
  explicit SnapshotCell(std::unique_ptr<RouteSnapshot> first);
  ~SnapshotCell();  // no reader may remain
  SnapshotCell(const SnapshotCell&) = delete;
  SnapshotCell& operator=(const SnapshotCell&) = delete;

  // hot path: measure before changing
  // Starts a read: the snapshot stays valid until this slot's next enter().
  const RouteSnapshot* enter(ReaderSlot& slot) const {
    slot.seen.store(epoch_.load(std::memory_order_acquire), std::memory_order_release);
    return current_.load(std::memory_order_acquire);
  }

  // Makes snap the current snapshot (its generation is set here) and frees the
  // ones no reader can hold. self: the caller's own slot, or null.
  void publish(std::unique_ptr<RouteSnapshot> snap, ReaderSlot* self);
  ReaderSlot* addReader();
  void removeReader(ReaderSlot* slot);
  // Snapshots replaced but not yet freed (tests).
  size_t retired();

 private:
  void reclaim();  // mu_ held

  struct Retired {
    const RouteSnapshot* snap;
    uint64_t epoch;
  };
  std::atomic<const RouteSnapshot*> current_;
  std::atomic<uint64_t> epoch_{1};
  std::mutex mu_;  // publishers, registration and reclamation; never readers
  std::vector<ReaderSlot*> readers_;
  std::vector<Retired> retired_;
  uint64_t generation_ = 1;
};

// hot path: measure before changing
inline const RouteSnapshot& RouterHandle::read() {
  if (pending) publish();
  return *cell->enter(*slot);
}

// Registers the test hooks of native/snapshot-check.cc.
bool initSnapshotCheck(napi_env env, napi_value exports);

}  // namespace griddle
