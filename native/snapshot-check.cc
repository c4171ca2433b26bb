// A test hook, not a hot path: a native thread that looks routes up in a
// router's snapshots while the JS thread publishes new ones, checking that
// every snapshot it sees is whole. test/routing/snapshot.test.ts drives it,
// and npm run test:tsan runs that test under ThreadSanitizer.
#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "router.h"
#include "snapshot.h"
#include "util/boundary.h"

namespace griddle {

namespace {

struct SnapshotCheck {
  std::shared_ptr<SnapshotCell> cell;
  std::vector<std::u16string> paths;  // paths[k] matches route id k, once it exists
  uint32_t method = 0;
  std::atomic<bool> stop{false};
  std::thread thread;
  bool joined = false;
  // Written by the thread, read after join.
  uint64_t lookups = 0, errors = 0, generations = 0;

  // Each snapshot must be whole: a route id below routes.size() is found at its
  // path, the next path is not found yet, every route has the same cache mode
  // (the test changes all of them in one publish), and generations never go back.
  void run() {
    ReaderSlot* slot = cell->addReader();
    LookupScratch scratch;
    int32_t out[RouterOut::LENGTH] = {};
    uint64_t last = 0;
    for (uint64_t i = 0; !stop.load(std::memory_order_relaxed); i++) {
      const RouteSnapshot& snap = *cell->enter(*slot);
      if (snap.generation < last) errors++;
      if (snap.generation != last) generations++;
      last = snap.generation;
      size_t n = snap.routes.size();
      size_t k = static_cast<size_t>((i * 7919) % (n + 1));
      if (k >= paths.size()) continue;
      const std::u16string& p = paths[k];
      int32_t want = k < n ? static_cast<int32_t>(k) : LOOKUP_NOT_FOUND;
      if (lookup(snap, scratch, out, method, p.data(), p.size()) != want) errors++;
      if (k < n && snap.routes[k].cacheMode != snap.routes[0].cacheMode) errors++;
      lookups++;
    }
    cell->removeReader(slot);
  }

  void join() {
    if (joined) return;
    stop.store(true, std::memory_order_relaxed);
    thread.join();
    joined = true;
  }
};

const napi_type_tag CHECK_TAG = {0x67726964646c6504ULL, 0x736e617073686f74ULL};

}  // namespace

// (router, method: int, paths: string[]) -> check handle. Starts the reader thread.
static napi_value JS_snapshotCheckStart(napi_env env, napi_callback_info info) {
  GRIDDLE_ARGS(3);
  RouterHandle* h = routerOf(env, argv[0]);
  int32_t method;
  if (h == nullptr || !argInt32(env, argv[1], "method", &method)) return nullptr;
  if (method < 0) return throwType(env, "GRIDDLE_ERR_INVALID_ARG", "argument 'method' must be >= 0");
  auto check = std::make_unique<SnapshotCheck>();
  bool isArray = false;
  uint32_t n = 0;
  if (napi_is_array(env, argv[2], &isArray) != napi_ok || !isArray) {
    return throwType(env, "GRIDDLE_ERR_INVALID_ARG", "argument 'paths' must be an array of strings");
  }
  napi_get_array_length(env, argv[2], &n);
  for (uint32_t i = 0; i < n; i++) {
    napi_value v;
    Utf16Arg s;
    if (napi_get_element(env, argv[2], i, &v) != napi_ok || !s.read(env, v, "paths[i]")) return nullptr;
    check->paths.emplace_back(s.data, s.len);
  }
  check->cell = h->cell;
  check->method = static_cast<uint32_t>(method);
  SnapshotCheck* raw = check.get();
  napi_value obj;
  if (napi_create_object(env, &obj) != napi_ok ||
      napi_wrap(env, obj, raw,
                [](napi_env, void* p, void*) {
                  auto* c = static_cast<SnapshotCheck*>(p);
                  c->join();
                  delete c;
                },
                nullptr, nullptr) != napi_ok)
    return nullptr;
  check.release();
  napi_type_tag_object(env, obj, &CHECK_TAG);
  raw->thread = std::thread([raw] { raw->run(); });
  return obj;
}

// (check) -> [lookups, errors, generations seen]. Stops and joins the thread.
static napi_value JS_snapshotCheckStop(napi_env env, napi_callback_info info) {
  GRIDDLE_ARGS(1);
  auto* c = static_cast<SnapshotCheck*>(unwrapTagged(env, argv[0], &CHECK_TAG, "argument 'check' is not a snapshot check"));
  if (c == nullptr) return nullptr;
  c->join();
  napi_value r, v;
  napi_create_array_with_length(env, 3, &r);
  const uint64_t values[3] = {c->lookups, c->errors, c->generations};
  for (uint32_t i = 0; i < 3; i++) {
    napi_create_double(env, static_cast<double>(values[i]), &v);
    napi_set_element(env, r, i, v);
  }
  return r;
}

// (router) -> snapshots replaced but not yet freed.
static napi_value JS_snapshotRetired(napi_env env, napi_callback_info info) {
  GRIDDLE_ARGS(1);
  RouterHandle* h = routerOf(env, argv[0]);
  if (h == nullptr) return nullptr;
  napi_value r;
  napi_create_double(env, static_cast<double>(h->cell->retired()), &r);
  return r;
}

bool initSnapshotCheck(napi_env env, napi_value exports) {
  GRIDDLE_EXPORT(env, exports, "snapshotCheckStart", JS_snapshotCheckStart);
  GRIDDLE_EXPORT(env, exports, "snapshotCheckStop", JS_snapshotCheckStop);
  GRIDDLE_EXPORT(env, exports, "snapshotRetired", JS_snapshotRetired);
  return true;
}

}  // namespace griddle
