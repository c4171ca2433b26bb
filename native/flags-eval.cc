// Flag and experiment evaluation on one unit hash: rollout, variant split,
// holdout, namespace, coverage and arm, each from its own seed.
#include <cmath>

#include "bucket.h"
#include "flags-store.h"
#include "flags.h"

namespace griddle {
namespace flags {

namespace {

// Arm positions and coverage come from the same experiment seed; this keeps them apart.
constexpr uint64_t COVERAGE_SALT = 0x636f766572616765ULL;  // "coverage"

// Index in cumulative weights of a point in [0, total).
int32_t pick(const std::vector<double>& cumulative, double point) {
  for (size_t i = 0; i < cumulative.size(); i++) {
    if (point < cumulative[i]) return static_cast<int32_t>(i);
  }
  return static_cast<int32_t>(cumulative.size()) - 1;
}

// Weighted rendezvous hashing: the arm with the smallest -ln(u) / weight
// wins. Changing weights moves a unit only to an arm whose weight grew, so
// assignments stay sticky without storing them.
int32_t pickSticky(const Experiment& e, uint64_t unit) {
  int32_t best = -1;
  double bestScore = 0;
  for (size_t i = 0; i < e.weights.size(); i++) {
    if (e.weights[i] <= 0) continue;
    double score = -std::log(bucket::unitInterval(unit, e.seed + i + 1)) / e.weights[i];
    if (best < 0 || score < bestScore) {
      best = static_cast<int32_t>(i);
      bestScore = score;
    }
  }
  return best;
}

}  // namespace

int32_t flagOutcome(const Flag& f, int32_t forced, uint64_t unit) {
  if (!f.enabled) return EVAL_DISABLED;
  int32_t r;
  if (forced == FORCE_OFF) {
    r = EVAL_OFF;
  } else if (forced != EVAL_OFF) {
    r = forced;
  } else if (f.rolloutBp >= 0 && bucket::flagBasisPoints(bucket::flagPosition(unit, f.seed)) >= static_cast<uint32_t>(f.rolloutBp)) {
    r = EVAL_OFF;
  } else if (f.cumulative.empty() || f.cumulative.back() <= 0) {
    r = 0;
  } else {
    // The same operations in the same order as lib/traffic/flags.ts flagOutcome.
    double point = bucket::flagFraction(bucket::flagPosition(unit, f.variantSeed)) * f.cumulative.back();
    r = pick(f.cumulative, point);
  }
  return r;
}

int32_t evalFlag(const Flag& f, int32_t forced, uint64_t unit) {
  int32_t r = flagOutcome(f, forced, unit);
  size_t slot = static_cast<size_t>(r + 1);
  if (slot < f.counters.size()) f.counters[slot]->fetch_add(1, std::memory_order_relaxed);
  return r;
}

int32_t evalExperiment(const Experiment& e, uint64_t unit, bool count) {
  if (!e.enabled) return EVAL_DISABLED;
  if (e.holdoutBp > 0 && bucket::basisPoints(unit, e.holdoutSeed) < e.holdoutBp) return EVAL_HOLDOUT;
  uint32_t ns = bucket::basisPoints(unit, e.nsSeed);
  if (ns < e.nsStart || ns >= e.nsEnd) return EVAL_OFF;
  if (bucket::basisPoints(unit, e.seed ^ COVERAGE_SALT) >= e.coverageBp) return EVAL_OFF;
  if (e.cumulative.empty() || e.cumulative.back() <= 0) return EVAL_OFF;
  int32_t arm;
  if (e.sticky) {
    arm = pickSticky(e, unit);
  } else {
    double point = static_cast<double>(bucket::position(unit, e.seed) >> 11) * (1.0 / 9007199254740992.0);
    arm = pick(e.cumulative, point * e.cumulative.back());
  }
  if (count && arm >= 0) e.counters[arm]->fetch_add(1, std::memory_order_relaxed);
  return arm;
}

}  // namespace flags
}  // namespace griddle
