// Shared by the fuzz targets: fuzz bytes as the UTF-16 the native code gets
// from JS, and a check that aborts (so libFuzzer records the input) with a
// message naming the broken invariant.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace griddle {
namespace fuzz {

// A byte below 0xF0 is that code unit, so inputs stay dense in ASCII and
// Latin-1 as request targets are; 0xF0..0xFF takes the next two bytes as one
// code unit, which reaches the rest of UTF-16 (lone surrogates, U+2028).
inline std::u16string toUtf16(const uint8_t* data, size_t size) {
  std::u16string s;
  s.reserve(size);
  for (size_t i = 0; i < size; i++) {
    if (data[i] < 0xF0 || i + 2 >= size) {
      s.push_back(static_cast<char16_t>(data[i]));
    } else {
      s.push_back(static_cast<char16_t>(data[i + 1] << 8 | data[i + 2]));
      i += 2;
    }
  }
  return s;
}

// For failure messages: the string with non-printable units as \uXXXX.
inline std::string show(const char16_t* s, size_t n) {
  std::string out;
  char buf[8];
  for (size_t i = 0; i < n; i++) {
    if (s[i] >= 0x20 && s[i] < 0x7F && s[i] != u'\\') {
      out.push_back(static_cast<char>(s[i]));
    } else {
      std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(s[i]));
      out += buf;
    }
  }
  return out;
}
inline std::string show(const std::u16string& s) { return show(s.data(), s.size()); }

[[noreturn]] inline void fail(const char* what, const std::string& detail) {
  std::fprintf(stderr, "invariant broken: %s\n  %s\n", what, detail.c_str());
  std::abort();
}

}  // namespace fuzz
}  // namespace griddle

#define FUZZ_CHECK(cond, detail)                      \
  do {                                                \
    if (!(cond)) ::griddle::fuzz::fail(#cond, detail); \
  } while (0)
