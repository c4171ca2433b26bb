// The internals behind native/flags.h, shared by its translation units:
// the compiled snapshot (flags-store.cc compiles it from the program), the
// named store with its hazard slots, and the evaluation (flags-eval.cc).
// flags.cc holds only the JS_flags* boundary.
#pragma once

#include <node_api.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace griddle {
namespace flags {

// The program (a Float64Array written by lib/traffic/flags.ts):
//   [flagCount, experimentCount, flag..., experiment...]
//   flag:       enabled, rolloutBp (-1: none), seedLo, seedHi, variantSeedLo, variantSeedHi, n, weight * n
//   experiment: enabled, seedLo, seedHi, coverageBp, nsSeedLo, nsSeedHi, nsStartBp, nsEndBp,
//               holdoutSeedLo, holdoutSeedHi, holdoutBp, sticky, n, audience (0|1), weight * n
// Counters, named by the caller in this order: per flag [off, on or variant 0, variant 1, ...],
// per experiment one per arm.
constexpr int FLAG_FIXED = 7;
constexpr int EXPERIMENT_FIXED = 14;

using Counter = std::atomic<uint64_t>;

struct Flag {
  bool enabled;
  int32_t rolloutBp;
  uint64_t seed, variantSeed;
  std::vector<double> cumulative;  // running sums of the variant weights
  std::vector<Counter*> counters;  // off, then one per variant (or "on")
};

struct Experiment {
  bool enabled, sticky;
  bool audience;  // it has audience rules, which only JavaScript evaluates (they read attributes)
  uint64_t seed, nsSeed, holdoutSeed;
  uint32_t coverageBp, nsStart, nsEnd, holdoutBp;
  std::vector<double> weights, cumulative;
  std::vector<Counter*> counters;
};

struct Snapshot {
  int32_t seq;
  std::string json;
  std::vector<Flag> flags;
  std::vector<Experiment> experiments;
  std::unordered_map<std::string, int32_t> experimentIndex;  // by name, for routes keyed by arms
};

struct Slot {
  std::atomic<Snapshot*> reading{nullptr};
  bool inUse = true;  // guarded by FlagStore::mu
};

struct FlagStore {
  std::atomic<Snapshot*> current{nullptr};
  std::mutex mu;  // writers and slot registration only; readers never take it
  int32_t seq = 0;
  std::vector<Slot*> slots;  // never freed: a finished thread's slot is reused
  std::vector<Snapshot*> retired;
  std::unordered_map<std::string, std::unique_ptr<Counter>> counters;

  Slot* join();
  void leave(Slot* s);
  Counter* counter(const std::string& name);
  // Frees every retired snapshot no slot is reading; called with mu held.
  void reclaim();
};

// The store of that name, made on first use; every thread naming it shares it.
std::shared_ptr<FlagStore> openStore(const std::string& name);

// The store behind a flag store handle (the function JS_flagsOpen returns);
// null after throwing a TypeError when v is not one.
std::shared_ptr<FlagStore> storeOf(napi_env env, napi_value v);

// Announces the current snapshot in the thread's slot; the re-check makes sure
// the writer cannot have retired and scanned it in between.
inline Snapshot* enter(FlagStore& store, Slot* slot) {
  Snapshot* p;
  do {
    p = store.current.load();
    slot->reading.store(p);
  } while (p != store.current.load());
  return p;
}
inline void leave(Slot* slot) { slot->reading.store(nullptr, std::memory_order_release); }

// The hot calls' variant: the slot keeps announcing the snapshot between
// calls, so while it is still current a call costs one load and no store (the
// seq_cst store of enter() is the dearest step of a flag call). A replaced
// snapshot then lives until this thread's next call, or its handle's end.
inline Snapshot* enterHeld(FlagStore& store, Slot* slot, Snapshot*& held) {
  Snapshot* p = store.current.load(std::memory_order_acquire);
  if (p == held) return p;
  held = p = enter(store, slot);
  return p;
}

// Parses the program into s; false when it is malformed (lib/traffic/flags.ts
// writes it, so this only guards against a caller bypassing the twin).
bool compile(FlagStore& store, const double* p, size_t n, napi_env env, napi_value names, uint32_t nameCount, Snapshot* s);

// A flag's outcome (variant index or EvalStatus) for a unit hash, counting nothing.
int32_t flagOutcome(const Flag& f, int32_t forced, uint64_t unit);
// A flag's outcome (variant index or EvalStatus) for a unit hash; counts one exposure.
int32_t evalFlag(const Flag& f, int32_t forced, uint64_t unit);
// An experiment's arm (or EvalStatus) for a unit hash; count adds one exposure.
int32_t evalExperiment(const Experiment& e, uint64_t unit, bool count);

inline uint64_t unitOf(int32_t lo, int32_t hi) {
  return static_cast<uint64_t>(static_cast<uint32_t>(lo)) | static_cast<uint64_t>(static_cast<uint32_t>(hi)) << 32;
}

}  // namespace flags
}  // namespace griddle
