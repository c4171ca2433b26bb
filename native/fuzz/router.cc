// Fuzz target for the router lookup (native/router*.cc, native/snapshot.*):
// one fixed table of routes (static, parametric, multi-parameter segments,
// wildcards, escapes, non-ASCII) written into a RouteBuilder under every
// option set and compiled into a RouteSnapshot, then fuzzed request targets
// looked up in it. Each answer is checked against the route it names: the static
// text between the parameter spans must spell the pattern, once decoded and
// normalised as the options say.
#include <memory>
#include <vector>

#include "fuzz/input.h"
#include "router.h"
#include "snapshot.h"
#include "util/url.h"

using namespace griddle;
using griddle::fuzz::show;

namespace {

// Routes as lib/routing/route-pattern.ts encodes them: 's' static text, 'p' a
// segment template (U+0001 per parameter), 'w' the wildcard. The pattern is
// the one a user writes.
struct Route {
  uint32_t method;
  const char16_t* pattern;
  std::vector<std::u16string> parts;
};

std::vector<Route> table() {
  std::vector<Route> t = {
      {0, u"/", {u"s/"}},
      {0, u"/health", {u"s/health"}},
      {0, u"/users", {u"s/users"}},
      {0, u"/users/me", {u"s/users/me"}},
      {0, u"/users/:id", {u"s/users/", u"p\x01"}},
      {0, u"/users/:id/posts/:pid", {u"s/users/", u"p\x01", u"s/posts/", u"p\x01"}},
      {0, u"/users/:id/posts/latest", {u"s/users/", u"p\x01", u"s/posts/latest"}},
      {0, u"/api/v1/items/:id", {u"s/api/v1/items/", u"p\x01"}},
      {0, u"/api/v2/items/:id", {u"s/api/v2/items/", u"p\x01"}},
      {0, u"/near/:lat-:lng", {u"s/near/", u"p\x01-\x01"}},
      {0, u"/x/:a-:b-:c", {u"s/x/", u"p\x01-\x01-\x01"}},
      {0, u"/files/:name", {u"s/files/", u"p\x01"}},
      {0, u"/files/:name.:ext", {u"s/files/", u"p\x01.\x01"}},
      {0, u"/files/:name.tar.gz", {u"s/files/", u"p\x01.tar.gz"}},
      {0, u"/:file.json", {u"s/", u"p\x01.json"}},
      {0, u"/v:major.:minor", {u"s/v", u"p\x01.\x01"}},
      {0, u"/a/:b/c/:d/e/:f", {u"s/a/", u"p\x01", u"s/c/", u"p\x01", u"s/e/", u"p\x01"}},
      {0, u"/static/*", {u"s/static/", u"w"}},
      {0, u"/100%", {u"s/100%25"}},
      {0, u"/colon::x", {u"s/colon:x"}},
      {0, u"/\u00fcn\u00ef/:caf\u00e9", {u"s/\u00fcn\u00ef/", u"p\x01"}},
      {0, u"/\u00dcber", {u"s/\u00dcber"}},
      {1, u"/*", {u"s/", u"w"}},
      {1, u"/users/:id", {u"s/users/", u"p\x01"}},
      {1, u"/users/:id/*", {u"s/users/", u"p\x01", u"s/", u"w"}},
  };
  // 31 parameters and a wildcard: exactly MAX_PARAMS values.
  Route many{1, u"/m/:p0/.../:p30/*", {u"s/m/"}};
  for (int i = 0; i < RouterOut::MAX_PARAMS - 1; i++) {
    many.parts.push_back(u"p\x01");
    many.parts.push_back(u"s/");
  }
  many.parts.push_back(u"w");
  t.push_back(many);
  return t;
}

const std::vector<Route>& routes() {
  static const std::vector<Route> t = table();
  return t;
}

// A pattern flattened into what a match must look like: static runs
// between values (texts[i] comes before value i; the last after the last).
struct Shape {
  std::vector<std::u16string> texts;
  std::vector<bool> wildcard;  // per value
};

Shape shapeOf(const Route& r, bool caseSensitive) {
  Shape s;
  s.texts.emplace_back();
  for (const std::u16string& p : r.parts) {
    if (p[0] == u'w') {
      s.wildcard.push_back(true);
      s.texts.emplace_back();
      continue;
    }
    for (size_t i = 1; i < p.size(); i++) {
      if (p[i] == u'\x01') {
        s.wildcard.push_back(false);
        s.texts.emplace_back();
      } else {
        // Only static parts are folded: a template's text matches as written.
        s.texts.back().push_back(!caseSensitive && p[0] == u's' ? url::lower(p[i]) : p[i]);
      }
    }
  }
  return s;
}

struct Options {
  RouterOptions router;
  int index;
};

Options optionsOf(uint8_t b) {
  static const uint32_t MAX_LENGTHS[4] = {1, 3, 100, 8192};
  Options o;
  o.router.caseSensitive = !(b & 1);
  o.router.ignoreTrailingSlash = b & 2;
  o.router.ignoreDuplicateSlashes = b & 4;
  o.router.maxParamLength = MAX_LENGTHS[(b >> 3) & 3];
  o.index = b & 31;
  return o;
}

// Per option set, the table twice: a snapshot compiled straight from a
// builder and looked up with its own scratch, and a RouterHandle (as JS
// holds one) whose first read publishes its builder through its SnapshotCell.
// Built once and reused across inputs as a server reuses its router (and the
// lookup's scratch buffers).
struct Built {
  std::unique_ptr<RouteSnapshot> snap;
  LookupScratch scratch;
  int32_t out[RouterOut::LENGTH];
  int32_t handleOut[RouterOut::LENGTH];
  std::unique_ptr<RouterHandle> handle;
};

void insertTable(RouteBuilder& builder, const Options& o) {
  const std::vector<Route>& t = routes();
  for (size_t id = 0; id < t.size(); id++) {
    std::vector<RoutePart> parts;
    for (const std::u16string& p : t[id].parts) {
      RoutePart part;
      part.kind = p[0] == u's' ? RoutePart::STATIC : p[0] == u'p' ? RoutePart::PARAM : RoutePart::WILDCARD;
      part.text = p.substr(1);
      if (!o.router.caseSensitive && part.kind == RoutePart::STATIC) {
        for (char16_t& c : part.text) c = url::lower(c);
      }
      parts.push_back(part);
    }
    int32_t status = builder.insert(t[id].method, parts, static_cast<int32_t>(id));
    FUZZ_CHECK(status == INSERT_OK, show(t[id].pattern, std::char_traits<char16_t>::length(t[id].pattern)));
  }
}

Built& routerFor(const Options& o) {
  static std::unique_ptr<Built> built[32];
  std::unique_ptr<Built>& b = built[o.index];
  if (b) return *b;
  b = std::make_unique<Built>();
  RouteBuilder builder(o.router);
  insertTable(builder, o);
  b->snap = std::make_unique<RouteSnapshot>(builder);
  b->handle = std::make_unique<RouterHandle>(o.router, b->handleOut);
  insertTable(b->handle->builder, o);
  b->handle->pending = true;  // as JS_routerInsert leaves it
  return *b;
}

// raw[from..to) as the router compares it: decoded (reserved escapes kept),
// slashes folded and case folded as the options say. False when malformed.
bool normalise(const std::u16string& raw, size_t from, size_t to, const RouterOptions& o, std::u16string* out) {
  std::vector<char16_t> buf(to - from + 1);
  std::vector<uint32_t> map(to - from + 1);
  bool reserved = false;
  long n = url::decodePath(raw.data() + from, to - from, buf.data(), map.data(), &reserved);
  if (n < 0) return false;
  out->clear();
  for (long i = 0; i < n; i++) {
    char16_t c = o.caseSensitive ? buf[i] : url::lower(buf[i]);
    if (o.ignoreDuplicateSlashes && c == u'/' && !out->empty() && out->back() == u'/') continue;
    out->push_back(c);
  }
  return true;
}

void checkMatch(const std::u16string& raw, size_t end, const Options& o, int32_t route, const int32_t* out) {
  auto at = [&] { return show(raw) + " route " + std::to_string(route); };
  const Route& r = routes()[route];
  Shape shape = shapeOf(r, o.router.caseSensitive);
  const size_t values = shape.wildcard.size();
  FUZZ_CHECK(out[RouterOut::COUNT] == static_cast<int32_t>(values), at());
  size_t prev = 0;
  std::u16string gap, value;
  for (size_t i = 0; i <= values; i++) {
    size_t start = i < values ? static_cast<size_t>(out[RouterOut::PAIRS + 2 * i]) : end;
    size_t stop = i < values ? static_cast<size_t>(out[RouterOut::PAIRS + 2 * i + 1]) : end;
    // Spans lie in the path part of the input, in order, and do not overlap
    // (a negative offset read as size_t is past the end).
    FUZZ_CHECK(prev <= start && start <= stop && stop <= end, at());
    FUZZ_CHECK(normalise(raw, prev, start, o.router, &gap), at());
    const std::u16string& text = shape.texts[i];
    bool last = i == values;
    bool trailing = last && o.router.ignoreTrailingSlash && gap == text + u"/" && end > 1;
    FUZZ_CHECK(gap == text || trailing, at() + " text " + show(gap) + " want " + show(text));
    if (i < values && !shape.wildcard[i]) {
      FUZZ_CHECK(raw.find(u'/', start) >= stop, at());
      FUZZ_CHECK(normalise(raw, start, stop, RouterOptions{}, &value), at());
      FUZZ_CHECK(url::decodedLength(value.data(), value.size()) <= o.router.maxParamLength, at());
    }
    prev = stop;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  Options o = optionsOf(data[0]);
  uint32_t method = data[1] % 3;  // 0 and 1 have routes, 2 has none
  std::u16string raw = fuzz::toUtf16(data + 2, size - 2);
  Built& b = routerFor(o);
  int32_t* out = b.out;

  int32_t route = lookup(*b.snap, b.scratch, out, method, raw.data(), raw.size());
  // Built only when a check fails: showing every input would cost more than the checks.
  auto at = [&] { return show(raw) + " status " + std::to_string(route); };
  // GRIDDLE_FUZZ_TRACE=1 prints each answer, to see what a seed or crash input reaches.
  static const bool trace = std::getenv("GRIDDLE_FUZZ_TRACE") != nullptr;
  if (trace) std::fprintf(stderr, "options %d method %u: %s\n", o.index, method, at().c_str());
  size_t end = raw.find_first_of(u"?#");
  if (end == std::u16string::npos) end = raw.size();
  bool origin = !raw.empty() && raw[0] == u'/';
  std::u16string whole;
  bool decodes = normalise(raw, 0, end, o.router, &whole);

  if (method == 2) {
    FUZZ_CHECK(route == LOOKUP_NOT_FOUND, at());
  } else if (!origin) {
    FUZZ_CHECK(route == LOOKUP_NOT_ORIGIN, at());
  } else if (!decodes) {
    FUZZ_CHECK(route == LOOKUP_BAD_URL, at());
  } else {
    FUZZ_CHECK(route == LOOKUP_NOT_FOUND || route == LOOKUP_PARAM_TOO_LONG ||
                   (route >= 0 && static_cast<size_t>(route) < routes().size() && routes()[route].method == method),
               at());
  }
  // A path spelled exactly as a static route's text (as a client encodes
  // it: "/100%" is requested as "/100%25") finds that route, whatever the
  // options: static routes win over parameters and wildcards.
  for (size_t id = 0; id < routes().size(); id++) {
    const Route& r = routes()[id];
    if (r.method == method && r.parts.size() == 1 && r.parts[0][0] == u's' &&
        raw.compare(0, end, r.parts[0], 1, std::u16string::npos) == 0) {
      FUZZ_CHECK(route == static_cast<int32_t>(id), at());
    }
  }

  // The same lookup as JS_routerLookup makes it, through the handle's
  // published snapshot, its own scratch and out array, gives the same answer.
  RouterHandle& h = *b.handle;
  const RouteSnapshot& published = h.read();
  FUZZ_CHECK(!h.pending && published.generation == 2, at());  // the empty first, then the table
  int32_t* hout = h.out;
  hout[RouterOut::METHOD] = static_cast<int32_t>(method);
  hout[RouterOut::ROUTE] = lookup(published, h.scratch, hout, method, raw.data(), raw.size());
  FUZZ_CHECK(hout[RouterOut::ROUTE] == route, at() + " handle " + std::to_string(hout[RouterOut::ROUTE]));
  if (route < 0) return 0;

  int32_t flags = out[RouterOut::FLAGS];
  FUZZ_CHECK((flags & ~(RouterOut::FLAG_DECODE | RouterOut::FLAG_COLLAPSE)) == 0, at());
  FUZZ_CHECK(((flags & RouterOut::FLAG_DECODE) != 0) == (raw.substr(0, end).find(u'%') != std::u16string::npos),
             at());
  FUZZ_CHECK(!(flags & RouterOut::FLAG_COLLAPSE) || o.router.ignoreDuplicateSlashes, at());
  checkMatch(raw, end, o, route, out);
  auto written = [](const int32_t* a) {
    return std::vector<int32_t>(a + RouterOut::FLAGS, a + RouterOut::PAIRS + 2 * a[RouterOut::COUNT]);
  };
  FUZZ_CHECK(written(hout) == written(out), at());
  return 0;
}
