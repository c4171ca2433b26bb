#include "router.h"

#include <algorithm>
#include <cstring>

#include "util/boundary.h"
#include "util/url.h"

namespace griddle {

struct RouterCore::Match {
  const char16_t* orig;  // the decoded path, case preserved: parameter values come from here
  const char16_t* cmp;   // the same, case folded when matching is case-insensitive
  const uint32_t* map;   // decoded index -> index in the caller's string; null: identity
  uint32_t len;
  int32_t flags;
  bool reserved;         // reserved escapes remain in orig
};

static inline bool lineTerminator(char16_t c) {
  return c == u'\n' || c == u'\r' || c == 0x2028 || c == 0x2029;
}

static inline bool startsWith(const char16_t* s, size_t pos, size_t end, const std::u16string& t) {
  return end - pos >= t.size() && std::memcmp(s + pos, t.data(), t.size() * sizeof(char16_t)) == 0;
}

// ---- matching ------------------------------------------------------------

// Above this many static children a node gets a direct table for ASCII first
// characters; below it the linear scan is as fast (measured: the root of the
// 50-route benchmark table has 14 children and its scan dominated lookups).
constexpr size_t TABLE_MIN_CHILDREN = 5;

void RouterCore::compile() {
  hot_.resize(trees_.size());
  tables_.resize(trees_.size());
  for (size_t t = 0; t < trees_.size(); t++) {
    const Tree& tree = trees_[t];
    std::vector<Hot>& hot = hot_[t];
    std::vector<uint8_t>& tables = tables_[t];
    hot.resize(tree.size());
    tables.clear();
    std::vector<size_t> tableAt(tree.size(), SIZE_MAX);
    for (size_t i = 0; i < tree.size(); i++) {
      const Node& n = tree[i];
      if (n.childFirst.size() < TABLE_MIN_CHILDREN || n.childFirst.size() > 254) continue;
      tableAt[i] = tables.size();
      tables.resize(tables.size() + 128, 0);
      for (size_t k = 0; k < n.childFirst.size(); k++) {
        if (n.childFirst[k] < 128) tables[tableAt[i] + n.childFirst[k]] = static_cast<uint8_t>(k + 1);
      }
    }
    for (size_t i = 0; i < tree.size(); i++) {
      const Node& n = tree[i];
      const uint8_t* table = tableAt[i] == SIZE_MAX ? nullptr : tables.data() + tableAt[i];
      hot[i] = Hot{n.prefix.data(), n.childFirst.data(), n.childNode.data(), n.params.data(), table,
                   static_cast<uint32_t>(n.prefix.size()), static_cast<uint32_t>(n.childFirst.size()),
                   static_cast<uint32_t>(n.params.size()), n.wildcard, n.route, n.kind};
    }
  }
  dirty_ = false;
}

// Checks the rest of a static child's prefix (its first char already matched).
static inline int32_t matchPrefix(const RouterCore::Hot* hot, int32_t child, const char16_t* path, uint32_t left) {
  const auto& h = hot[child];
  if (left < h.prefixLen) return -1;
  // Prefixes are short: a plain loop beats a call to memcmp.
  for (uint32_t k = 1; k < h.prefixLen; k++) {
    if (path[k] != h.prefix[k]) return -1;
  }
  return child;
}

int32_t RouterCore::findStatic(const Hot* hot, const Hot& node, const Match& m, uint32_t at) {
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
int32_t RouterCore::nextNode(const Hot* hot, const Match& m, int32_t node, uint32_t at, uint32_t count) {
  const Hot& n = hot[node];
  int32_t next = findStatic(hot, n, m, at);
  uint32_t firstParam = 0;
  if (next < 0) {
    if (n.nParams == 0) return n.wildcard;
    next = n.params[0];
    firstParam = 1;
  }
  if (n.wildcard >= 0) stack_.push_back({n.wildcard, at, count});
  for (uint32_t i = n.nParams; i > firstParam; i--) stack_.push_back({n.params[i - 1], at, count});
  return next;
}

// One parametric template against seg[pos..end), as find-my-way's generated
// regex would match it: the first parameter is lazy `(.*?)`, each later one is
// `(S|(?:(?!S).)*)` where S is the static text before it.
bool RouterCore::matchTemplate(const Node& node, size_t k, size_t p, const char16_t* seg, size_t pos, size_t end,
                               uint32_t* caps) {
  if (k == node.items.size()) return pos == end;
  const Item& item = node.items[k];
  if (!item.param) {
    return startsWith(seg, pos, end, item.text) &&
           matchTemplate(node, k + 1, p, seg, pos + item.text.size(), end, caps);
  }
  caps[2 * p] = static_cast<uint32_t>(pos);
  if (k == 0) {
    for (size_t q = pos;; q++) {
      caps[2 * p + 1] = static_cast<uint32_t>(q);
      if (matchTemplate(node, k + 1, p + 1, seg, q, end, caps)) return true;
      if (q == end || lineTerminator(seg[q])) return false;
    }
  }
  const std::u16string& before = item.text;
  if (startsWith(seg, pos, end, before)) {
    caps[2 * p + 1] = static_cast<uint32_t>(pos + before.size());
    if (matchTemplate(node, k + 1, p + 1, seg, pos + before.size(), end, caps)) return true;
  }
  size_t q = pos;
  while (q < end && !lineTerminator(seg[q]) && !startsWith(seg, q, end, before)) q++;
  for (;; q--) {
    caps[2 * p + 1] = static_cast<uint32_t>(q);
    if (matchTemplate(node, k + 1, p + 1, seg, q, end, caps)) return true;
    if (q == pos) return false;
  }
}

// Consumes the value of a parametric or wildcard node at *at, recording it in
// params_. False when it does not match here (the caller backtracks).
bool RouterCore::matchParam(const Node& node, Match& m, uint32_t* at, uint32_t* count, bool* tooLong) {
  uint32_t start = *at, end = m.len;
  if (node.kind == RoutePart::WILDCARD) {
    if (*count >= MAX_PARAMS) return false;
    params_[2 * *count] = start;
    params_[2 * *count + 1] = end;
    ++*count;
    *at = end;
    return true;
  }
  for (end = start; end < m.len && m.orig[end] != u'/'; end++) {
  }
  const uint32_t max = options_.maxParamLength;
  if (!node.isRegex) {
    size_t length = m.reserved ? url::decodedLength(m.orig + start, end - start) : end - start;
    if (length > max) {
      *tooLong = true;
      return false;
    }
    if (*count >= MAX_PARAMS) return false;
    params_[2 * *count] = start;
    params_[2 * *count + 1] = end;
    ++*count;
    *at = end;
    return true;
  }
  const char16_t* seg = m.orig + start;
  size_t length = end - start;
  const uint32_t* segMap = nullptr;
  if (m.reserved && url::hasPercent(seg, length)) {
    if (segment_.size() < length) segment_.resize(length);
    if (segmentMap_.size() < length + 1) segmentMap_.resize(length + 1);
    length = url::decodeReserved(seg, length, segment_.data(), segmentMap_.data());
    seg = segment_.data();
    segMap = segmentMap_.data();
  }
  if (length > static_cast<size_t>(node.paramCount) * max + node.staticLength) {
    *tooLong = true;
    return false;
  }
  uint32_t caps[2 * MAX_PARAMS];
  if (*count + node.paramCount > MAX_PARAMS || !matchTemplate(node, 0, 0, seg, 0, length, caps)) return false;
  for (uint32_t i = 0; i < node.paramCount; i++) {
    if (caps[2 * i + 1] - caps[2 * i] > max) {
      *tooLong = true;
      return false;
    }
  }
  for (uint32_t i = 0; i < 2 * node.paramCount; i++) {
    params_[2 * *count + i] = start + (segMap ? segMap[caps[i]] : caps[i]);
  }
  *count += node.paramCount;
  *at = end;
  return true;
}

void RouterCore::lookupInto(const char16_t* raw, size_t rawLen) {
  int32_t method = out_[OUT_METHOD];
  out_[OUT_ROUTE] = method < 0 ? LOOKUP_NOT_FOUND : lookup(static_cast<uint32_t>(method), raw, rawLen);
}

int32_t RouterCore::finish(const Match& m, int32_t route, uint32_t count) {
  out_[OUT_FLAGS] = m.flags;
  out_[OUT_COUNT] = static_cast<int32_t>(count);
  for (uint32_t i = 0; i < 2 * count; i++) {
    out_[OUT_PAIRS + i] = static_cast<int32_t>(m.map ? m.map[params_[i]] : params_[i]);
  }
  return route;
}

int32_t RouterCore::lookup(uint32_t method, const char16_t* raw, size_t rawLen) {
  if (method >= trees_.size() || trees_[method].empty()) return LOOKUP_NOT_FOUND;
  if (rawLen == 0 || raw[0] != u'/') return LOOKUP_NOT_ORIGIN;
  url::Scan scan = url::scan(raw, rawLen);
  size_t len = scan.end;
  Match m{raw, raw, nullptr, static_cast<uint32_t>(len), 0, false};
  bool percent = scan.percent;
  if (percent || (options_.ignoreDuplicateSlashes && scan.doubleSlash)) {
    if (decoded_.size() < len) decoded_.resize(len);
    if (map_.size() < len + 1) map_.resize(len + 1);
    long n = url::decodePath(raw, len, decoded_.data(), map_.data(), &m.reserved);
    if (n < 0) return LOOKUP_BAD_URL;
    if (options_.ignoreDuplicateSlashes) {
      size_t folded = url::collapseSlashes(decoded_.data(), map_.data(), static_cast<size_t>(n));
      if (folded != static_cast<size_t>(n)) m.flags |= FLAG_COLLAPSE;
      n = static_cast<long>(folded);
    }
    if (percent) m.flags |= FLAG_DECODE;
    m.orig = m.cmp = decoded_.data();
    m.map = map_.data();
    m.len = static_cast<uint32_t>(n);
  }
  if (options_.ignoreTrailingSlash && m.len > 1 && m.orig[m.len - 1] == u'/') m.len--;
  if (!options_.caseSensitive) {
    if (lowered_.size() < m.len) lowered_.resize(m.len);
    for (uint32_t i = 0; i < m.len; i++) lowered_[i] = url::lower(m.orig[i]);
    m.cmp = lowered_.data();
  }

  if (dirty_) compile();
  const Tree& tree = trees_[method];
  const Hot* hot = hot_[method].data();
  stack_.clear();
  int32_t cur = 0;
  uint32_t at = 1, count = 0;  // the root's prefix is the leading '/'
  bool tooLong = false;
  auto pop = [&]() {
    if (stack_.empty()) return false;
    const Frame& f = stack_.back();
    cur = f.node;
    at = f.pathIndex;
    count = f.count;
    stack_.pop_back();
    return true;
  };
  for (;;) {
    if (at == m.len && hot[cur].route >= 0) return finish(m, hot[cur].route, count);
    int32_t next = nextNode(hot, m, cur, at, count);
    if (next >= 0) cur = next;
    else if (!pop()) return tooLong ? LOOKUP_PARAM_TOO_LONG : LOOKUP_NOT_FOUND;
    for (;;) {
      const Hot& node = hot[cur];
      if (node.kind == RoutePart::STATIC) {
        at += node.prefixLen;
        break;
      }
      if (matchParam(tree[cur], m, &at, &count, &tooLong)) break;
      if (!pop()) return tooLong ? LOOKUP_PARAM_TOO_LONG : LOOKUP_NOT_FOUND;
    }
  }
}

// ---- the JavaScript boundary ---------------------------------------------

static const napi_type_tag ROUTER_TAG = {0x67726964646c6501ULL, 0x726f757465720001ULL};

// (path: string) -> undefined. Reads the method code from out[OUT_METHOD];
// writes the route id or a negative LookupStatus to out[OUT_ROUTE], and flags,
// parameter count and [start, end) offsets after it. Numbers travel through
// the registered Int32Array because each N-API argument or result costs more
// than the typed-array access. The function's data is the RouterCore it wraps.
static napi_value JS_routerLookup(napi_env env, napi_callback_info info) {
  GRIDDLE_ARGS(1);
  auto* core = static_cast<RouterCore*>(fnData);
  char16_t stack[512];
  char16_t *path, *heap;
  size_t len;
  if (!argUtf16(env, argv[0], "path", stack, sizeof stack / sizeof stack[0], &path, &len, &heap)) return nullptr;
  core->lookupInto(path, len);
  delete[] heap;
  return nullptr;
}

// (flags: int, maxParamLength: int, out: Int32Array) -> lookup function.
// flags: 1 case-insensitive, 2 ignore trailing slash, 4 ignore duplicate
// slashes. The returned function is the router's handle for JS_routerInsert;
// the caller keeps `out` alive as long as the function.
static napi_value JS_routerCreate(napi_env env, napi_callback_info info) {
  GRIDDLE_ARGS(3);
  int32_t flags, maxParamLength;
  void* out;
  size_t outLength;
  if (!argInt32(env, argv[0], "flags", &flags) || !argInt32(env, argv[1], "maxParamLength", &maxParamLength) ||
      !argTypedArray(env, argv[2], "out", napi_int32_array, &out, &outLength))
    return nullptr;
  if (outLength < OUT_LENGTH) return throwType(env, "GRIDDLE_ERR_INVALID_ARG", "argument 'out' is too short");
  if (maxParamLength < 1) return throwType(env, "GRIDDLE_ERR_INVALID_ARG", "argument 'maxParamLength' must be >= 1");
  RouterOptions options;
  options.caseSensitive = !(flags & 1);
  options.ignoreTrailingSlash = flags & 2;
  options.ignoreDuplicateSlashes = flags & 4;
  options.maxParamLength = static_cast<uint32_t>(maxParamLength);
  auto* core = new RouterCore(options, static_cast<int32_t*>(out));
  napi_value fn;
  if (napi_create_function(env, "lookup", NAPI_AUTO_LENGTH, JS_routerLookup, core, &fn) != napi_ok ||
      napi_wrap(env, fn, core, [](napi_env, void* p, void*) { delete static_cast<RouterCore*>(p); }, nullptr,
                nullptr) != napi_ok) {
    delete core;
    return nullptr;
  }
  napi_type_tag_object(env, fn, &ROUTER_TAG);
  return fn;
}

static bool readParts(napi_env env, napi_value array, std::vector<RoutePart>* parts) {
  bool isArray = false;
  uint32_t n = 0;
  if (napi_is_array(env, array, &isArray) != napi_ok || !isArray) return false;
  napi_get_array_length(env, array, &n);
  for (uint32_t i = 0; i < n; i++) {
    napi_value v;
    size_t len = 0;
    if (napi_get_element(env, array, i, &v) != napi_ok ||
        napi_get_value_string_utf16(env, v, nullptr, 0, &len) != napi_ok || len == 0)
      return false;
    std::u16string s(len, u'\0');
    napi_get_value_string_utf16(env, v, s.data(), len + 1, &len);
    RoutePart part;
    if (s[0] == u's') part.kind = RoutePart::STATIC;
    else if (s[0] == u'p') part.kind = RoutePart::PARAM;
    else if (s[0] == u'w') part.kind = RoutePart::WILDCARD;
    else return false;
    part.text = s.substr(1);
    parts->push_back(std::move(part));
  }
  return true;
}

// (router: lookup function, method: int, parts: string[], routeId: int) -> InsertStatus.
// parts come from lib/routing/router.ts: 's' + static text, 'p' + template, 'w'.
static napi_value JS_routerInsert(napi_env env, napi_callback_info info) {
  GRIDDLE_ARGS(4);
  RouterCore* core = routerOf(env, argv[0]);
  if (core == nullptr) return nullptr;
  int32_t method, routeId;
  std::vector<RoutePart> parts;
  if (!argInt32(env, argv[1], "method", &method) || !argInt32(env, argv[3], "routeId", &routeId)) return nullptr;
  if (method < 0 || routeId < 0) return throwType(env, "GRIDDLE_ERR_INVALID_ARG", "method and routeId must be >= 0");
  if (!readParts(env, argv[2], &parts)) {
    return throwType(env, "GRIDDLE_ERR_INVALID_ARG", "argument 'parts' must be an array of encoded route parts");
  }
  napi_value result;
  napi_create_int32(env, core->insert(static_cast<uint32_t>(method), parts, routeId), &result);
  return result;
}

RouterCore* routerOf(napi_env env, napi_value handle) {
  return static_cast<RouterCore*>(unwrapTagged(env, handle, &ROUTER_TAG, "argument 'router' is not a griddle router"));
}

bool initRouter(napi_env env, napi_value exports) {
  GRIDDLE_EXPORT(env, exports, "routerCreate", JS_routerCreate);
  GRIDDLE_EXPORT(env, exports, "routerInsert", JS_routerInsert);
  exportInt(env, exports, "ROUTER_MAX_PARAMS", MAX_PARAMS);
  exportInt(env, exports, "ROUTER_OUT_LENGTH", OUT_LENGTH);
  return true;
}

}  // namespace griddle
