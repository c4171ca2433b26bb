#include "flags.h"

#include <atomic>
#include <cmath>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "bucket.h"
#include "util/boundary.h"

namespace griddle {
namespace flags {

namespace {

// The program (a Float64Array written by lib/traffic/flags.ts):
//   [flagCount, experimentCount, flag..., experiment...]
//   flag:       enabled, rolloutBp (-1: none), seedLo, seedHi, variantSeedLo, variantSeedHi, n, weight * n
//   experiment: enabled, seedLo, seedHi, coverageBp, nsSeedLo, nsSeedHi, nsStartBp, nsEndBp,
//               holdoutSeedLo, holdoutSeedHi, holdoutBp, sticky, n, weight * n
// Counters, named by the caller in this order: per flag [off, on or variant 0, variant 1, ...],
// per experiment one per arm.
constexpr int FLAG_FIXED = 7;
constexpr int EXPERIMENT_FIXED = 13;
// Arm positions and coverage come from the same experiment seed; this keeps them apart.
constexpr uint64_t COVERAGE_SALT = 0x636f766572616765ULL;  // "coverage"

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

  Slot* join() {
    std::lock_guard<std::mutex> lock(mu);
    for (Slot* s : slots) {
      if (!s->inUse) {
        s->inUse = true;
        return s;
      }
    }
    slots.push_back(new Slot);
    return slots.back();
  }
  void leave(Slot* s) {
    std::lock_guard<std::mutex> lock(mu);
    s->reading.store(nullptr);
    s->inUse = false;
  }
  Counter* counter(const std::string& name) {
    auto& c = counters[name];
    if (!c) c = std::make_unique<Counter>(0);
    return c.get();
  }
  // Frees every retired snapshot no slot is reading; called with mu held.
  void reclaim() {
    std::vector<Snapshot*> keep;
    for (Snapshot* r : retired) {
      bool held = false;
      for (Slot* s : slots) held = held || s->reading.load() == r;
      if (held) keep.push_back(r);
      else delete r;
    }
    retired.swap(keep);
  }
};

struct Handle {
  std::shared_ptr<FlagStore> store;
  Slot* slot;
  // The hot calls' arguments: an Int32Array registered once, so a call
  // converts no JS values (five napi_get_value_int32 cost more than the call).
  int32_t* args = nullptr;
  napi_ref argsRef = nullptr;
};

const napi_type_tag FLAGS_TAG = {0x67726964646c6505ULL, 0x666c616773000000ULL};

// The process-wide registry of named stores, as for the cache's stores:
// names live until exit, and both objects are leaked on purpose.
std::mutex& registryMutex() {
  static auto* mu = new std::mutex;
  return *mu;
}
std::unordered_map<std::string, std::shared_ptr<FlagStore>>& registry() {
  static auto* map = new std::unordered_map<std::string, std::shared_ptr<FlagStore>>;
  return *map;
}

// Announces the current snapshot in the thread's slot; the re-check makes sure
// the writer cannot have retired and scanned it in between.
Snapshot* enter(Handle& h) {
  Snapshot* p;
  do {
    p = h.store->current.load();
    h.slot->reading.store(p);
  } while (p != h.store->current.load());
  return p;
}
void leave(Handle& h) { h.slot->reading.store(nullptr, std::memory_order_release); }

uint64_t seedAt(const double* p) {
  return static_cast<uint64_t>(static_cast<uint32_t>(p[0])) | static_cast<uint64_t>(static_cast<uint32_t>(p[1])) << 32;
}

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

std::vector<double> runningSums(const double* w, size_t n) {
  std::vector<double> out(n);
  double sum = 0;
  for (size_t i = 0; i < n; i++) out[i] = sum += w[i];
  return out;
}

// Parses the program; false when it is malformed (lib/traffic/flags.ts
// writes it, so this only guards against a caller bypassing the twin).
bool compile(FlagStore& store, const double* p, size_t n, napi_env env, napi_value names, uint32_t nameCount, Snapshot* s) {
  size_t at = 2, name = 0;
  auto nextCounter = [&](Counter** out) {
    if (name >= nameCount) return false;
    napi_value v;
    char buf[512];
    size_t len;
    if (napi_get_element(env, names, static_cast<uint32_t>(name++), &v) != napi_ok ||
        napi_get_value_string_utf8(env, v, buf, sizeof buf, &len) != napi_ok)
      return false;
    *out = store.counter(std::string(buf, len));
    return true;
  };
  if (n < 2) return false;
  size_t flagCount = static_cast<size_t>(p[0]), expCount = static_cast<size_t>(p[1]);
  for (size_t f = 0; f < flagCount; f++) {
    if (at + FLAG_FIXED > n) return false;
    const double* r = p + at;
    size_t vn = static_cast<size_t>(r[6]);
    if (at + FLAG_FIXED + vn > n) return false;
    Flag flag{r[0] != 0, static_cast<int32_t>(r[1]), seedAt(r + 2), seedAt(r + 4), runningSums(r + FLAG_FIXED, vn), {}};
    flag.counters.resize(1 + (vn > 0 ? vn : 1));
    for (auto& c : flag.counters) if (!nextCounter(&c)) return false;
    s->flags.push_back(std::move(flag));
    at += FLAG_FIXED + vn;
  }
  for (size_t x = 0; x < expCount; x++) {
    if (at + EXPERIMENT_FIXED > n) return false;
    const double* r = p + at;
    size_t an = static_cast<size_t>(r[12]);
    if (at + EXPERIMENT_FIXED + an > n) return false;
    Experiment e;
    e.enabled = r[0] != 0;
    e.seed = seedAt(r + 1);
    e.coverageBp = static_cast<uint32_t>(r[3]);
    e.nsSeed = seedAt(r + 4);
    e.nsStart = static_cast<uint32_t>(r[6]);
    e.nsEnd = static_cast<uint32_t>(r[7]);
    e.holdoutSeed = seedAt(r + 8);
    e.holdoutBp = static_cast<uint32_t>(r[10]);
    e.sticky = r[11] != 0;
    e.weights.assign(r + EXPERIMENT_FIXED, r + EXPERIMENT_FIXED + an);
    e.cumulative = runningSums(r + EXPERIMENT_FIXED, an);
    e.counters.resize(an);
    for (auto& c : e.counters) if (!nextCounter(&c)) return false;
    s->experiments.push_back(std::move(e));
    at += EXPERIMENT_FIXED + an;
  }
  return at == n && name == nameCount;
}

uint64_t unitOf(int32_t lo, int32_t hi) {
  return static_cast<uint64_t>(static_cast<uint32_t>(lo)) | static_cast<uint64_t>(static_cast<uint32_t>(hi)) << 32;
}

int32_t evalFlag(const Flag& f, int32_t forced, uint64_t unit) {
  if (!f.enabled) return EVAL_DISABLED;
  int32_t r;
  if (forced == FORCE_OFF) {
    r = EVAL_OFF;
  } else if (forced != EVAL_OFF) {
    r = forced;
  } else if (f.rolloutBp >= 0 && bucket::basisPoints(unit, f.seed) >= static_cast<uint32_t>(f.rolloutBp)) {
    r = EVAL_OFF;
  } else if (f.cumulative.empty() || f.cumulative.back() <= 0) {
    r = 0;
  } else {
    double point = static_cast<double>(bucket::position(unit, f.variantSeed) >> 11) * (1.0 / 9007199254740992.0);
    r = pick(f.cumulative, point * f.cumulative.back());
  }
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

Handle* unwrapHandle(napi_env env, napi_value v) {
  return static_cast<Handle*>(unwrapTagged(env, v, &FLAGS_TAG, "argument 'flags' is not a griddle flag store"));
}

napi_value int32Value(napi_env env, int32_t v) {
  napi_value r;
  napi_create_int32(env, v, &r);
  return r;
}

}  // namespace

// hot path: measure before changing
// () -> variant index (0 for "on"), or an EvalStatus, for the arguments in the
// registered args array: [seq, flagIndex, forced, unitLo, unitHi]. forced >= 0 (or FORCE_OFF) is the outcome a matching rule chose
// (counted, not bucketed); -1 lets the rollout and variants decide. Counts one
// exposure for the outcome.
static napi_value JS_flagsEval(napi_env env, napi_callback_info info) {
  GRIDDLE_ARGS(0);
  Handle& h = *static_cast<Handle*>(fnData);
  const int32_t* a = h.args;
  Snapshot* s = enter(h);
  int32_t r;
  if (s == nullptr || s->seq != a[0]) r = EVAL_STALE;
  else if (a[1] < 0 || static_cast<size_t>(a[1]) >= s->flags.size()) r = EVAL_UNKNOWN;
  else r = evalFlag(s->flags[a[1]], a[2], unitOf(a[3], a[4]));
  leave(h);
  return int32Value(env, r);
}

// hot path: measure before changing
// () -> arm index or an EvalStatus, for the args array [seq, experimentIndex,
// unitLo, unitHi, count: 0|1]; count 1 adds one exposure to the arm's counter.
static napi_value JS_flagsExperiment(napi_env env, napi_callback_info info) {
  GRIDDLE_ARGS(0);
  Handle& h = *static_cast<Handle*>(fnData);
  const int32_t* a = h.args;
  Snapshot* s = enter(h);
  int32_t r;
  if (s == nullptr || s->seq != a[0]) r = EVAL_STALE;
  else if (a[1] < 0 || static_cast<size_t>(a[1]) >= s->experiments.size()) r = EVAL_UNKNOWN;
  else r = evalExperiment(s->experiments[a[1]], unitOf(a[2], a[3]), a[4] != 0);
  leave(h);
  return int32Value(env, r);
}

// (name: string, args: Int32Array of 5) -> the store's evaluation function,
// also its handle for the other JS_flags* calls; both hot calls read their
// arguments from args. Every thread naming the same store shares the store.
static napi_value JS_flagsOpen(napi_env env, napi_callback_info info) {
  GRIDDLE_ARGS(2);
  void* args;
  size_t argsLen;
  if (!argTypedArray(env, argv[1], "args", napi_int32_array, &args, &argsLen)) return nullptr;
  if (argsLen < 5) return throwType(env, "GRIDDLE_ERR_INVALID_ARG", "argument 'args' needs 5 slots");
  size_t len;
  if (napi_get_value_string_utf8(env, argv[0], nullptr, 0, &len) != napi_ok) return throwType(env, "GRIDDLE_ERR_INVALID_ARG", "argument 'name' must be a string");
  std::string key(len, '\0');
  napi_get_value_string_utf8(env, argv[0], key.data(), len + 1, &len);
  auto h = std::make_unique<Handle>();
  {
    std::lock_guard<std::mutex> lock(registryMutex());
    auto& s = registry()[key];
    if (!s) s = std::make_shared<FlagStore>();
    h->store = s;
  }
  h->slot = h->store->join();
  h->args = static_cast<int32_t*>(args);
  napi_create_reference(env, argv[1], 1, &h->argsRef);
  napi_value fn;
  Handle* raw = h.get();
  if (napi_create_function(env, "flagsEval", NAPI_AUTO_LENGTH, JS_flagsEval, raw, &fn) != napi_ok ||
      napi_wrap(env, fn, raw,
                [](napi_env env, void* p, void*) {
                  auto* hh = static_cast<Handle*>(p);
                  napi_delete_reference(env, hh->argsRef);
                  hh->store->leave(hh->slot);
                  delete hh;
                },
                nullptr, nullptr) != napi_ok) {
    napi_delete_reference(env, h->argsRef);
    h->store->leave(h->slot);
    return nullptr;
  }
  h.release();
  napi_type_tag_object(env, fn, &FLAGS_TAG);
  return fn;
}

// (flags) -> the experiment function bound to the same handle. The caller
// keeps the handle alive as long as this function.
static napi_value JS_flagsExperimentFn(napi_env env, napi_callback_info info) {
  GRIDDLE_ARGS(1);
  Handle* h = unwrapHandle(env, argv[0]);
  if (h == nullptr) return nullptr;
  napi_value fn;
  napi_create_function(env, "flagsExperiment", NAPI_AUTO_LENGTH, JS_flagsExperiment, h, &fn);
  return fn;
}

// (flags, json: string, program: Float64Array, counterNames: string[]) -> seq
// of the published snapshot, or -1 for a malformed program. When json equals
// the current snapshot's, nothing is swapped and its seq is returned (every
// worker loading the same source publishes once).
static napi_value JS_flagsPublish(napi_env env, napi_callback_info info) {
  GRIDDLE_ARGS(4);
  Handle* h = unwrapHandle(env, argv[0]);
  if (h == nullptr) return nullptr;
  size_t jsonLen;
  if (napi_get_value_string_utf8(env, argv[1], nullptr, 0, &jsonLen) != napi_ok) return throwType(env, "GRIDDLE_ERR_INVALID_ARG", "argument 'json' must be a string");
  std::string json(jsonLen, '\0');
  napi_get_value_string_utf8(env, argv[1], json.data(), jsonLen + 1, &jsonLen);
  void* program;
  size_t n;
  uint32_t nameCount;
  bool isArray = false;
  if (!argTypedArray(env, argv[2], "program", napi_float64_array, &program, &n)) return nullptr;
  if (napi_is_array(env, argv[3], &isArray) != napi_ok || !isArray) return throwType(env, "GRIDDLE_ERR_INVALID_ARG", "argument 'counterNames' must be an array");
  napi_get_array_length(env, argv[3], &nameCount);
  FlagStore& store = *h->store;
  std::lock_guard<std::mutex> lock(store.mu);
  Snapshot* cur = store.current.load();
  if (cur != nullptr && cur->json == json) return int32Value(env, cur->seq);
  auto next = std::make_unique<Snapshot>();
  next->seq = store.seq + 1;
  next->json = std::move(json);
  if (!compile(store, static_cast<const double*>(program), n, env, argv[3], nameCount, next.get())) return int32Value(env, -1);
  store.seq = next->seq;
  Snapshot* old = store.current.exchange(next.release());
  if (old != nullptr) store.retired.push_back(old);
  store.reclaim();
  return int32Value(env, store.seq);
}

// (flags, out: Int32Array) -> the current snapshot's json, or null before the
// first publish; writes its seq to out[0].
static napi_value JS_flagsCurrent(napi_env env, napi_callback_info info) {
  GRIDDLE_ARGS(2);
  Handle* h = unwrapHandle(env, argv[0]);
  void* out;
  size_t n;
  if (h == nullptr || !argTypedArray(env, argv[1], "out", napi_int32_array, &out, &n)) return nullptr;
  if (n < 1) return throwType(env, "GRIDDLE_ERR_INVALID_ARG", "argument 'out' is too short");
  Snapshot* s = enter(*h);
  napi_value r;
  if (s == nullptr) {
    static_cast<int32_t*>(out)[0] = 0;
    napi_get_null(env, &r);
  } else {
    static_cast<int32_t*>(out)[0] = s->seq;
    napi_create_string_utf8(env, s->json.data(), s->json.size(), &r);
  }
  leave(*h);
  return r;
}

// (flags) -> [name, count, name, count, ...] of every exposure counter the store
// has had, so counts survive reloads that keep a name.
static napi_value JS_flagsExposures(napi_env env, napi_callback_info info) {
  GRIDDLE_ARGS(1);
  Handle* h = unwrapHandle(env, argv[0]);
  if (h == nullptr) return nullptr;
  napi_value arr;
  napi_create_array(env, &arr);
  std::lock_guard<std::mutex> lock(h->store->mu);
  uint32_t i = 0;
  for (auto& [name, c] : h->store->counters) {
    napi_value k, v;
    napi_create_string_utf8(env, name.data(), name.size(), &k);
    napi_create_double(env, static_cast<double>(c->load(std::memory_order_relaxed)), &v);
    napi_set_element(env, arr, i++, k);
    napi_set_element(env, arr, i++, v);
  }
  return arr;
}

bool initFlags(napi_env env, napi_value exports) {
  GRIDDLE_EXPORT(env, exports, "flagsOpen", JS_flagsOpen);
  GRIDDLE_EXPORT(env, exports, "flagsExperimentFn", JS_flagsExperimentFn);
  GRIDDLE_EXPORT(env, exports, "flagsPublish", JS_flagsPublish);
  GRIDDLE_EXPORT(env, exports, "flagsCurrent", JS_flagsCurrent);
  GRIDDLE_EXPORT(env, exports, "flagsExposures", JS_flagsExposures);
  exportInt(env, exports, "FLAGS_EVAL_OFF", EVAL_OFF);
  exportInt(env, exports, "FLAGS_EVAL_DISABLED", EVAL_DISABLED);
  exportInt(env, exports, "FLAGS_EVAL_STALE", EVAL_STALE);
  exportInt(env, exports, "FLAGS_EVAL_HOLDOUT", EVAL_HOLDOUT);
  exportInt(env, exports, "FLAGS_EVAL_UNKNOWN", EVAL_UNKNOWN);
  exportInt(env, exports, "FLAGS_FORCE_OFF", FORCE_OFF);
  return true;
}

}  // namespace flags
}  // namespace griddle
