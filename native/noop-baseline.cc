#include "noop-baseline.h"

#include "util/boundary.h"

namespace griddle {

// () -> undefined. Does nothing: the cost of one crossing.
static napi_value JS_noop(napi_env env, napi_callback_info info) { return nullptr; }

// (a: int, s: string) -> int. Reads the same arguments as the router lookup
// and does no work: the floor for the lookup's own cost.
static napi_value JS_noopIntString(napi_env env, napi_callback_info info) {
  GRIDDLE_ARGS(2);
  int32_t a;
  char16_t stack[512];
  char16_t *s, *heap;
  size_t len;
  if (!argInt32(env, argv[0], "a", &a) || !argUtf16(env, argv[1], "s", stack, 512, &s, &len, &heap)) return nullptr;
  delete[] heap;
  napi_value result;
  napi_create_int32(env, static_cast<int32_t>(len) + a, &result);
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
