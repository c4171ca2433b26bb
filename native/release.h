// Releases (live upgrades, DESIGN.md §4, §9): the process-wide table of each
// route's release state, read by every dispatcher of the process without a
// lock. A route key ("GET /users/:id") gets a slot index once, the same on
// every thread; each thread's RouteState holds that index (set when routes
// are registered). The live states are one immutable snapshot published with
// one atomic swap (native/util/epoch-cell.h): a change of percent, ghost
// sample or arms reaches every thread at once and never half-way.
// lib/traffic/release-table.ts is the TypeScript twin.
#pragma once

#include <node_api.h>

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "bucket.h"
#include "util/epoch-cell.h"

namespace griddle {
namespace release {

// One route's live release state. Inactive: the route serves arm 0 (no
// release ever), and dispatch writes nothing else.
struct Live {
  bool active = false;
  uint32_t percentBp = 0;   // candidate when the unit's position < percentBp
  uint32_t ghostBp = 0;     // ghost bit on stable requests whose ghost position < ghostBp
  uint64_t seed = 0;        // the release's seed (the ghost position uses it salted)
  int32_t stableArm = 0;
  int32_t candidateArm = 0;
};

struct Snapshot {
  std::vector<Live> live;  // by slot index
  uint64_t generation = 0;
};

// The layout of a state as JS reads and writes it (Int32Array; exported as native.RELEASE).
enum StateSlot : int {
  ST_ACTIVE = 0,
  ST_PERCENT_BP,
  ST_GHOST_BP,
  ST_SEED_LO,
  ST_SEED_HI,
  ST_STABLE_ARM,
  ST_CANDIDATE_ARM,
  ST_GENERATION,  // out only: the snapshot's generation
  ST_SIZE
};

// The largest arm id: stats keys keep 16 bits of arm, and 0 means "no release".
constexpr int32_t MAX_ARM = 0xffff;

class Table {
 public:
  Table() : cell_(std::make_unique<Snapshot>()) {}
  // The slot of a route key, claimed on first use; slots are never removed.
  int32_t slotFor(const std::string& key);
  // The arm id of a version name (1 and up), claimed on first use; -1 when full.
  int32_t armFor(const std::string& version);
  int32_t arms();
  // Copies the current snapshot, changes one slot, publishes the copy.
  void set(int32_t slot, const Live& live);
  Live get(int32_t slot, uint64_t* generation);
  EpochCell<Snapshot>& cell() { return cell_; }

 private:
  std::mutex mu_;  // writers and name tables; never readers
  std::unordered_map<std::string, int32_t> slots_;
  std::unordered_map<std::string, int32_t> arms_;
  EpochCell<Snapshot> cell_;
};

// One dispatcher's registration with a table: its reader slot and the
// generator of positions for requests without a unit key.
struct Reader {
  std::shared_ptr<Table> table;
  EpochSlot* slot;
  uint64_t rng;
  Reader(std::shared_ptr<Table> t, uint64_t seed);
  ~Reader();
  Reader(const Reader&) = delete;
  Reader& operator=(const Reader&) = delete;
};

// Salt of the ghost position, so that it is independent of the candidate's.
constexpr uint64_t GHOST_SALT = 0x67686f7374000000ULL;  // "ghost"

// hot path: measure before changing
// The arm of one request on release slot `slot`, and its ghost bit; unit is
// io[UNIT_LO..UNIT_SET]. Writes arm (0 when the slot has no live release) and ghost.
inline void choose(Reader& r, int32_t slot, const int32_t* unit, int32_t* arm, int32_t* ghost) {
  const Snapshot* s = r.table->cell().enter(*r.slot);
  if (slot < 0 || static_cast<size_t>(slot) >= s->live.size()) return;
  const Live& l = s->live[slot];
  if (!l.active) return;
  uint64_t u;
  if (unit[2] != 0) {
    u = static_cast<uint64_t>(static_cast<uint32_t>(unit[0])) | static_cast<uint64_t>(static_cast<uint32_t>(unit[1])) << 32;
  } else {
    // No unit key: a position drawn for this request alone (xorshift64*), used
    // for both decisions. Such requests are not sticky: each is drawn afresh.
    r.rng ^= r.rng >> 12;
    r.rng ^= r.rng << 25;
    r.rng ^= r.rng >> 27;
    u = r.rng * 0x2545f4914f6cdd1dULL;
  }
  if (bucket::basisPoints(u, l.seed) < l.percentBp) {
    *arm = l.candidateArm;
    return;
  }
  *arm = l.stableArm;
  *ghost = l.ghostBp > 0 && bucket::basisPoints(u, l.seed ^ GHOST_SALT) < l.ghostBp;
}

// The reader behind a JS release-table handle, for dispatch.cc; null after
// throwing when it is not one.
std::shared_ptr<Table> tableOf(napi_env env, napi_value handle);

bool initRelease(napi_env env, napi_value exports);

}  // namespace release
}  // namespace griddle
