#include "snapshot.h"

#include <algorithm>

namespace griddle {

SnapshotCell::SnapshotCell(std::unique_ptr<RouteSnapshot> first) {
  first->generation = generation_;
  current_.store(first.release(), std::memory_order_release);
}

SnapshotCell::~SnapshotCell() {
  for (const Retired& r : retired_) delete r.snap;
  delete current_.load(std::memory_order_acquire);
  for (ReaderSlot* slot : readers_) delete slot;
}

void SnapshotCell::publish(std::unique_ptr<RouteSnapshot> snap, ReaderSlot* self) {
  std::lock_guard<std::mutex> lock(mu_);
  snap->generation = ++generation_;
  const RouteSnapshot* old = current_.exchange(snap.release(), std::memory_order_acq_rel);
  // Released after the exchange: a reader that sees this epoch sees the new snapshot.
  uint64_t epoch = epoch_.fetch_add(1, std::memory_order_acq_rel) + 1;
  retired_.push_back({old, epoch});
  if (self != nullptr) self->seen.store(epoch, std::memory_order_relaxed);
  reclaim();
}

void SnapshotCell::reclaim() {
  uint64_t oldest = UINT64_MAX;
  for (ReaderSlot* slot : readers_) oldest = std::min(oldest, slot->seen.load(std::memory_order_acquire));
  auto freeable = [oldest](const Retired& r) { return r.epoch <= oldest; };
  for (const Retired& r : retired_) {
    if (freeable(r)) delete r.snap;
  }
  retired_.erase(std::remove_if(retired_.begin(), retired_.end(), freeable), retired_.end());
}

ReaderSlot* SnapshotCell::addReader() {
  std::lock_guard<std::mutex> lock(mu_);
  auto* slot = new ReaderSlot();
  // It has read nothing yet: it holds back none of the snapshots already replaced.
  slot->seen.store(epoch_.load(std::memory_order_acquire), std::memory_order_relaxed);
  readers_.push_back(slot);
  return slot;
}

void SnapshotCell::removeReader(ReaderSlot* slot) {
  std::lock_guard<std::mutex> lock(mu_);
  readers_.erase(std::remove(readers_.begin(), readers_.end(), slot), readers_.end());
  delete slot;
  reclaim();
}

size_t SnapshotCell::retired() {
  std::lock_guard<std::mutex> lock(mu_);
  return retired_.size();
}

}  // namespace griddle
