// The named flag stores: registry, hazard slots, reclamation, and the
// compiler from the program lib/traffic/flags.ts writes to a Snapshot.
#include "flags-store.h"

#include "util/named.h"

namespace griddle {
namespace flags {

namespace {

uint64_t seedAt(const double* p) {
  return static_cast<uint64_t>(static_cast<uint32_t>(p[0])) | static_cast<uint64_t>(static_cast<uint32_t>(p[1])) << 32;
}

std::vector<double> runningSums(const double* w, size_t n) {
  std::vector<double> out(n);
  double sum = 0;
  for (size_t i = 0; i < n; i++) out[i] = sum += w[i];
  return out;
}

}  // namespace

Slot* FlagStore::join() {
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

void FlagStore::leave(Slot* s) {
  std::lock_guard<std::mutex> lock(mu);
  s->reading.store(nullptr);
  s->inUse = false;
}

Counter* FlagStore::counter(const std::string& name) {
  auto& c = counters[name];
  if (!c) c = std::make_unique<Counter>(0);
  return c.get();
}

void FlagStore::reclaim() {
  std::vector<Snapshot*> keep;
  for (Snapshot* r : retired) {
    bool held = false;
    for (Slot* s : slots) held = held || s->reading.load() == r;
    if (held) keep.push_back(r);
    else delete r;
  }
  retired.swap(keep);
}

std::shared_ptr<FlagStore> openStore(const std::string& name) {
  return named<FlagStore>(name, [] { return std::make_shared<FlagStore>(); });
}

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
    e.audience = r[13] != 0;
    e.weights.assign(r + EXPERIMENT_FIXED, r + EXPERIMENT_FIXED + an);
    e.cumulative = runningSums(r + EXPERIMENT_FIXED, an);
    e.counters.resize(an);
    for (auto& c : e.counters) if (!nextCounter(&c)) return false;
    s->experiments.push_back(std::move(e));
    at += EXPERIMENT_FIXED + an;
  }
  return at == n && name == nameCount;
}

}  // namespace flags
}  // namespace griddle
