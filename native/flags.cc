#include "flags.h"

#include <memory>
#include <string>

#include "flags-store.h"
#include "util/boundary.h"

namespace griddle {
namespace flags {

namespace {

struct Handle {
  std::shared_ptr<FlagStore> store;
  Slot* slot;
  // The hot calls' arguments: an Int32Array registered once, so a call
  // converts no JS values (five napi_get_value_int32 cost more than the call).
  int32_t* args = nullptr;
  napi_ref argsRef = nullptr;
  Snapshot* held = nullptr;  // what slot announces between calls (enterHeld)
  // The request decisions (JS_flagsDecide): codes written to out; exposures
  // JavaScript answered from them, counted by JavaScript into pending (one
  // int per counter of `held`, in snapshot order) and added to the shared
  // counters here, on this thread, before held changes. Both registered by
  // JS_flagsBuffers.
  int32_t* out = nullptr;
  size_t outLen = 0;
  int32_t* pending = nullptr;
  size_t pendingLen = 0;
  napi_ref outRef = nullptr, pendingRef = nullptr;
};

// Adds the pending counts to held's counters and clears them.
void drain(Handle& h) {
  if (h.held == nullptr || h.pending == nullptr) return;
  size_t k = 0;
  auto add = [&](const std::vector<Counter*>& counters) {
    for (Counter* c : counters) {
      if (k >= h.pendingLen) return;
      if (h.pending[k] != 0) {
        c->fetch_add(static_cast<uint64_t>(h.pending[k]), std::memory_order_relaxed);
        h.pending[k] = 0;
      }
      k++;
    }
  };
  for (const Flag& f : h.held->flags) add(f.counters);
  for (const Experiment& e : h.held->experiments) add(e.counters);
}

const napi_type_tag FLAGS_TAG = {0x67726964646c6505ULL, 0x666c616773000000ULL};

// hot path: measure before changing
// args[5] tells JavaScript which snapshot its pending counts are for.
Snapshot* enter(Handle& h) {
  Snapshot* p = h.store->current.load(std::memory_order_acquire);
  if (p == h.held) return p;
  drain(h);
  p = enterHeld(*h.store, h.slot, h.held);
  h.args[5] = p == nullptr ? 0 : p->seq;
  return p;
}
// The slot keeps announcing what it holds: it is cleared when the handle goes.
void leave(Handle&) {}

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

// (name: string, args: Int32Array of 6) -> the store's evaluation function,
// also its handle for the other JS_flags* calls; both hot calls read their
// arguments from args. Every thread naming the same store shares the store.
static napi_value JS_flagsOpen(napi_env env, napi_callback_info info) {
  GRIDDLE_ARGS(2);
  void* args;
  size_t argsLen;
  if (!argTypedArray(env, argv[1], "args", napi_int32_array, &args, &argsLen)) return nullptr;
  if (argsLen < 6) return throwType(env, "GRIDDLE_ERR_INVALID_ARG", "argument 'args' needs 6 slots");
  size_t len;
  if (napi_get_value_string_utf8(env, argv[0], nullptr, 0, &len) != napi_ok) return throwType(env, "GRIDDLE_ERR_INVALID_ARG", "argument 'name' must be a string");
  std::string key(len, '\0');
  napi_get_value_string_utf8(env, argv[0], key.data(), len + 1, &len);
  auto h = std::make_unique<Handle>();
  h->store = openStore(key);
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
                  if (hh->outRef != nullptr) napi_delete_reference(env, hh->outRef);
                  if (hh->pendingRef != nullptr) napi_delete_reference(env, hh->pendingRef);
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

// hot path: measure before changing
// () -> the number of codes written, or EVAL_STALE / EVAL_UNKNOWN (out too
// short), for args [seq, -, -, unitLo, unitHi]: every experiment's arm with no
// audience applied, into the registered out array, counting nothing. One
// crossing per request checks that its snapshot is current and decides its
// experiments; JavaScript decides the flags itself (flagPosition, the twin of
// bucket::flagPosition), applies rules and audiences, and counts what it
// answers into pending.
static napi_value JS_flagsDecide(napi_env env, napi_callback_info info) {
  GRIDDLE_ARGS(0);
  Handle& h = *static_cast<Handle*>(fnData);
  const int32_t* a = h.args;
  Snapshot* s = enter(h);
  if (s == nullptr || s->seq != a[0]) return int32Value(env, EVAL_STALE);
  // pending is drained off the request path: by the 200 ms timer JavaScript
  // sets (flagsDrain), by exposures(), and by enter() before held changes.
  size_t n = s->experiments.size();
  if (n > h.outLen) return int32Value(env, EVAL_UNKNOWN);
  uint64_t unit = unitOf(a[3], a[4]);
  for (size_t j = 0; j < n; j++) h.out[j] = evalExperiment(s->experiments[j], unit, false);
  return int32Value(env, static_cast<int32_t>(n));
}

// (flags) -> the decide function bound to the same handle (kept alive by the caller).
static napi_value JS_flagsDecideFn(napi_env env, napi_callback_info info) {
  GRIDDLE_ARGS(1);
  Handle* h = unwrapHandle(env, argv[0]);
  if (h == nullptr) return nullptr;
  napi_value fn;
  napi_create_function(env, "flagsDecide", NAPI_AUTO_LENGTH, JS_flagsDecide, h, &fn);
  return fn;
}

static bool replaceRef(napi_env env, napi_value v, napi_ref* ref) {
  if (*ref != nullptr) napi_delete_reference(env, *ref);
  return napi_create_reference(env, v, 1, ref) == napi_ok;
}

// (flags, out: Int32Array, pending: Int32Array) -> undefined: registers the
// decide call's output and the pending exposure counts (the old pending
// counts are drained first). JavaScript sizes both for its snapshot.
static napi_value JS_flagsBuffers(napi_env env, napi_callback_info info) {
  GRIDDLE_ARGS(3);
  Handle* h = unwrapHandle(env, argv[0]);
  void *out, *pending;
  size_t outLen, pendingLen;
  if (h == nullptr || !argTypedArray(env, argv[1], "out", napi_int32_array, &out, &outLen) ||
      !argTypedArray(env, argv[2], "pending", napi_int32_array, &pending, &pendingLen))
    return nullptr;
  drain(*h);
  if (!replaceRef(env, argv[1], &h->outRef) || !replaceRef(env, argv[2], &h->pendingRef)) return nullptr;
  h->out = static_cast<int32_t*>(out);
  h->outLen = outLen;
  h->pending = static_cast<int32_t*>(pending);
  h->pendingLen = pendingLen;
  return nullptr;
}

// (flags) -> undefined: adds this thread's pending counts to the shared counters now.
static napi_value JS_flagsDrain(napi_env env, napi_callback_info info) {
  GRIDDLE_ARGS(1);
  Handle* h = unwrapHandle(env, argv[0]);
  if (h != nullptr) drain(*h);
  return nullptr;
}

// (flags, counterName: string) -> undefined: counts one exposure by name, for
// an answer from a snapshot this thread no longer holds (a reload mid-request).
static napi_value JS_flagsCount(napi_env env, napi_callback_info info) {
  GRIDDLE_ARGS(2);
  Handle* h = unwrapHandle(env, argv[0]);
  if (h == nullptr) return nullptr;
  std::string name;
  if (!argUtf8(env, argv[1], "name", &name)) return nullptr;
  std::lock_guard<std::mutex> lock(h->store->mu);
  h->store->counter(name)->fetch_add(1, std::memory_order_relaxed);
  return nullptr;
}

// Fills the snapshot's name -> experiment index map; false when the names do
// not match the experiments one for one.
static bool indexExperiments(napi_env env, napi_value names, Snapshot* s) {
  bool isArray = false;
  uint32_t count = 0;
  if (napi_is_array(env, names, &isArray) != napi_ok || !isArray || napi_get_array_length(env, names, &count) != napi_ok ||
      count != s->experiments.size())
    return false;
  for (uint32_t i = 0; i < count; i++) {
    napi_value v;
    size_t len;
    if (napi_get_element(env, names, i, &v) != napi_ok || napi_get_value_string_utf8(env, v, nullptr, 0, &len) != napi_ok) return false;
    std::string name(len, '\0');
    napi_get_value_string_utf8(env, v, name.data(), len + 1, &len);
    s->experimentIndex[name] = static_cast<int32_t>(i);
  }
  return true;
}

// (flags, json: string, program: Float64Array, counterNames: string[],
// experimentNames: string[]) -> seq of the published snapshot, or -1 for a
// malformed program. When json equals
// the current snapshot's, nothing is swapped and its seq is returned (every
// worker loading the same source publishes once).
static napi_value JS_flagsPublish(napi_env env, napi_callback_info info) {
  GRIDDLE_ARGS(5);
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
  if (!compile(store, static_cast<const double*>(program), n, env, argv[3], nameCount, next.get()) ||
      !indexExperiments(env, argv[4], next.get()))
    return int32Value(env, -1);
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
  drain(*h);
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

// (flags) -> the current snapshot's seq, 0 before the first publish: a cheap
// check that no reload happened between two moments of one request.
static napi_value JS_flagsSeq(napi_env env, napi_callback_info info) {
  GRIDDLE_ARGS(1);
  Handle* h = unwrapHandle(env, argv[0]);
  if (h == nullptr) return nullptr;
  Snapshot* s = enter(*h);
  int32_t seq = s == nullptr ? 0 : s->seq;
  leave(*h);
  return int32Value(env, seq);
}

std::shared_ptr<FlagStore> storeOf(napi_env env, napi_value v) {
  Handle* h = unwrapHandle(env, v);
  return h == nullptr ? nullptr : h->store;
}

bool initFlags(napi_env env, napi_value exports) {
  GRIDDLE_EXPORT(env, exports, "flagsSeq", JS_flagsSeq);
  GRIDDLE_EXPORT(env, exports, "flagsOpen", JS_flagsOpen);
  GRIDDLE_EXPORT(env, exports, "flagsExperimentFn", JS_flagsExperimentFn);
  GRIDDLE_EXPORT(env, exports, "flagsDecideFn", JS_flagsDecideFn);
  GRIDDLE_EXPORT(env, exports, "flagsBuffers", JS_flagsBuffers);
  GRIDDLE_EXPORT(env, exports, "flagsDrain", JS_flagsDrain);
  GRIDDLE_EXPORT(env, exports, "flagsCount", JS_flagsCount);
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
