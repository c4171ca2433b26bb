// Small helpers for raw Node-API callbacks: argument checks that throw a
// TypeError naming the argument, and type-tagged externals for native handles.
#pragma once

#include <node_api.h>

#include <cstddef>
#include <cstdint>
#include <string>

namespace griddle {

// Throws a TypeError with a griddle code; always returns nullptr so callers can
// `return throwType(...)`.
napi_value throwType(napi_env env, const char* code, const char* message);
napi_value throwError(napi_env env, const char* code, const char* message);

bool argInt32(napi_env env, napi_value v, const char* name, int32_t* out);
// A string argument as UTF-8 (names, versions: never on the hot path).
bool argUtf8(napi_env env, napi_value v, const char* name, std::string* out);
bool argDouble(napi_env env, napi_value v, const char* name, double* out);

// Pointer and length of a TypedArray's bytes. The caller keeps the array alive.
bool argTypedArray(napi_env env, napi_value v, const char* name, napi_typedarray_type want,
                   void** data, size_t* length);

// Reads `v` (which must be a string) as UTF-16 into `stack` when it fits,
// otherwise into `heap`, which the caller frees with delete[].
bool argUtf16(napi_env env, napi_value v, const char* name, char16_t* stack, size_t stackLen,
              char16_t** out, size_t* len, char16_t** heap);

// A string argument read as UTF-16 into a stack buffer, spilling to the heap
// when long; `optional` also takes undefined or null, read as "".
struct Utf16Arg {
  char16_t stack[256];
  char16_t* data = stack;
  char16_t* heap = nullptr;
  size_t len = 0;
  bool read(napi_env env, napi_value v, const char* name) {
    return argUtf16(env, v, name, stack, sizeof stack / sizeof stack[0], &data, &len, &heap);
  }
  bool optional(napi_env env, napi_value v, const char* name);
  ~Utf16Arg() { delete[] heap; }
};

// The native object behind a JS handle made with napi_wrap and tagged with
// napi_type_tag_object; null, after throwing a TypeError with `message`, when
// `v` does not carry the tag (a forged or foreign handle).
void* unwrapTagged(napi_env env, napi_value v, const napi_type_tag* tag, const char* message);

// Hands p to JS as an external tagged with `tag`, deleted when collected; null
// (and p deleted) when the external cannot be made.
template <class T>
napi_value taggedExternal(napi_env env, T* p, const napi_type_tag* tag) {
  napi_value ext;
  if (napi_create_external(env, p, [](napi_env, void* q, void*) { delete static_cast<T*>(q); }, nullptr, &ext) != napi_ok) {
    delete p;
    return nullptr;
  }
  napi_type_tag_object(env, ext, tag);
  return ext;
}

// exports[name] = value, for the constants JS reads at load time.
void exportInt(napi_env env, napi_value exports, const char* name, int32_t value);
void exportString(napi_env env, napi_value exports, const char* name, const char16_t* value, size_t len);
// exports[name] = a new object, which holds one module's slot indexes and
// codes (native.ROUTER, native.DISPATCH, native.CACHE); null on failure.
napi_value exportObject(napi_env env, napi_value exports, const char* name);

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
