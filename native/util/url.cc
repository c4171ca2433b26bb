#include "util/url.h"

namespace griddle {
namespace url {

static inline int hexValue(char16_t c) {
  if (c >= u'0' && c <= u'9') return c - u'0';
  if (c >= u'a' && c <= u'f') return c - u'a' + 10;
  if (c >= u'A' && c <= u'F') return c - u'A' + 10;
  return -1;
}

// The escapes decodeURI leaves alone, plus '%' itself (find-my-way keeps %25
// encoded so that a literal "%25" in a parameter is decoded exactly once).
static inline bool isReserved(int b) {
  switch (b) {
    case '#': case '$': case '%': case '&': case '+': case ',': case '/':
    case ':': case ';': case '=': case '?': case '@':
      return true;
    default:
      return false;
  }
}

Scan scan(const char16_t* raw, size_t len) {
  Scan s{len, false, false};
  for (size_t i = 0; i < len; i++) {
    char16_t c = raw[i];
    // One compare rejects letters and most punctuation: '?' is the highest special.
    if (c > u'?') continue;
    if (c == u'?' || c == u'#') {
      s.end = i;
      break;
    }
    if (c == u'%') s.percent = true;
    else if (c == u'/' && i > 0 && raw[i - 1] == u'/') s.doubleSlash = true;
  }
  return s;
}

bool hasPercent(const char16_t* raw, size_t len) {
  for (size_t i = 0; i < len; i++) {
    if (raw[i] == u'%') return true;
  }
  return false;
}

// Reads the byte of the escape at raw[i] ("%XX"), or -1.
static inline int escapeByte(const char16_t* raw, size_t len, size_t i) {
  if (i + 2 >= len || raw[i] != u'%') return -1;
  int h = hexValue(raw[i + 1]), l = hexValue(raw[i + 2]);
  return (h < 0 || l < 0) ? -1 : (h << 4) | l;
}

long decodePath(const char16_t* raw, size_t len, char16_t* out, uint32_t* map, bool* reserved) {
  size_t n = 0;
  for (size_t i = 0; i < len;) {
    if (raw[i] != u'%') {
      map[n] = static_cast<uint32_t>(i);
      out[n++] = raw[i++];
      continue;
    }
    int b = escapeByte(raw, len, i);
    if (b < 0) return -1;
    if (b < 0x80) {
      if (isReserved(b)) {
        *reserved = true;
        for (int k = 0; k < 3; k++) {
          map[n] = static_cast<uint32_t>(i + k);
          out[n++] = raw[i + k];
        }
      } else {
        map[n] = static_cast<uint32_t>(i);
        out[n++] = static_cast<char16_t>(b);
      }
      i += 3;
      continue;
    }
    int count;
    uint32_t cp, min;
    if ((b & 0xE0) == 0xC0) count = 2, cp = b & 0x1F, min = 0x80;
    else if ((b & 0xF0) == 0xE0) count = 3, cp = b & 0x0F, min = 0x800;
    else if ((b & 0xF8) == 0xF0) count = 4, cp = b & 0x07, min = 0x10000;
    else return -1;
    size_t start = i;
    i += 3;
    for (int k = 1; k < count; k++, i += 3) {
      int c = escapeByte(raw, len, i);
      if (c < 0 || (c & 0xC0) != 0x80) return -1;
      cp = (cp << 6) | (c & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return -1;
    if (cp >= 0x10000) {
      cp -= 0x10000;
      map[n] = static_cast<uint32_t>(start);
      out[n++] = static_cast<char16_t>(0xD800 + (cp >> 10));
      map[n] = static_cast<uint32_t>(start);
      out[n++] = static_cast<char16_t>(0xDC00 + (cp & 0x3FF));
    } else {
      map[n] = static_cast<uint32_t>(start);
      out[n++] = static_cast<char16_t>(cp);
    }
  }
  map[n] = static_cast<uint32_t>(len);
  return static_cast<long>(n);
}

size_t collapseSlashes(char16_t* buf, uint32_t* map, size_t len) {
  size_t w = 0;
  for (size_t r = 0; r < len; r++) {
    if (buf[r] == u'/' && w > 0 && buf[w - 1] == u'/') continue;
    buf[w] = buf[r];
    map[w] = map[r];
    w++;
  }
  map[w] = map[len];
  return w;
}

size_t decodeReserved(const char16_t* seg, size_t len, char16_t* out, uint32_t* map) {
  size_t n = 0;
  for (size_t i = 0; i < len;) {
    int b = seg[i] == u'%' ? escapeByte(seg, len, i) : -1;
    map[n] = static_cast<uint32_t>(i);
    if (b >= 0) {
      out[n++] = static_cast<char16_t>(b);
      i += 3;
    } else {
      out[n++] = seg[i++];
    }
  }
  map[n] = static_cast<uint32_t>(len);
  return n;
}

size_t decodedLength(const char16_t* seg, size_t len) {
  size_t n = len;
  for (size_t i = 0; i + 2 < len; i++) {
    if (seg[i] == u'%') n -= 2, i += 2;
  }
  return n;
}

}  // namespace url
}  // namespace griddle
