// Flags and experiments: a compiled, immutable snapshot per named store,
// shared by every thread of the process and replaced with one pointer swap.
// Readers never lock: each thread announces the snapshot it reads in its own
// hazard slot, and a replaced snapshot is freed once no slot holds it.
// The TypeScript twin, lib/traffic/flags.ts, validates the config and writes
// the compact program this module reads (layout in flags-store.h).
#pragma once

#include <node_api.h>

#include <cstdint>

namespace griddle {
namespace flags {

// Results of the evaluation calls; a result >= 0 is a variant or arm index.
enum EvalStatus : int32_t {
  EVAL_OFF = -1,       // flag: not in its rollout; experiment: outside its coverage or namespace range
  EVAL_DISABLED = -2,  // the kill switch is off
  EVAL_STALE = -3,     // the caller compiled another snapshot: refresh and retry
  EVAL_HOLDOUT = -4,   // experiment: the unit is in a holdout
  EVAL_UNKNOWN = -5,   // no flag or experiment at that index
};
// The `forced` argument of a flag evaluation when a rule chose "off".
constexpr int32_t FORCE_OFF = -6;

bool initFlags(napi_env env, napi_value exports);

}  // namespace flags
}  // namespace griddle
