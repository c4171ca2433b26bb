#include "noop-baseline.h"

#include "util/boundary.h"

namespace griddle {

// () -> undefined. Does nothing: the cost of one crossing.
static napi_value JS_noop(napi_env env, napi_callback_info info) { return nullptr; }

// (a: int, s: string) -> int. Reads a string the way the router lookup and
// dispatch read the path (Utf16Arg) and does no work: the floor for their cost.
static napi_value JS_noopIntString(napi_env env, napi_callback_info info) {
  GRIDDLE_ARGS(2);
  int32_t a;
  Utf16Arg s;
  if (!argInt32(env, argv[0], "a", &a) || !s.read(env, argv[1], "s")) return nullptr;
  napi_value result;
  napi_create_int32(env, static_cast<int32_t>(s.len) + a, &result);
  return result;
}

bool initProbe(napi_env env, napi_value exports) {
  GRIDDLE_EXPORT(env, exports, "noop", JS_noop);
  GRIDDLE_EXPORT(env, exports, "noopIntString", JS_noopIntString);
  napi_value v;
#if defined(__SANITIZE_ADDRESS__)
  napi_get_boolean(env, true, &v);
#else
  napi_get_boolean(env, false, &v);
#endif
  napi_set_named_property(env, exports, "sanitized", v);
  exportInt(env, exports, "napiVersion", NAPI_VERSION);
  return true;
}

}  // namespace griddle
