#include "release.h"

#include "router.h"
#include "util/boundary.h"
#include "util/named.h"

namespace griddle {
namespace release {

namespace {

const napi_type_tag RELEASE_TAG = {0x67726964646c6506ULL, 0x72656c6561736500ULL};


napi_value int32Value(napi_env env, int32_t v) {
  napi_value r;
  napi_create_int32(env, v, &r);
  return r;
}

bool stateArg(napi_env env, napi_value v, int32_t** out) {
  void* p;
  size_t n;
  if (!argTypedArray(env, v, "state", napi_int32_array, &p, &n)) return false;
  if (n < ST_SIZE) {
    throwType(env, "GRIDDLE_ERR_INVALID_ARG", "argument 'state' is too short");
    return false;
  }
  *out = static_cast<int32_t*>(p);
  return true;
}

}  // namespace

int32_t Table::slotFor(const std::string& key) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = slots_.find(key);
  if (it != slots_.end()) return it->second;
  int32_t slot = static_cast<int32_t>(slots_.size());
  slots_.emplace(key, slot);
  return slot;
}

int32_t Table::armFor(const std::string& version) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = arms_.find(version);
  if (it != arms_.end()) return it->second;
  if (static_cast<int32_t>(arms_.size()) >= MAX_ARM) return -1;
  int32_t arm = static_cast<int32_t>(arms_.size()) + 1;
  arms_.emplace(version, arm);
  return arm;
}

int32_t Table::arms() {
  std::lock_guard<std::mutex> lock(mu_);
  return static_cast<int32_t>(arms_.size());
}

void Table::set(int32_t slot, const Live& live) {
  std::lock_guard<std::mutex> lock(mu_);
  const Snapshot* cur = cell_.peek();
  auto next = std::make_unique<Snapshot>();
  next->live = cur->live;
  if (next->live.size() <= static_cast<size_t>(slot)) next->live.resize(static_cast<size_t>(slot) + 1);
  next->live[slot] = live;
  next->generation = cur->generation + 1;
  cell_.publish(std::move(next));
}

Live Table::get(int32_t slot, uint64_t* generation) {
  std::lock_guard<std::mutex> lock(mu_);
  const Snapshot* cur = cell_.peek();
  *generation = cur->generation;
  return static_cast<size_t>(slot) < cur->live.size() ? cur->live[slot] : Live();
}

Reader::Reader(std::shared_ptr<Table> t, uint64_t seed) : table(std::move(t)), rng(seed | 1) {
  slot = table->cell().addReader();
}

Reader::~Reader() { table->cell().removeReader(slot); }

std::shared_ptr<Table> tableOf(napi_env env, napi_value handle) {
  bool ok = false;
  napi_valuetype t;
  if (napi_typeof(env, handle, &t) == napi_ok && t == napi_external) napi_check_object_type_tag(env, handle, &RELEASE_TAG, &ok);
  void* p = nullptr;
  if (!ok || napi_get_value_external(env, handle, &p) != napi_ok || p == nullptr) {
    throwType(env, "GRIDDLE_ERR_INVALID_HANDLE", "argument 'releases' is not a griddle release table");
    return nullptr;
  }
  return *static_cast<std::shared_ptr<Table>*>(p);
}

// (name: string | null) -> release table handle: the process-wide table of
// that name (created on first use), or a new private one for null.
static napi_value JS_releaseOpen(napi_env env, napi_callback_info info) {
  GRIDDLE_ARGS(1);
  napi_valuetype t;
  napi_typeof(env, argv[0], &t);
  std::shared_ptr<Table> table;
  if (t == napi_null || t == napi_undefined) {
    table = std::make_shared<Table>();
  } else {
    std::string key;
    if (!argUtf8(env, argv[0], "name", &key)) return nullptr;
    table = named<Table>(key, [] { return std::make_shared<Table>(); });  // one per serve() cluster
  }
  return taggedExternal(env, new std::shared_ptr<Table>(table), &RELEASE_TAG);
}

// (releases, routeKey: string) -> the route key's slot index (the same on every thread).
static napi_value JS_releaseSlot(napi_env env, napi_callback_info info) {
  GRIDDLE_ARGS(2);
  auto t = tableOf(env, argv[0]);
  std::string key;
  if (!t || !argUtf8(env, argv[1], "routeKey", &key)) return nullptr;
  return int32Value(env, t->slotFor(key));
}

// (releases, version: string) -> the version name's arm id (>= 1), or -1 when every id is taken.
static napi_value JS_releaseArm(napi_env env, napi_callback_info info) {
  GRIDDLE_ARGS(2);
  auto t = tableOf(env, argv[0]);
  std::string version;
  if (!t || !argUtf8(env, argv[1], "version", &version)) return nullptr;
  return int32Value(env, t->armFor(version));
}

