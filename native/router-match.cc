// Route lookup: the walk over a RouteSnapshot's compiled trees, with every
// piece of per-lookup state in the caller's LookupScratch.
#include <cstring>

#include "router.h"
#include "util/url.h"

namespace griddle {

namespace {

struct Match {
  const char16_t* orig;  // the decoded path, case preserved: parameter values come from here
  const char16_t* cmp;   // the same, case folded when matching is case-insensitive
  const uint32_t* map;   // decoded index -> index in the caller's string; null: identity
  uint32_t len;
  int32_t flags;
  bool reserved;         // reserved escapes remain in orig
};

inline bool lineTerminator(char16_t c) {
  return c == u'\n' || c == u'\r' || c == 0x2028 || c == 0x2029;
}

inline bool startsWith(const char16_t* s, size_t pos, size_t end, const char16_t* t, size_t n) {
  return end - pos >= n && std::memcmp(s + pos, t, n * sizeof(char16_t)) == 0;
}

// Above this many static children a node gets a direct table for ASCII first
// characters; below it the linear scan is as fast (measured: the root of the
// 50-route benchmark table has 14 children and its scan dominated lookups).
constexpr size_t TABLE_MIN_CHILDREN = 5;

}  // namespace

// Copies one tree into arenas sized up front: reserve() first, so that no
// push reallocates and the pointers taken along the way stay valid.
static void compileTree(const RouteTree& tree, RouteSnapshot::Tree& out) {
  size_t chars = 0, ints = 0, items = 0, templates = 0, tables = 0;
  for (const RouteTreeNode& n : tree) {
    chars += n.prefix.size() + n.childFirst.size();
    ints += n.childNode.size() + n.params.size();
    for (const auto& item : n.items) chars += item.text.size();
    items += n.items.size();
    if (n.kind == RoutePart::PARAM) templates++;
    if (n.childFirst.size() >= TABLE_MIN_CHILDREN && n.childFirst.size() <= 254) tables += 128;
  }
  out.chars.reserve(chars);
  out.ints.reserve(ints);
  out.items.reserve(items);
  out.templates.reserve(templates);
  out.tables.reserve(tables);
  out.hot.reserve(tree.size());
  auto copyChars = [&out](const char16_t* p, size_t n) {
    const char16_t* at = out.chars.data() + out.chars.size();
    out.chars.insert(out.chars.end(), p, p + n);
    return at;
  };
  auto copyInts = [&out](const std::vector<int32_t>& v) {
    const int32_t* at = out.ints.data() + out.ints.size();
    out.ints.insert(out.ints.end(), v.begin(), v.end());
    return at;
  };
  for (const RouteTreeNode& n : tree) {
    RouteSnapshot::Hot h{};
    h.prefix = copyChars(n.prefix.data(), n.prefix.size());
    h.first = copyChars(n.childFirst.data(), n.childFirst.size());
    h.kids = copyInts(n.childNode);
    h.params = copyInts(n.params);
    if (n.childFirst.size() >= TABLE_MIN_CHILDREN && n.childFirst.size() <= 254) {
      size_t at = out.tables.size();
      out.tables.resize(at + 128, 0);
      for (size_t k = 0; k < n.childFirst.size(); k++) {
        if (n.childFirst[k] < 128) out.tables[at + n.childFirst[k]] = static_cast<uint8_t>(k + 1);
      }
      h.table = out.tables.data() + at;
    }
    if (n.kind == RoutePart::PARAM) {
      const RouteSnapshot::Item* first = out.items.data() + out.items.size();
      for (const auto& item : n.items) {
        out.items.push_back({copyChars(item.text.data(), item.text.size()), static_cast<uint32_t>(item.text.size()),
                             item.param});
      }
      out.templates.push_back({first, static_cast<uint32_t>(n.items.size()), n.paramCount, n.staticLength, n.isRegex});
      h.param = &out.templates.back();
    }
    h.prefixLen = static_cast<uint32_t>(n.prefix.size());
    h.nKids = static_cast<uint32_t>(n.childFirst.size());
    h.nParams = static_cast<uint32_t>(n.params.size());
    h.wildcard = n.wildcard;
    h.route = n.route;
    h.kind = n.kind;
    out.hot.push_back(h);
  }
}

RouteSnapshot::RouteSnapshot(const RouteBuilder& builder)
    : options(builder.options()), trees(builder.trees().size()), routes(builder.routes()) {
  for (size_t t = 0; t < trees.size(); t++) compileTree(builder.trees()[t], trees[t]);
}

namespace {

using Hot = RouteSnapshot::Hot;

// Checks the rest of a static child's prefix (its first char already matched).
inline int32_t matchPrefix(const Hot* hot, int32_t child, const char16_t* path, uint32_t left) {
  const auto& h = hot[child];
  if (left < h.prefixLen) return -1;
  // Prefixes are short: a plain loop beats a call to memcmp.
  for (uint32_t k = 1; k < h.prefixLen; k++) {
    if (path[k] != h.prefix[k]) return -1;
  }
  return child;
}

int32_t findStatic(const Hot* hot, const Hot& node, const Match& m, uint32_t at) {
  if (at >= m.len) return -1;
  char16_t c = m.cmp[at];
  if (node.table != nullptr && c < 128) {
    uint8_t slot = node.table[c];
    return slot == 0 ? -1 : matchPrefix(hot, node.kids[slot - 1], m.cmp + at, m.len - at);
  }
  for (uint32_t i = 0; i < node.nKids; i++) {
    if (node.first[i] == c) return matchPrefix(hot, node.kids[i], m.cmp + at, m.len - at);
  }
  return -1;
}

// The next node to visit: a static child, else the first parametric child,
// else the wildcard. Siblings passed over are stacked for backtracking.
int32_t nextNode(LookupScratch& s, const Hot* hot, const Match& m, int32_t node, uint32_t at, uint32_t count) {
  const Hot& n = hot[node];
  int32_t next = findStatic(hot, n, m, at);
  uint32_t firstParam = 0;
  if (next < 0) {
    if (n.nParams == 0) return n.wildcard;
    next = n.params[0];
    firstParam = 1;
  }
  if (n.wildcard >= 0) s.stack.push_back({n.wildcard, at, count});
  for (uint32_t i = n.nParams; i > firstParam; i--) s.stack.push_back({n.params[i - 1], at, count});
  return next;
}

// One parametric template against seg[pos..end), as find-my-way's generated
// regex would match it: the first parameter is lazy `(.*?)`, each later one is
// `(S|(?:(?!S).)*)` where S is the static text before it.
bool matchTemplate(const RouteSnapshot::Template& node, size_t k, size_t p, const char16_t* seg, size_t pos, size_t end,
                               uint32_t* caps) {
  if (k == node.nItems) return pos == end;
  const RouteSnapshot::Item& item = node.items[k];
  if (!item.param) {
    return startsWith(seg, pos, end, item.text, item.len) && matchTemplate(node, k + 1, p, seg, pos + item.len, end, caps);
  }
  caps[2 * p] = static_cast<uint32_t>(pos);
  if (k == 0) {
    for (size_t q = pos;; q++) {
      caps[2 * p + 1] = static_cast<uint32_t>(q);
      if (matchTemplate(node, k + 1, p + 1, seg, q, end, caps)) return true;
      if (q == end || lineTerminator(seg[q])) return false;
    }
  }
  const char16_t* before = item.text;
  const size_t beforeLen = item.len;
  if (startsWith(seg, pos, end, before, beforeLen)) {
    caps[2 * p + 1] = static_cast<uint32_t>(pos + beforeLen);
    if (matchTemplate(node, k + 1, p + 1, seg, pos + beforeLen, end, caps)) return true;
  }
  size_t q = pos;
  while (q < end && !lineTerminator(seg[q]) && !startsWith(seg, q, end, before, beforeLen)) q++;
  for (;; q--) {
    caps[2 * p + 1] = static_cast<uint32_t>(q);
    if (matchTemplate(node, k + 1, p + 1, seg, q, end, caps)) return true;
    if (q == pos) return false;
  }
}

// Consumes the value of a parametric or wildcard node at *at, recording it in
// s.params. False when it does not match here (the caller backtracks).
bool matchParam(const RouteSnapshot& snap, LookupScratch& s, const Hot& hot, Match& m, uint32_t* at,
                uint32_t* count, bool* tooLong) {
  uint32_t* params = s.params;
  uint32_t start = *at, end = m.len;
  if (hot.kind == RoutePart::WILDCARD) {
    if (*count >= RouterOut::MAX_PARAMS) return false;
    params[2 * *count] = start;
    params[2 * *count + 1] = end;
    ++*count;
    *at = end;
    return true;
  }
  for (end = start; end < m.len && m.orig[end] != u'/'; end++) {
  }
  const RouteSnapshot::Template& node = *hot.param;
  const uint32_t max = snap.options.maxParamLength;
  if (!node.isRegex) {
    size_t length = m.reserved ? url::decodedLength(m.orig + start, end - start) : end - start;
    if (length > max) {
      *tooLong = true;
      return false;
    }
    if (*count >= RouterOut::MAX_PARAMS) return false;
    params[2 * *count] = start;
    params[2 * *count + 1] = end;
    ++*count;
    *at = end;
    return true;
  }
  const char16_t* seg = m.orig + start;
  size_t length = end - start;
  const uint32_t* segMap = nullptr;
  if (m.reserved && url::hasPercent(seg, length)) {
    if (s.segment.size() < length) s.segment.resize(length);
    if (s.segmentMap.size() < length + 1) s.segmentMap.resize(length + 1);
    length = url::decodeReserved(seg, length, s.segment.data(), s.segmentMap.data());
    seg = s.segment.data();
    segMap = s.segmentMap.data();
  }
  if (length > static_cast<size_t>(node.paramCount) * max + node.staticLength) {
    *tooLong = true;
    return false;
  }
  uint32_t caps[2 * RouterOut::MAX_PARAMS];
  if (*count + node.paramCount > RouterOut::MAX_PARAMS || !matchTemplate(node, 0, 0, seg, 0, length, caps)) return false;
  for (uint32_t i = 0; i < node.paramCount; i++) {
    if (caps[2 * i + 1] - caps[2 * i] > max) {
      *tooLong = true;
      return false;
    }
  }
  for (uint32_t i = 0; i < 2 * node.paramCount; i++) {
    params[2 * *count + i] = start + (segMap ? segMap[caps[i]] : caps[i]);
  }
  *count += node.paramCount;
  *at = end;
  return true;
}

int32_t finish(const LookupScratch& s, int32_t* out, const Match& m, int32_t route, uint32_t count) {
  out[RouterOut::FLAGS] = m.flags;
  out[RouterOut::COUNT] = static_cast<int32_t>(count);
  for (uint32_t i = 0; i < 2 * count; i++) {
    out[RouterOut::PAIRS + i] = static_cast<int32_t>(m.map ? m.map[s.params[i]] : s.params[i]);
  }
  return route;
}

}  // namespace

int32_t lookup(const RouteSnapshot& snap, LookupScratch& s, int32_t* out, uint32_t method, const char16_t* raw,
               size_t rawLen) {
  if (method >= snap.trees.size() || snap.trees[method].hot.empty()) return LOOKUP_NOT_FOUND;
  const RouterOptions& options = snap.options;
  if (rawLen == 0 || raw[0] != u'/') return LOOKUP_NOT_ORIGIN;
  url::Scan scan = url::scan(raw, rawLen);
  size_t len = scan.end;
  Match m{raw, raw, nullptr, static_cast<uint32_t>(len), 0, false};
  bool percent = scan.percent;
  if (percent || (options.ignoreDuplicateSlashes && scan.doubleSlash)) {
    if (s.decoded.size() < len) s.decoded.resize(len);
    if (s.map.size() < len + 1) s.map.resize(len + 1);
    long n = url::decodePath(raw, len, s.decoded.data(), s.map.data(), &m.reserved);
    if (n < 0) return LOOKUP_BAD_URL;
    if (options.ignoreDuplicateSlashes) {
      size_t folded = url::collapseSlashes(s.decoded.data(), s.map.data(), static_cast<size_t>(n));
      if (folded != static_cast<size_t>(n)) m.flags |= RouterOut::FLAG_COLLAPSE;
      n = static_cast<long>(folded);
    }
    if (percent) m.flags |= RouterOut::FLAG_DECODE;
    m.orig = m.cmp = s.decoded.data();
    m.map = s.map.data();
    m.len = static_cast<uint32_t>(n);
  }
  if (options.ignoreTrailingSlash && m.len > 1 && m.orig[m.len - 1] == u'/') m.len--;
  if (!options.caseSensitive) {
    if (s.lowered.size() < m.len) s.lowered.resize(m.len);
    for (uint32_t i = 0; i < m.len; i++) s.lowered[i] = url::lower(m.orig[i]);
    m.cmp = s.lowered.data();
  }

  const Hot* hot = snap.trees[method].hot.data();
  s.stack.clear();
  int32_t cur = 0;
  uint32_t at = 1, count = 0;  // the root's prefix is the leading '/'
  bool tooLong = false;
  auto pop = [&]() {
    if (s.stack.empty()) return false;
    const LookupScratch::Frame& f = s.stack.back();
    cur = f.node;
    at = f.pathIndex;
    count = f.count;
    s.stack.pop_back();
    return true;
  };
  for (;;) {
    if (at == m.len && hot[cur].route >= 0) return finish(s, out, m, hot[cur].route, count);
    int32_t next = nextNode(s, hot, m, cur, at, count);
    if (next >= 0) cur = next;
    else if (!pop()) return tooLong ? LOOKUP_PARAM_TOO_LONG : LOOKUP_NOT_FOUND;
    for (;;) {
      const Hot& node = hot[cur];
      if (node.kind == RoutePart::STATIC) {
        at += node.prefixLen;
        break;
      }
      if (matchParam(snap, s, node, m, &at, &count, &tooLong)) break;
      if (!pop()) return tooLong ? LOOKUP_PARAM_TOO_LONG : LOOKUP_NOT_FOUND;
    }
  }
}

}  // namespace griddle
