#include "dispatch-key.h"

#include <algorithm>
#include <cstring>

namespace griddle {
namespace dispatchkey {

namespace {

int hexValue(char16_t c) {
  if (c >= u'0' && c <= u'9') return c - u'0';
  if (c >= u'a' && c <= u'f') return c - u'a' + 10;
  if (c >= u'A' && c <= u'F') return c - u'A' + 10;
  return -1;
}

void appendUtf8(std::vector<uint8_t>& out, uint32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<uint8_t>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<uint8_t>(0xc0 | (cp >> 6)));
    out.push_back(static_cast<uint8_t>(0x80 | (cp & 0x3f)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<uint8_t>(0xe0 | (cp >> 12)));
    out.push_back(static_cast<uint8_t>(0x80 | ((cp >> 6) & 0x3f)));
    out.push_back(static_cast<uint8_t>(0x80 | (cp & 0x3f)));
  } else {
    out.push_back(static_cast<uint8_t>(0xf0 | (cp >> 18)));
    out.push_back(static_cast<uint8_t>(0x80 | ((cp >> 12) & 0x3f)));
    out.push_back(static_cast<uint8_t>(0x80 | ((cp >> 6) & 0x3f)));
    out.push_back(static_cast<uint8_t>(0x80 | (cp & 0x3f)));
  }
}

// A pair's name as the query parser sees it ('+' is a space, %XX a byte,
// other characters their UTF-8), so that two spellings of one name sort as
// one name and keep their relative order.
void decodeName(std::vector<uint8_t>& out, const char16_t* p, size_t n) {
  for (size_t i = 0; i < n; i++) {
    char16_t c = p[i];
    if (c == u'+') {
      out.push_back(' ');
    } else if (c == u'%' && i + 2 < n && hexValue(p[i + 1]) >= 0 && hexValue(p[i + 2]) >= 0) {
      out.push_back(static_cast<uint8_t>(hexValue(p[i + 1]) * 16 + hexValue(p[i + 2])));
      i += 2;
    } else if (c >= 0xd800 && c < 0xdc00 && i + 1 < n && p[i + 1] >= 0xdc00 && p[i + 1] < 0xe000) {
      appendUtf8(out, 0x10000 + ((c - 0xd800) << 10) + (p[i + 1] - 0xdc00));
      i++;
    } else {
      appendUtf8(out, c);
    }
  }
}

}  // namespace

void defaultKey(KeyScratch& s, int32_t method, const char16_t* path, size_t pathLen, const char16_t* query,
                size_t queryLen) {
  s.key.clear();
  s.key.push_back(KEY_DEFAULT);
  s.key.push_back(static_cast<char16_t>(method + 1));
  s.key.append(path, pathLen);
  s.key.push_back(u'?');
  s.pairs.clear();
  s.names.clear();
  // Most names are plain ASCII: they compare as they are. Only when one has
  // '%', '+' or a non-ASCII character are all names decoded for comparing.
  bool decode = false;
  size_t start = 0;
  for (size_t i = 0; i <= queryLen; i++) {
    if (i < queryLen && query[i] != u'&') continue;
    if (i > start) {
      size_t eq = start;
      for (; eq < i && query[eq] != u'='; eq++) {
        char16_t c = query[eq];
        if (c == u'%' || c == u'+' || c >= 0x80) decode = true;
      }
      s.pairs.push_back({std::u16string_view(query + start, i - start), static_cast<uint32_t>(eq - start), 0, 0});
    }
    start = i + 1;
  }
  if (decode) {
    for (KeyScratch::Pair& p : s.pairs) {
      p.nameStart = static_cast<uint32_t>(s.names.size());
      decodeName(s.names, p.text.data(), p.nameLen);
      p.decodedLen = static_cast<uint32_t>(s.names.size() - p.nameStart);
    }
  }
  const uint8_t* names = s.names.data();
  auto before = [names, decode](const KeyScratch::Pair& a, const KeyScratch::Pair& b) {
    if (!decode) return a.text.substr(0, a.nameLen) < b.text.substr(0, b.nameLen);
    int c = std::memcmp(names + a.nameStart, names + b.nameStart, std::min(a.decodedLen, b.decodedLen));
    return c != 0 ? c < 0 : a.decodedLen < b.decodedLen;
  };
  // Stable either way. A query has a few pairs: insertion sort allocates
  // nothing, where std::stable_sort takes a temporary buffer on every call.
  if (s.pairs.size() <= 32) {
    for (size_t i = 1; i < s.pairs.size(); i++) {
      KeyScratch::Pair p = s.pairs[i];
      size_t j = i;
      for (; j > 0 && before(p, s.pairs[j - 1]); j--) s.pairs[j] = s.pairs[j - 1];
      s.pairs[j] = p;
    }
  } else {
    std::stable_sort(s.pairs.begin(), s.pairs.end(), before);
  }
  for (size_t i = 0; i < s.pairs.size(); i++) {
    if (i > 0) s.key.push_back(u'&');
    s.key.append(s.pairs[i].text);
  }
}

void appendArms(KeyScratch& s, int32_t packed) {
  if (packed <= 0) return;
  s.key.push_back(KEY_ARMS);
  s.key.push_back(static_cast<char16_t>(static_cast<uint32_t>(packed) >> 16));
  s.key.push_back(static_cast<char16_t>(packed & 0xffff));
}

void customKey(KeyScratch& s, int32_t routeId, const char16_t* key, size_t keyLen) {
  s.key.clear();
  if (routeId < 0) {
    s.key.push_back(KEY_SHARED);
  } else {
    s.key.push_back(KEY_CUSTOM);
    s.key.push_back(static_cast<char16_t>(static_cast<uint32_t>(routeId) >> 16));
    s.key.push_back(static_cast<char16_t>(routeId & 0xffff));
  }
  s.key.append(key, keyLen);
}

void armKey(KeyScratch& s, int32_t arm) {
  if (arm == 0) return;
  const char16_t prefix[2] = {KEY_ARM, static_cast<char16_t>(arm)};
  s.key.insert(0, prefix, 2);
}

}  // namespace dispatchkey
}  // namespace griddle
