// Fuzz target for the dispatcher's default cache key (native/dispatch-key.*).
// Input: one byte of method code, then a request target split at its first
// '?' as lib/server splits it. The key must be readable back into the
// method, the path and the query's pairs, must not depend on the order of
// pairs with different names, and must depend on the order of the values of
// one name (issue 9, defect 5).
#include <algorithm>
#include <vector>

#include "dispatch-key.h"
#include "fuzz/input.h"

using griddle::fuzz::show;

namespace {

using Pairs = std::vector<std::u16string>;

Pairs pairsOf(const std::u16string& q) {
  Pairs out;
  size_t start = 0;
  for (;;) {
    size_t amp = q.find(u'&', start);
    size_t end = amp == std::u16string::npos ? q.size() : amp;
    if (end > start) out.push_back(q.substr(start, end - start));
    if (amp == std::u16string::npos) return out;
    start = amp + 1;
  }
}

// A pair's name as req.query sees it: '+' a space, %XX (two hex digits) a
// byte, a surrogate pair its code point and any other unit its UTF-8. Two
// spellings of one name ("a" and "%61") are one name: the key keeps their
// pairs in their order, as it does for pairs spelled alike.
std::string nameOf(const std::u16string& pair) {
  std::u16string raw = pair.substr(0, pair.find(u'='));
  auto hex = [](char16_t c) {
    return c >= u'0' && c <= u'9' ? c - u'0' : c >= u'a' && c <= u'f' ? c - u'a' + 10
                                             : c >= u'A' && c <= u'F' ? c - u'A' + 10 : -1;
  };
  std::string out;
  for (size_t i = 0; i < raw.size(); i++) {
    uint32_t c = raw[i];
    if (c == u'+') {
      out += ' ';
      continue;
    }
    if (c == u'%' && i + 2 < raw.size() && hex(raw[i + 1]) >= 0 && hex(raw[i + 2]) >= 0) {
      out += static_cast<char>(hex(raw[i + 1]) * 16 + hex(raw[i + 2]));
      i += 2;
      continue;
    }
    if (c >= 0xD800 && c < 0xDC00 && i + 1 < raw.size() && raw[i + 1] >= 0xDC00 && raw[i + 1] < 0xE000) {
      c = 0x10000 + ((c - 0xD800) << 10) + (raw[++i] - 0xDC00);
    }
    if (c < 0x80) {
      out += static_cast<char>(c);
    } else if (c < 0x800) {
      out += static_cast<char>(0xC0 | c >> 6);
      out += static_cast<char>(0x80 | (c & 0x3F));
    } else if (c < 0x10000) {
      out += static_cast<char>(0xE0 | c >> 12);
      out += static_cast<char>(0x80 | (c >> 6 & 0x3F));
      out += static_cast<char>(0x80 | (c & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | c >> 18);
      out += static_cast<char>(0x80 | (c >> 12 & 0x3F));
      out += static_cast<char>(0x80 | (c >> 6 & 0x3F));
      out += static_cast<char>(0x80 | (c & 0x3F));
    }
  }
  return out;
}

// The builder's scratch lives as long as the dispatcher: reuse it across inputs.
griddle::dispatchkey::KeyScratch scratch;

std::u16string build(int32_t method, const std::u16string& path, const std::u16string& query) {
  griddle::dispatchkey::defaultKey(scratch, method, path.data(), path.size(), query.data(), query.size());
  return scratch.key;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  int32_t method = data[0];
  std::u16string target = griddle::fuzz::toUtf16(data + 1, size - 1);
  size_t qm = target.find(u'?');
  std::u16string path = target.substr(0, qm);
  std::u16string query = qm == std::u16string::npos ? std::u16string() : target.substr(qm + 1);
  // Built only when a check fails: showing every input would cost more than the checks.
  auto at = [&] { return show(target); };

  std::u16string k = build(method, path, query);
  // [kind][method + 1][path]?[pairs joined by '&']
  FUZZ_CHECK(k.size() >= 3 + path.size() && k[0] == griddle::dispatchkey::KEY_DEFAULT && k[1] == char16_t(method + 1), at());
  FUZZ_CHECK(k.compare(2, path.size(), path) == 0 && k[2 + path.size()] == u'?', at());
  std::u16string rest = k.substr(3 + path.size());
  Pairs got = pairsOf(rest), want = pairsOf(query);
  // Every pair is kept whole and none is invented: joined by single '&'s,
  // splitting the key gives back exactly the query's non-empty pairs.
  size_t joined = got.empty() ? 0 : got.size() - 1;
  for (const std::u16string& p : got) joined += p.size();
  FUZZ_CHECK(joined == rest.size(), at() + " key " + show(k));
  Pairs a = got, b = want;
  std::sort(a.begin(), a.end());
  std::sort(b.begin(), b.end());
  FUZZ_CHECK(a == b, at() + " key " + show(k));

  // Moving pairs with different names around (and adding empty pairs)
  // changes nothing: a stable sort by a hash of the decoded name keeps the
  // order of the values of each name, which req.query exposes.
  // Decoded once per pair: the checks below compare them O(pairs²) times.
  std::vector<std::string> names;
  for (const std::u16string& p : want) names.push_back(nameOf(p));
  if (want.size() > 1) {
    uint32_t seed = static_cast<uint32_t>(size) * 2654435761u;
    std::vector<std::pair<uint32_t, size_t>> order;  // (hash of the name, position)
    for (size_t i = 0; i < want.size(); i++) {
      uint32_t h = seed;
      for (char c : names[i]) h = (h ^ static_cast<uint8_t>(c)) * 16777619u;
      order.emplace_back(h, i);
    }
    std::stable_sort(order.begin(), order.end(),
                     [](const auto& x, const auto& y) { return x.first < y.first; });
    Pairs moved;
    for (const auto& o : order) moved.push_back(want[o.second]);
    std::u16string q2 = u"&";
    for (const std::u16string& p : moved) q2 += p + u"&&";
    FUZZ_CHECK(build(method, path, q2) == k, at() + " moved " + show(q2));
  }

  // Issue 9, defect 5: two values of one name (however each spells the
  // name) swapped change req.query, so they must change the key.
  for (size_t i = 0; i < want.size(); i++) {
    for (size_t j = i + 1; j < want.size(); j++) {
      if (want[i] == want[j] || names[i] != names[j]) continue;
      Pairs swapped = want;
      std::swap(swapped[i], swapped[j]);
      std::u16string q2;
      for (const std::u16string& p : swapped) q2 += (q2.empty() ? u"" : u"&") + p;
      FUZZ_CHECK(build(method, path, q2) != k, at() + " swapped " + show(q2));
      return 0;
    }
  }
  return 0;
}
