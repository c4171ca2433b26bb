// The route table: one radix tree per method, matched the way find-my-way
// matches (static > parametric > wildcard, with backtracking), so that a
// fastify user's routes behave the same here.
//
// Routes are written into a RouteBuilder (mutable, owned by the JS thread that
// registers them) and read from an immutable RouteSnapshot published through a
// SnapshotCell (native/snapshot.h). A lookup reads only the snapshot and its
// caller's LookupScratch, so any number of threads can look up at once.
#pragma once

#include <node_api.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace griddle {

// Statuses returned by lookup (and to JS); mirrored in lib/errors.ts (LOOKUP),
// which test/binding.test.ts compares with the exported values.
enum LookupStatus : int32_t {
  LOOKUP_NOT_FOUND = -1,
  LOOKUP_BAD_URL = -2,       // malformed percent-encoding
  LOOKUP_NOT_ORIGIN = -3,    // the path does not start with '/': JS handles absolute-form
  LOOKUP_PARAM_TOO_LONG = -4 // no match, and a parameter was over maxParamLength
};

// Statuses returned by RouteBuilder::insert.
enum InsertStatus : int32_t { INSERT_OK = 0, INSERT_CONFLICT = -1, INSERT_BAD_PARTS = -2 };

// Layout of the Int32Array a router handle owns (exported as native.ROUTER):
// the method code (set by JS before a lookup), then what lookup writes: the
// route id or status, flags, count, and a [start, end) pair per parameter, as
// offsets into the string passed in.
struct RouterOut {
  static constexpr int METHOD = 0;
  static constexpr int ROUTE = 1;
  static constexpr int FLAGS = 2;
  static constexpr int COUNT = 3;
  static constexpr int PAIRS = 4;
  static constexpr int MAX_PARAMS = 32;
  static constexpr int LENGTH = PAIRS + 2 * MAX_PARAMS;
  static constexpr int32_t FLAG_DECODE = 1;    // values contain escapes: decodeURIComponent them
  static constexpr int32_t FLAG_COLLAPSE = 2;  // duplicate slashes were folded: fold them in values too
};

struct RouterOptions {
  bool caseSensitive = true;
  bool ignoreTrailingSlash = false;
  bool ignoreDuplicateSlashes = false;
  uint32_t maxParamLength = 100;
};

// One piece of a route as prepared by lib/routing/route-pattern.ts: static
// text, a parameter template for one path segment, or the trailing wildcard.
struct RoutePart {
  enum Kind : uint8_t { STATIC, PARAM, WILDCARD } kind;
  std::u16string text;  // STATIC: the text; PARAM: template, U+0001 marks each parameter
};

// Per-route cache modes (exported as native.DISPATCH.MODE_*).
enum CacheMode : uint8_t { MODE_NONE = 0, MODE_DEFAULT_KEY = 1, MODE_CUSTOM_KEY = 2, MODE_SHARED_KEY = 3 };

// What the snapshot knows of one route id besides its place in the trees.
// Releases (handler versions, ramp-up step, ghost sample) and per-route
// experiment and flag bindings belong here when they arrive, so that one
// swap changes them together with the routes.
struct RouteState {
  uint8_t cacheMode = MODE_NONE;
  int32_t releaseSlot = -1;  // the route key's slot in the release table (native/release.h), or -1
};

struct RouteTreeNode {
  struct Item {
    bool param;
    std::u16string text;  // static text, or for a parameter after the first: the static before it
  };
  uint8_t kind = RoutePart::STATIC;
  std::u16string prefix;
  std::vector<char16_t> childFirst;
  std::vector<int32_t> childNode;
  std::vector<int32_t> params;  // parametric children in the order they are tried
  int32_t wildcard = -1;
  int32_t route = -1;
  // parametric nodes
  std::u16string key;
  std::vector<Item> items;
  bool isRegex = false;
  bool hasSuffix = false;
  std::u16string suffix;
  uint32_t paramCount = 0;
  uint32_t staticLength = 0;
};
using RouteTree = std::vector<RouteTreeNode>;

// The routes being registered. Not thread-safe: only its owner writes it, and
// readers never see it (they see snapshots built from it).
class RouteBuilder {
 public:
  explicit RouteBuilder(const RouterOptions& options) : options_(options) {}
  int32_t insert(uint32_t method, const std::vector<RoutePart>& parts, int32_t routeId);
  void setCacheMode(int32_t routeId, CacheMode mode);
  void setReleaseSlot(int32_t routeId, int32_t slot);
  const RouterOptions& options() const { return options_; }
  const std::vector<RouteTree>& trees() const { return trees_; }
  const std::vector<RouteState>& routes() const { return routes_; }

