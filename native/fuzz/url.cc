// Fuzz target for native/util/url.*: the request-path decoder the router runs
// on every target with a '%' or "//". Checked against oracles written apart
// from the code under test: well-formedness by the Unicode Standard's table of
// well-formed UTF-8 byte sequences (Table 3-7), not by decoding.
#include <cstring>
#include <vector>

#include "fuzz/input.h"
#include "util/url.h"

using griddle::fuzz::show;
namespace url = griddle::url;

namespace {

int hex(char16_t c) {
  if (c >= u'0' && c <= u'9') return c - u'0';
  if (c >= u'a' && c <= u'f') return c - u'a' + 10;
  if (c >= u'A' && c <= u'F') return c - u'A' + 10;
  return -1;
}

// The byte of the escape at s[i], or -1 when s[i..i+3) is not "%XX".
int escapeAt(const std::u16string& s, size_t i) {
  if (i + 3 > s.size() || s[i] != u'%') return -1;
  int h = hex(s[i + 1]), l = hex(s[i + 2]);
  return h < 0 || l < 0 ? -1 : h * 16 + l;
}

bool reservedByte(int b) { return b >= 0 && b < 0x80 && std::strchr("#$%&+,/:;=?@", b) != nullptr && b != 0; }

// Table 3-7: the second byte's range depends on the first; later bytes are 80..BF.
bool wellFormedLead(int b0, int* count, int* lo, int* hi) {
  *lo = 0x80, *hi = 0xBF;
  if (b0 >= 0xC2 && b0 <= 0xDF) *count = 2;
  else if (b0 == 0xE0) *count = 3, *lo = 0xA0;
  else if ((b0 >= 0xE1 && b0 <= 0xEC) || b0 == 0xEE || b0 == 0xEF) *count = 3;
  else if (b0 == 0xED) *count = 3, *hi = 0x9F;
  else if (b0 == 0xF0) *count = 4, *lo = 0x90;
  else if (b0 >= 0xF1 && b0 <= 0xF3) *count = 4;
  else if (b0 == 0xF4) *count = 4, *hi = 0x8F;
  else return false;
  return true;
}

// What decodePath must produce: one entry per output unit run, from the
// escapes read as bytes and checked against Table 3-7. False when malformed.
struct Piece {
  size_t rawStart, rawEnd;
  std::u16string text;
};
bool oracle(const std::u16string& raw, std::vector<Piece>* pieces, bool* reserved) {
  for (size_t i = 0; i < raw.size();) {
    if (raw[i] != u'%') {
      pieces->push_back({i, i + 1, std::u16string(1, raw[i])});
      i++;
      continue;
    }
    int b0 = escapeAt(raw, i);
    if (b0 < 0) return false;
    if (b0 < 0x80) {
      if (reservedByte(b0)) *reserved = true;
      pieces->push_back({i, i + 3, reservedByte(b0) ? raw.substr(i, 3) : std::u16string(1, char16_t(b0))});
      i += 3;
      continue;
    }
    int count, lo, hi;
    if (!wellFormedLead(b0, &count, &lo, &hi)) return false;
    uint32_t bytes[4] = {uint32_t(b0)};
    for (int k = 1; k < count; k++) {
      int b = escapeAt(raw, i + 3 * k);
      if (b < (k == 1 ? lo : 0x80) || b > (k == 1 ? hi : 0xBF)) return false;
      bytes[k] = uint32_t(b);
    }
    uint32_t cp = count == 2   ? (bytes[0] & 0x1F) << 6 | (bytes[1] & 0x3F)
                  : count == 3 ? (bytes[0] & 0x0F) << 12 | (bytes[1] & 0x3F) << 6 | (bytes[2] & 0x3F)
                               : (bytes[0] & 0x07) << 18 | (bytes[1] & 0x3F) << 12 | (bytes[2] & 0x3F) << 6 |
                                     (bytes[3] & 0x3F);
    std::u16string text;
    if (cp >= 0x10000) {
      text.push_back(char16_t(0xD800 + ((cp - 0x10000) >> 10)));
      text.push_back(char16_t(0xDC00 + ((cp - 0x10000) & 0x3FF)));
    } else {
      text.push_back(char16_t(cp));
    }
    pieces->push_back({i, i + 3 * size_t(count), text});
    i += 3 * size_t(count);
  }
  return true;
}

void checkScan(const std::u16string& raw) {
  url::Scan s = url::scan(raw.data(), raw.size());
  size_t end = raw.find_first_of(u"?#");
  if (end == std::u16string::npos) end = raw.size();
  std::u16string path = raw.substr(0, end);
  FUZZ_CHECK(s.end == end, show(raw));
  FUZZ_CHECK(s.percent == (path.find(u'%') != std::u16string::npos), show(raw));
  FUZZ_CHECK(s.doubleSlash == (path.find(u"//") != std::u16string::npos), show(raw));
  FUZZ_CHECK(url::hasPercent(raw.data(), raw.size()) == (raw.find(u'%') != std::u16string::npos), show(raw));
}

// decodeReserved and decodedLength on text whose every '%' starts a valid
// escape (what decodePath leaves): both agree, and only escapes shrink.
void checkReserved(const std::u16string& seg) {
  std::vector<char16_t> out(seg.size() + 1);
  std::vector<uint32_t> map(seg.size() + 1);
  size_t n = url::decodeReserved(seg.data(), seg.size(), out.data(), map.data());
  FUZZ_CHECK(n == url::decodedLength(seg.data(), seg.size()), show(seg));
  std::u16string want;
  for (size_t i = 0; i < seg.size();) {
    int b = escapeAt(seg, i);
    want.push_back(b >= 0 ? char16_t(b) : seg[i]);
    i += b >= 0 ? 3 : 1;
  }
  FUZZ_CHECK(std::u16string(out.data(), n) == want, show(seg));
  FUZZ_CHECK(map[n] == seg.size(), show(seg));
  for (size_t i = 0; i < n; i++) FUZZ_CHECK(map[i] < map[i + 1], show(seg));
}

void checkCollapse(const std::u16string& decoded, const std::vector<uint32_t>& map) {
  std::u16string buf = decoded, want;
  std::vector<uint32_t> m = map;
  size_t n = url::collapseSlashes(&buf[0], m.data(), buf.size());
  for (char16_t c : decoded) {
    if (!(c == u'/' && !want.empty() && want.back() == u'/')) want.push_back(c);
  }
  FUZZ_CHECK(buf.substr(0, n) == want, show(decoded));
  FUZZ_CHECK(m[n] == map.back(), show(decoded));
  // Each kept unit keeps its own raw index: m is a subsequence of map.
  size_t j = 0;
  for (size_t i = 0; i < n; i++, j++) {
    while (j < decoded.size() && !(decoded[j] == buf[i] && map[j] == m[i])) j++;
    FUZZ_CHECK(j < decoded.size(), show(decoded));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::u16string raw = griddle::fuzz::toUtf16(data, size);
  checkScan(raw);

  std::vector<char16_t> out(raw.size() + 1);
  std::vector<uint32_t> map(raw.size() + 1);
  bool reserved = false;
  long n = url::decodePath(raw.data(), raw.size(), out.data(), map.data(), &reserved);
  std::vector<Piece> pieces;
  bool wantReserved = false;
  bool ok = oracle(raw, &pieces, &wantReserved);
  FUZZ_CHECK((n >= 0) == ok, show(raw));

  // Any text, well-formed or not, is safe to give the reserved decoder.
  {
    std::vector<char16_t> o(raw.size() + 1);
    std::vector<uint32_t> m(raw.size() + 1);
    size_t k = url::decodeReserved(raw.data(), raw.size(), o.data(), m.data());
    FUZZ_CHECK(k <= raw.size() && m[k] == raw.size(), show(raw));
  }
  if (n < 0) return 0;

  FUZZ_CHECK(reserved == wantReserved, show(raw));
  FUZZ_CHECK(size_t(n) <= raw.size() && map[n] == raw.size(), show(raw));
  size_t at = 0;
  for (const Piece& p : pieces) {
    for (size_t k = 0; k < p.text.size(); k++, at++) {
      FUZZ_CHECK(at < size_t(n) && out[at] == p.text[k], show(raw));
      // A reserved escape maps each of its three units to itself; anything
      // else maps every unit it produced to where its escape starts.
      uint32_t where = p.text.size() == 3 && p.rawEnd - p.rawStart == 3 ? p.rawStart + k : p.rawStart;
      FUZZ_CHECK(map[at] == where, show(raw));
    }
  }
  FUZZ_CHECK(at == size_t(n), show(raw));

  std::u16string decoded(out.data(), size_t(n));
  std::vector<uint32_t> decodedMap(map.begin(), map.begin() + n + 1);
  checkCollapse(decoded, decodedMap);
  // The router measures and decodes parameter values one '/'-free segment at a time.
  for (size_t start = 0; start <= decoded.size();) {
    size_t end = decoded.find(u'/', start);
    if (end == std::u16string::npos) end = decoded.size();
    checkReserved(decoded.substr(start, end - start));
    start = end + 1;
  }
  return 0;
}
