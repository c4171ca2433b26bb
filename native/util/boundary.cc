#include "util/boundary.h"

#include <string>

namespace griddle {

static napi_value makeError(napi_env env, bool type, const char* code, const char* message) {
  napi_value c, m, err;
  napi_create_string_utf8(env, code, NAPI_AUTO_LENGTH, &c);
  napi_create_string_utf8(env, message, NAPI_AUTO_LENGTH, &m);
  if (type) napi_create_type_error(env, c, m, &err);
  else napi_create_error(env, c, m, &err);
  napi_throw(env, err);
  return nullptr;
}

napi_value throwType(napi_env env, const char* code, const char* message) {
  return makeError(env, true, code, message);
}

napi_value throwError(napi_env env, const char* code, const char* message) {
  return makeError(env, false, code, message);
}

static bool expect(napi_env env, napi_value v, napi_valuetype want, const char* name, const char* what) {
  napi_valuetype t;
  if (napi_typeof(env, v, &t) != napi_ok || t != want) {
    std::string msg = std::string("argument '") + name + "' must be " + what;
    throwType(env, "GRIDDLE_ERR_INVALID_ARG", msg.c_str());
    return false;
  }
  return true;
}

bool argInt32(napi_env env, napi_value v, const char* name, int32_t* out) {
  return expect(env, v, napi_number, name, "a number") && napi_get_value_int32(env, v, out) == napi_ok;
}

bool argDouble(napi_env env, napi_value v, const char* name, double* out) {
  return expect(env, v, napi_number, name, "a number") && napi_get_value_double(env, v, out) == napi_ok;
}

bool argTypedArray(napi_env env, napi_value v, const char* name, napi_typedarray_type want,
                   void** data, size_t* length) {
  bool is = false;
  napi_is_typedarray(env, v, &is);
  napi_typedarray_type type;
  napi_value ab;
  size_t offset;
  if (!is || napi_get_typedarray_info(env, v, &type, length, data, &ab, &offset) != napi_ok || type != want) {
    std::string msg = std::string("argument '") + name + "' must be a typed array of the expected type";
    throwType(env, "GRIDDLE_ERR_INVALID_ARG", msg.c_str());
    return false;
  }
  return true;
}

bool argUtf16(napi_env env, napi_value v, const char* name, char16_t* stack, size_t stackLen,
              char16_t** out, size_t* len, char16_t** heap) {
  *heap = nullptr;
  size_t n = 0;
  if (napi_get_value_string_utf16(env, v, stack, stackLen, &n) != napi_ok) {
    expect(env, v, napi_string, name, "a string");
    return false;
  }
  if (n + 1 < stackLen) {
    *out = stack;
    *len = n;
    return true;
  }
  // Possibly truncated: ask for the real length and copy into the heap.
  napi_get_value_string_utf16(env, v, nullptr, 0, &n);
  *heap = new char16_t[n + 1];
  napi_get_value_string_utf16(env, v, *heap, n + 1, &n);
  *out = *heap;
  *len = n;
  return true;
}

bool Utf16Arg::optional(napi_env env, napi_value v, const char* name) {
  napi_valuetype t;
  napi_typeof(env, v, &t);
  if (t == napi_undefined || t == napi_null) {
    len = 0;
    return true;
  }
  return read(env, v, name);
}

void* unwrapTagged(napi_env env, napi_value v, const napi_type_tag* tag, const char* message) {
  bool tagged = false;
  napi_check_object_type_tag(env, v, tag, &tagged);
  if (!tagged) {
    throwType(env, "GRIDDLE_ERR_INVALID_HANDLE", message);
    return nullptr;
  }
  void* p = nullptr;
  napi_unwrap(env, v, &p);
  return p;
}

void exportInt(napi_env env, napi_value exports, const char* name, int32_t value) {
  napi_value v;
  napi_create_int32(env, value, &v);
  napi_set_named_property(env, exports, name, v);
}

void exportString(napi_env env, napi_value exports, const char* name, const char16_t* value, size_t len) {
  napi_value v;
  if (napi_create_string_utf16(env, value, len, &v) == napi_ok) napi_set_named_property(env, exports, name, v);
}

napi_value exportObject(napi_env env, napi_value exports, const char* name) {
  napi_value obj;
  if (napi_create_object(env, &obj) != napi_ok || napi_set_named_property(env, exports, name, obj) != napi_ok) return nullptr;
  return obj;
}

bool argUtf8(napi_env env, napi_value v, const char* name, std::string* out) {
  size_t len = 0;
  if (napi_get_value_string_utf8(env, v, nullptr, 0, &len) != napi_ok) {
    std::string msg = std::string("argument '") + name + "' must be a string";
    throwType(env, "GRIDDLE_ERR_INVALID_ARG", msg.c_str());
    return false;
  }
  out->assign(len, '\0');
  napi_get_value_string_utf8(env, v, out->data(), len + 1, &len);
  return true;
}

}  // namespace griddle