 private:
  RouteState& state(int32_t routeId);
  int32_t staticChild(RouteTree& tree, int32_t node, const std::u16string& text);
  int32_t paramChild(RouteTree& tree, int32_t node, const std::u16string& key);

  RouterOptions options_;
  std::vector<RouteTree> trees_;
  std::vector<RouteState> routes_;
};

// One immutable view of every route: the trees, compiled for lookup, and the
// per-route state. Built off the hot path, never changed once published.
struct RouteSnapshot {
  // One piece of a parametric template (RouteTreeNode::Item, flattened).
  struct Item {
    const char16_t* text;
    uint32_t len;
    bool param;
  };
  struct Template {
    const Item* items;
    uint32_t nItems;
    uint32_t paramCount;
    uint32_t staticLength;
    bool isRegex;
  };
  // What a lookup reads of a node, packed: the walk touches one small record
  // per node. Pointers into the tree's arenas.
  struct Hot {
    const char16_t* prefix;
    const char16_t* first;
    const int32_t* kids;
    const int32_t* params;
    const uint8_t* table;        // nodes with many children: ASCII char -> child slot + 1
    const Template* param;       // parametric nodes
    uint32_t prefixLen;
    uint32_t nKids;
    uint32_t nParams;
    int32_t wildcard;
    int32_t route;
    uint8_t kind;
  };
  // One method's tree: a few arenas instead of a vector per node, so that a
  // publish allocates a handful of blocks whatever the number of routes.
  struct Tree {
    std::vector<Hot> hot;
    std::vector<char16_t> chars;
    std::vector<int32_t> ints;
    std::vector<uint8_t> tables;
    std::vector<Item> items;
    std::vector<Template> templates;
  };

  RouterOptions options;
  std::vector<Tree> trees;
  std::vector<RouteState> routes;
  uint64_t generation = 0;  // set by SnapshotCell::publish: 1 for the first

  // Copies the builder's routes and compiles them.
  explicit RouteSnapshot(const RouteBuilder& builder);
  RouteSnapshot(const RouteSnapshot&) = delete;
  RouteSnapshot& operator=(const RouteSnapshot&) = delete;

  CacheMode cacheMode(int32_t routeId) const {
    return routeId >= 0 && static_cast<size_t>(routeId) < routes.size()
               ? static_cast<CacheMode>(routes[routeId].cacheMode)
               : MODE_NONE;
  }

  int32_t releaseSlot(int32_t routeId) const {
    return routeId >= 0 && static_cast<size_t>(routeId) < routes.size() ? routes[routeId].releaseSlot : -1;
  }
};

// What one reader reuses across lookups so that the hot path does not
// allocate. One per reading thread, never shared, never in the snapshot.
struct LookupScratch {
  struct Frame {
    int32_t node;
    uint32_t pathIndex;
    uint32_t count;
  };
  std::vector<Frame> stack;
  std::vector<char16_t> decoded, lowered, segment;
  std::vector<uint32_t> map, segmentMap;
  uint32_t params[2 * RouterOut::MAX_PARAMS];
};

// hot path: measure before changing
// Matches raw[0..rawLen) against the snapshot's tree for `method`. Returns the
// route id or a LookupStatus; on a match writes flags, count and parameter
// offsets to out (RouterOut layout).
int32_t lookup(const RouteSnapshot& snap, LookupScratch& scratch, int32_t* out, uint32_t method,
               const char16_t* raw, size_t rawLen);

class SnapshotCell;
struct ReaderSlot;

// The native side of a JS router handle: the builder its thread writes, the
// cell it publishes to, and its own reader state (slot, scratch, out array).
struct RouterHandle {
  RouteBuilder builder;
  std::shared_ptr<SnapshotCell> cell;
  ReaderSlot* slot;     // this thread's reader registration in cell
  LookupScratch scratch;
  int32_t* out;         // the JS router's Int32Array (RouterOut layout); JS keeps it alive
  bool pending = false; // the builder has changes no snapshot has yet
  RouterHandle(const RouterOptions& options, int32_t* out);
  ~RouterHandle();
  // Builds a snapshot of the builder and publishes it.
  void publish();
  // The snapshot this thread reads. JS publishes before serving (Router
  // [kPublish] at listen); a lookup after an unpublished change, on this
  // thread, publishes it first and so never reads stale routes.
  // Defined in native/snapshot.h.
  inline const RouteSnapshot& read();
};

bool initRouter(napi_env env, napi_value exports);

// The RouterHandle behind a router handle (its lookup function), for other
// native modules; null after throwing a TypeError when it is not one.
RouterHandle* routerOf(napi_env env, napi_value handle);

}  // namespace griddle
