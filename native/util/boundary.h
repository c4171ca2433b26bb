// Small helpers for raw Node-API callbacks: argument checks that throw a
// TypeError naming the argument, and type-tagged externals for native handles.
#pragma once

#include <node_api.h>

#include <cstddef>
#include <cstdint>

namespace griddle {

// Throws a TypeError with a griddle code; always returns nullptr so callers can
// `return throwType(...)`.
napi_value throwType(napi_env env, const char* code, const char* message);
napi_value throwError(napi_env env, const char* code, const char* message);

bool argInt32(napi_env env, napi_value v, const char* name, int32_t* out);
bool argUint32(napi_env env, napi_value v, const char* name, uint32_t* out);
bool argDouble(napi_env env, napi_value v, const char* name, double* out);
bool argBool(napi_env env, napi_value v, const char* name, bool* out);

// Pointer and length of a TypedArray's bytes. The caller keeps the array alive.
bool argTypedArray(napi_env env, napi_value v, const char* name, napi_typedarray_type want,
                   void** data, size_t* length);

// Reads `v` (which must be a string) as UTF-16 into `stack` when it fits,
// otherwise into `heap`, which the caller frees with delete[].
bool argUtf16(napi_env env, napi_value v, const char* name, char16_t* stack, size_t stackLen,
              char16_t** out, size_t* len, char16_t** heap);

// A native object handed to JS as an External carrying `tag`, deleted by the
// garbage collector. Unwrap refuses externals without the tag (forged handles).
template <typename T>
napi_value wrapExternal(napi_env env, T* object, const napi_type_tag* tag) {
  napi_value ext;
  if (napi_create_external(env, object, [](napi_env, void* p, void*) { delete static_cast<T*>(p); },
                           nullptr, &ext) != napi_ok) {
    delete object;
    return nullptr;
  }
  napi_type_tag_object(env, ext, tag);
  return ext;
}

template <typename T>
T* unwrapExternal(napi_env env, napi_value v, const napi_type_tag* tag, const char* name) {
  bool ok = false;
  napi_valuetype t;
  if (napi_typeof(env, v, &t) == napi_ok && t == napi_external) napi_check_object_type_tag(env, v, tag, &ok);
  if (!ok) {
    throwType(env, "GRIDDLE_ERR_INVALID_HANDLE", name);
    return nullptr;
  }
  void* p = nullptr;
  napi_get_value_external(env, v, &p);
  return static_cast<T*>(p);
}

}  // namespace griddle

#define GRIDDLE_ARGS(n)                                                     \
  size_t argc = (n);                                                        \
  napi_value argv[(n) > 0 ? (n) : 1];                                       \
  void* fnData = nullptr;                                                   \
  napi_get_cb_info(env, info, &argc, argv, nullptr, &fnData);               \
  (void)fnData;                                                             \
  for (size_t i_ = argc; i_ < (n); i_++) napi_get_undefined(env, &argv[i_])

#define GRIDDLE_EXPORT(env, exports, name, fn)                                        \
  do {                                                                                \
    napi_value f_;                                                                    \
    if (napi_create_function((env), name, NAPI_AUTO_LENGTH, (fn), nullptr, &f_) != napi_ok || \
        napi_set_named_property((env), (exports), name, f_) != napi_ok)               \
      return false;                                                                   \
  } while (0)
