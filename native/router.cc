// The router's JavaScript boundary: a handle is the lookup function itself,
// whose data is the RouterHandle (builder, snapshot cell, this thread's reader).
#include <memory>

#include "router.h"
#include "snapshot.h"
#include "util/boundary.h"

namespace griddle {

RouterHandle::RouterHandle(const RouterOptions& options, int32_t* out)
    : builder(options), cell(std::make_shared<SnapshotCell>(std::make_unique<RouteSnapshot>(builder))), out(out) {
  slot = cell->addReader();
}

RouterHandle::~RouterHandle() { cell->removeReader(slot); }

void RouterHandle::publish() {
  pending = false;
  cell->publish(std::make_unique<RouteSnapshot>(builder), slot);
}

static const napi_type_tag ROUTER_TAG = {0x67726964646c6501ULL, 0x726f757465720001ULL};

// hot path: measure before changing
// (path: string) -> undefined. Reads the method code from out[METHOD]; writes
// the route id or a negative LookupStatus to out[ROUTE], and flags, parameter
// count and [start, end) offsets after it, from the current snapshot. Numbers
// travel through the registered Int32Array because each N-API argument or
// result costs more than the typed-array access. The path is read as dispatch
// reads it (Utf16Arg), so this call's cost is the floor of dispatch's.
static napi_value JS_routerLookup(napi_env env, napi_callback_info info) {
  GRIDDLE_ARGS(1);
  auto* h = static_cast<RouterHandle*>(fnData);
  Utf16Arg path;
  if (!path.read(env, argv[0], "path")) return nullptr;
  const RouteSnapshot& snap = h->read();
  int32_t method = h->out[RouterOut::METHOD];
  h->out[RouterOut::ROUTE] = method < 0 ? LOOKUP_NOT_FOUND
                                        : lookup(snap, h->scratch, h->out, static_cast<uint32_t>(method), path.data, path.len);
  return nullptr;
}

// (flags: int, maxParamLength: int, out: Int32Array) -> lookup function.
// flags: 1 case-insensitive, 2 ignore trailing slash, 4 ignore duplicate
// slashes. The returned function is the router's handle for JS_routerInsert;
// the caller keeps `out` alive as long as the function.
static napi_value JS_routerCreate(napi_env env, napi_callback_info info) {
  GRIDDLE_ARGS(3);
  int32_t flags, maxParamLength;
  void* out;
  size_t outLength;
  if (!argInt32(env, argv[0], "flags", &flags) || !argInt32(env, argv[1], "maxParamLength", &maxParamLength) ||
      !argTypedArray(env, argv[2], "out", napi_int32_array, &out, &outLength))
    return nullptr;
  if (outLength < RouterOut::LENGTH) return throwType(env, "GRIDDLE_ERR_INVALID_ARG", "argument 'out' is too short");
  if (maxParamLength < 1) return throwType(env, "GRIDDLE_ERR_INVALID_ARG", "argument 'maxParamLength' must be >= 1");
  RouterOptions options;
  options.caseSensitive = !(flags & 1);
  options.ignoreTrailingSlash = flags & 2;
  options.ignoreDuplicateSlashes = flags & 4;
  options.maxParamLength = static_cast<uint32_t>(maxParamLength);
  auto* h = new RouterHandle(options, static_cast<int32_t*>(out));
  napi_value fn;
  if (napi_create_function(env, "lookup", NAPI_AUTO_LENGTH, JS_routerLookup, h, &fn) != napi_ok ||
      napi_wrap(env, fn, h, [](napi_env, void* p, void*) { delete static_cast<RouterHandle*>(p); }, nullptr,
                nullptr) != napi_ok) {
    delete h;
    return nullptr;
  }
  napi_type_tag_object(env, fn, &ROUTER_TAG);
  return fn;
}

static bool readParts(napi_env env, napi_value array, std::vector<RoutePart>* parts) {
  bool isArray = false;
  uint32_t n = 0;
  if (napi_is_array(env, array, &isArray) != napi_ok || !isArray) return false;
  napi_get_array_length(env, array, &n);
  for (uint32_t i = 0; i < n; i++) {
    napi_value v;
    size_t len = 0;
    if (napi_get_element(env, array, i, &v) != napi_ok ||
        napi_get_value_string_utf16(env, v, nullptr, 0, &len) != napi_ok || len == 0)
      return false;
    std::u16string s(len, u'\0');
    napi_get_value_string_utf16(env, v, s.data(), len + 1, &len);
    RoutePart part;
    if (s[0] == u's') part.kind = RoutePart::STATIC;
    else if (s[0] == u'p') part.kind = RoutePart::PARAM;
    else if (s[0] == u'w') part.kind = RoutePart::WILDCARD;
    else return false;
    part.text = s.substr(1);
    parts->push_back(std::move(part));
  }
  return true;
}

// (router: lookup function, method: int, parts: string[], routeId: int) -> InsertStatus.
// parts come from lib/routing/route-pattern.ts: 's' + static text, 'p' +
// template, 'w'. Changes the builder only: lookups see it after JS_routerPublish.
static napi_value JS_routerInsert(napi_env env, napi_callback_info info) {
  GRIDDLE_ARGS(4);
  RouterHandle* h = routerOf(env, argv[0]);
  if (h == nullptr) return nullptr;
  int32_t method, routeId;
  std::vector<RoutePart> parts;
  if (!argInt32(env, argv[1], "method", &method) || !argInt32(env, argv[3], "routeId", &routeId)) return nullptr;
  if (method < 0 || routeId < 0) return throwType(env, "GRIDDLE_ERR_INVALID_ARG", "method and routeId must be >= 0");
  if (!readParts(env, argv[2], &parts)) {
    return throwType(env, "GRIDDLE_ERR_INVALID_ARG", "argument 'parts' must be an array of encoded route parts");
  }
  napi_value result;
  h->pending = true;
  napi_create_int32(env, h->builder.insert(static_cast<uint32_t>(method), parts, routeId), &result);
  return result;
}

// (router, routeId: int, mode: CacheMode) -> undefined. Changes the builder
// only: lookups see it after JS_routerPublish.
static napi_value JS_routerSetCacheMode(napi_env env, napi_callback_info info) {
  GRIDDLE_ARGS(3);
  RouterHandle* h = routerOf(env, argv[0]);
  int32_t id, mode;
  if (h == nullptr || !argInt32(env, argv[1], "routeId", &id) || !argInt32(env, argv[2], "mode", &mode)) return nullptr;
  if (id < 0 || mode < MODE_NONE || mode > MODE_SHARED_KEY) {
    return throwType(env, "GRIDDLE_ERR_INVALID_ARG", "bad route id or cache mode");
  }
  h->builder.setCacheMode(id, static_cast<CacheMode>(mode));
  h->pending = true;
  return nullptr;
}

// (router) -> generation. Builds a snapshot of everything inserted and set
// since the last one, if anything was, and swaps it in: every reader sees all
// of these changes or none.
static napi_value JS_routerPublish(napi_env env, napi_callback_info info) {
  GRIDDLE_ARGS(1);
  RouterHandle* h = routerOf(env, argv[0]);
  if (h == nullptr) return nullptr;
  napi_value r;
  napi_create_double(env, static_cast<double>(h->read().generation), &r);
  return r;
}

RouterHandle* routerOf(napi_env env, napi_value handle) {
  return static_cast<RouterHandle*>(unwrapTagged(env, handle, &ROUTER_TAG, "argument 'router' is not a griddle router"));
}

bool initRouter(napi_env env, napi_value exports) {
  GRIDDLE_EXPORT(env, exports, "routerCreate", JS_routerCreate);
  GRIDDLE_EXPORT(env, exports, "routerInsert", JS_routerInsert);
  GRIDDLE_EXPORT(env, exports, "routerSetCacheMode", JS_routerSetCacheMode);
  GRIDDLE_EXPORT(env, exports, "routerPublish", JS_routerPublish);
  napi_value layout = exportObject(env, exports, "ROUTER");
  if (layout == nullptr) return false;
  exportInt(env, layout, "OUT_METHOD", RouterOut::METHOD);
  exportInt(env, layout, "OUT_ROUTE", RouterOut::ROUTE);
  exportInt(env, layout, "OUT_FLAGS", RouterOut::FLAGS);
  exportInt(env, layout, "OUT_COUNT", RouterOut::COUNT);
  exportInt(env, layout, "OUT_PAIRS", RouterOut::PAIRS);
  exportInt(env, layout, "OUT_LENGTH", RouterOut::LENGTH);
  exportInt(env, layout, "MAX_PARAMS", RouterOut::MAX_PARAMS);
  exportInt(env, layout, "FLAG_DECODE", RouterOut::FLAG_DECODE);
  exportInt(env, layout, "FLAG_COLLAPSE", RouterOut::FLAG_COLLAPSE);
  exportInt(env, layout, "LOOKUP_NOT_FOUND", LOOKUP_NOT_FOUND);
  exportInt(env, layout, "LOOKUP_BAD_URL", LOOKUP_BAD_URL);
  exportInt(env, layout, "LOOKUP_NOT_ORIGIN", LOOKUP_NOT_ORIGIN);
  exportInt(env, layout, "LOOKUP_PARAM_TOO_LONG", LOOKUP_PARAM_TOO_LONG);
  exportInt(env, layout, "INSERT_OK", INSERT_OK);
  exportInt(env, layout, "INSERT_CONFLICT", INSERT_CONFLICT);
  exportInt(env, layout, "INSERT_BAD_PARTS", INSERT_BAD_PARTS);
  return true;
}

}  // namespace griddle
