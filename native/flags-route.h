// Experiments on cached routes (docs/flags.md): a route that names the
// experiments its body depends on is cached per arm. Dispatch computes the
// arms here, from the flag snapshot and the unit hash it just wrote, and
// keys the probe by them (dispatchkey::appendArms), so a hit still costs one
// crossing and no unit gets another arm's body.
#pragma once

#include <node_api.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "flags-store.h"

namespace griddle {
namespace flags {

// At most this many experiments key one route: each takes a byte of the packed arms.
constexpr int ROUTE_EXPERIMENTS_MAX = 3;
// The packed arms dispatch writes (io[EXP_ARM]).
constexpr int32_t ARMS_NONE = 0;         // the route depends on no experiment
constexpr int32_t ARMS_UNCACHED = -1;    // an arm needs JavaScript (an audience): no probe, no store
constexpr int32_t ARMS_KEYED = 1 << 24;  // | (arm + 1) << 8 * i per experiment i, 0 outside it

// One thread's table (it belongs to a dispatcher): route id -> experiment
// names, resolved to indices once per snapshot.
struct RouteArms {
  std::shared_ptr<FlagStore> store;
  Slot* slot = nullptr;  // this thread's hazard slot in the store
  Snapshot* held = nullptr;  // what slot announces between dispatches (enterHeld)
  bool missingEmpty = false;  // unitKey.missing 'empty': keyless units bucket as the key ""
  std::vector<std::vector<std::string>> names;
  std::vector<std::vector<int32_t>> indices;  // same shape; -1 for a name the snapshot lacks
  int32_t resolvedSeq = -1;
  // The counters of the arms last computed, counted only when they answer (a hit).
  Counter* pending[ROUTE_EXPERIMENTS_MAX] = {};
  int pendingCount = 0;
  ~RouteArms();
};

// A table on the store of a flag store handle; null after throwing.
std::unique_ptr<RouteArms> routeArmsOf(napi_env env, napi_value flags, bool missingEmpty);

// Names the experiments route `id` depends on (empty: none).
void setRouteExperiments(RouteArms& ra, size_t id, std::vector<std::string> names);

// hot path: measure before changing
// Writes the packed arms of route `id` for the unit hash unit[0..2] (lo, hi,
// set: the io[UNIT_*] slots) to out[0], and the snapshot's seq to out[1].
void computeRouteArms(RouteArms& ra, int32_t id, const int32_t* unit, int32_t* out);

// One exposure per arm computed last: for an answer that no handler ran for.
void countRouteArms(RouteArms& ra);

}  // namespace flags
}  // namespace griddle
