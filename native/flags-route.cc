#include "flags-route.h"

#include "bucket.h"

namespace griddle {
namespace flags {

RouteArms::~RouteArms() {
  if (store && slot != nullptr) store->leave(slot);
}

std::unique_ptr<RouteArms> routeArmsOf(napi_env env, napi_value flags, bool missingEmpty) {
  std::shared_ptr<FlagStore> store = storeOf(env, flags);
  if (!store) return nullptr;
  auto ra = std::make_unique<RouteArms>();
  ra->store = std::move(store);
  ra->slot = ra->store->join();
  ra->missingEmpty = missingEmpty;
  return ra;
}

namespace {

void resolve(RouteArms& ra, const Snapshot& s) {
  ra.indices.resize(ra.names.size());
  for (size_t r = 0; r < ra.names.size(); r++) {
    ra.indices[r].clear();
    for (const std::string& name : ra.names[r]) {
      auto it = s.experimentIndex.find(name);
      ra.indices[r].push_back(it == s.experimentIndex.end() ? -1 : it->second);
    }
  }
  ra.resolvedSeq = s.seq;
}

// The arms, as req.experiment(name) answers for the same snapshot and unit:
// unknown, disabled, held out or outside coverage all pack as 0 (null).
int32_t pack(RouteArms& ra, const Snapshot& s, const std::vector<int32_t>& idx, uint64_t unit) {
  int32_t packed = ARMS_KEYED;
  for (size_t i = 0; i < idx.size(); i++) {
    if (idx[i] < 0) continue;
    const Experiment& e = s.experiments[static_cast<size_t>(idx[i])];
    if (e.audience) return ARMS_UNCACHED;
    int32_t arm = evalExperiment(e, unit, false);
    if (arm < 0) continue;
    if (arm >= 255) return ARMS_UNCACHED;
    packed |= (arm + 1) << (8 * i);
    ra.pending[ra.pendingCount++] = e.counters[static_cast<size_t>(arm)];
  }
  return packed;
}

}  // namespace

void computeRouteArms(RouteArms& ra, int32_t id, const int32_t* unit, int32_t* out) {
  ra.pendingCount = 0;
  if (id < 0 || static_cast<size_t>(id) >= ra.names.size() || ra.names[id].empty()) {
    out[0] = ARMS_NONE;
    return;
  }
  Snapshot* s = enterHeld(*ra.store, ra.slot, ra.held);
  out[1] = s == nullptr ? 0 : s->seq;
  if (s == nullptr || (unit[2] == 0 && !ra.missingEmpty)) {
    out[0] = ARMS_KEYED;  // no config yet, or no key under missing "off": every arm is null
    return;
  }
  if (ra.resolvedSeq != s->seq) resolve(ra, *s);
  static const uint8_t NONE = 0;
  static const uint64_t EMPTY = bucket::unitHash(&NONE, 0);  // the key "" (missing: 'empty')
  uint64_t u = unit[2] != 0 ? unitOf(unit[0], unit[1]) : EMPTY;
  out[0] = pack(ra, *s, ra.indices[static_cast<size_t>(id)], u);
  if (out[0] == ARMS_UNCACHED) ra.pendingCount = 0;
}

void setRouteExperiments(RouteArms& ra, size_t id, std::vector<std::string> names) {
  if (ra.names.size() <= id) ra.names.resize(id + 1);
  ra.names[id] = std::move(names);
  ra.resolvedSeq = -1;
}

void countRouteArms(RouteArms& ra) {
  for (int i = 0; i < ra.pendingCount; i++) ra.pending[i]->fetch_add(1, std::memory_order_relaxed);
  ra.pendingCount = 0;
}

}  // namespace flags
}  // namespace griddle