// (releases, slot: int, state: Int32Array of ST_SIZE) -> generation. Publishes
// the slot's new state (ST_* layout) to every reader at once.
static napi_value JS_releaseSet(napi_env env, napi_callback_info info) {
  GRIDDLE_ARGS(3);
  auto t = tableOf(env, argv[0]);
  int32_t slot;
  int32_t* s;
  if (!t || !argInt32(env, argv[1], "slot", &slot) || !stateArg(env, argv[2], &s)) return nullptr;
  if (slot < 0 || s[ST_PERCENT_BP] < 0 || s[ST_PERCENT_BP] > 10000 || s[ST_GHOST_BP] < 0 || s[ST_GHOST_BP] > 10000 ||
      s[ST_STABLE_ARM] < 0 || s[ST_STABLE_ARM] > MAX_ARM || s[ST_CANDIDATE_ARM] < 0 || s[ST_CANDIDATE_ARM] > MAX_ARM)
    return throwType(env, "GRIDDLE_ERR_INVALID_ARG", "bad slot or release state");
  Live l;
  l.active = s[ST_ACTIVE] != 0;
  l.percentBp = static_cast<uint32_t>(s[ST_PERCENT_BP]);
  l.ghostBp = static_cast<uint32_t>(s[ST_GHOST_BP]);
  l.seed = static_cast<uint64_t>(static_cast<uint32_t>(s[ST_SEED_LO])) | static_cast<uint64_t>(static_cast<uint32_t>(s[ST_SEED_HI])) << 32;
  l.stableArm = s[ST_STABLE_ARM];
  l.candidateArm = s[ST_CANDIDATE_ARM];
  t->set(slot, l);
  uint64_t generation;
  t->get(slot, &generation);
  napi_value r;
  napi_create_double(env, static_cast<double>(generation), &r);
  return r;
}

// (releases, slot: int, out: Int32Array of ST_SIZE) -> undefined. Writes the slot's current state.
static napi_value JS_releaseGet(napi_env env, napi_callback_info info) {
  GRIDDLE_ARGS(3);
  auto t = tableOf(env, argv[0]);
  int32_t slot;
  int32_t* s;
  if (!t || !argInt32(env, argv[1], "slot", &slot) || !stateArg(env, argv[2], &s)) return nullptr;
  if (slot < 0) return throwType(env, "GRIDDLE_ERR_INVALID_ARG", "argument 'slot' must be >= 0");
  uint64_t generation;
  Live l = t->get(slot, &generation);
  s[ST_ACTIVE] = l.active;
  s[ST_PERCENT_BP] = static_cast<int32_t>(l.percentBp);
  s[ST_GHOST_BP] = static_cast<int32_t>(l.ghostBp);
  s[ST_SEED_LO] = static_cast<int32_t>(static_cast<uint32_t>(l.seed));
  s[ST_SEED_HI] = static_cast<int32_t>(static_cast<uint32_t>(l.seed >> 32));
  s[ST_STABLE_ARM] = l.stableArm;
  s[ST_CANDIDATE_ARM] = l.candidateArm;
  s[ST_GENERATION] = static_cast<int32_t>(generation);
  return nullptr;
}

// (router, routeId: int, slot: int) -> undefined. The route's release slot,
// published with the router's next snapshot (like its cache mode).
static napi_value JS_routerSetRelease(napi_env env, napi_callback_info info) {
  GRIDDLE_ARGS(3);
  RouterHandle* h = routerOf(env, argv[0]);
  int32_t id, slot;
  if (h == nullptr || !argInt32(env, argv[1], "routeId", &id) || !argInt32(env, argv[2], "slot", &slot)) return nullptr;
  if (id < 0 || slot < -1) return throwType(env, "GRIDDLE_ERR_INVALID_ARG", "bad route id or release slot");
  h->builder.setReleaseSlot(id, slot);
  h->pending = true;
  return nullptr;
}

bool initRelease(napi_env env, napi_value exports) {
  GRIDDLE_EXPORT(env, exports, "releaseOpen", JS_releaseOpen);
  GRIDDLE_EXPORT(env, exports, "releaseSlot", JS_releaseSlot);
  GRIDDLE_EXPORT(env, exports, "releaseArm", JS_releaseArm);
  GRIDDLE_EXPORT(env, exports, "releaseSet", JS_releaseSet);
  GRIDDLE_EXPORT(env, exports, "releaseGet", JS_releaseGet);
  GRIDDLE_EXPORT(env, exports, "routerSetRelease", JS_routerSetRelease);
  napi_value l = exportObject(env, exports, "RELEASE");
  if (l == nullptr) return false;
  static const struct { const char* name; int32_t value; } INTS[] = {
      {"ST_ACTIVE", ST_ACTIVE}, {"ST_PERCENT_BP", ST_PERCENT_BP}, {"ST_GHOST_BP", ST_GHOST_BP},
      {"ST_SEED_LO", ST_SEED_LO}, {"ST_SEED_HI", ST_SEED_HI}, {"ST_STABLE_ARM", ST_STABLE_ARM},
      {"ST_CANDIDATE_ARM", ST_CANDIDATE_ARM}, {"ST_GENERATION", ST_GENERATION}, {"ST_SIZE", ST_SIZE},
      {"MAX_ARM", MAX_ARM},
  };
  for (const auto& c : INTS) exportInt(env, l, c.name, c.value);
  return true;
}

}  // namespace release
}  // namespace griddle
