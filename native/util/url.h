// Request-path normalisation shared by the router and, later, the dispatcher.
// Semantics follow find-my-way so that routes behave as fastify users expect:
// the path is decoded like decodeURI (malformed escapes are an error), except
// that the reserved escapes (# $ % & + , / : ; = ? @) stay encoded for matching
// and are decoded only inside parameter values.
#pragma once

#include <cstddef>
#include <cstdint>

namespace griddle {
namespace url {

// One pass over a request target: where the path ends (the first '?' or
// '#'), whether it has a '%', and whether it has "//".
struct Scan {
  size_t end;
  bool percent;
  bool doubleSlash;
};
Scan scan(const char16_t* raw, size_t len);

// True when raw[0..len) contains a '%'.
bool hasPercent(const char16_t* raw, size_t len);

// Decodes raw[0..len) into out (capacity len). map[i] is the raw index where
// out[i] came from; map[n] = len. Returns the decoded length, or -1 when an
// escape is malformed (bad hex, invalid or overlong UTF-8, a surrogate).
// Sets *reserved when a reserved escape was kept encoded.
long decodePath(const char16_t* raw, size_t len, char16_t* out, uint32_t* map, bool* reserved);

// Collapses runs of '/' in buf[0..len) in place, keeping map aligned
// (map has len + 1 entries). Returns the new length.
size_t collapseSlashes(char16_t* buf, uint32_t* map, size_t len);

// Decodes the reserved escapes still present in seg[0..len) (everything else
// was decoded by decodePath). out/map as in decodePath, map relative to seg.
size_t decodeReserved(const char16_t* seg, size_t len, char16_t* out, uint32_t* map);

// Number of UTF-16 units seg[0..len) has once its reserved escapes are decoded.
size_t decodedLength(const char16_t* seg, size_t len);

// Simple case folding for ASCII and Latin-1 letters.
inline char16_t lower(char16_t c) {
  if (c >= u'A' && c <= u'Z') return c + 32;
  if (c >= 0xC0 && c <= 0xDE && c != 0xD7) return c + 32;
  return c;
}

}  // namespace url
}  // namespace griddle
