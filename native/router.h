// The route table: one radix tree per method, matched the way find-my-way
// matches (static > parametric > wildcard, with backtracking), so that a
// fastify user's routes behave the same here.
#pragma once

#include <node_api.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace griddle {

// Statuses returned by RouterCore::lookup (and to JS); mapped in lib/errors.ts.
enum LookupStatus : int32_t {
  LOOKUP_NOT_FOUND = -1,
  LOOKUP_BAD_URL = -2,       // malformed percent-encoding
  LOOKUP_NOT_ORIGIN = -3,    // the path does not start with '/': JS handles absolute-form
  LOOKUP_PARAM_TOO_LONG = -4 // no match, and a parameter was over maxParamLength
};

// Statuses returned by RouterCore::insert.
enum InsertStatus : int32_t { INSERT_OK = 0, INSERT_CONFLICT = -1, INSERT_BAD_PARTS = -2 };

// Layout of the Int32Array shared with lib/routing/router.ts: the method code (set by
// JS before a lookup), then what lookup writes: the route id or status, flags,
// count, and a [start, end) pair per parameter, as offsets into the string
// passed in.
constexpr int OUT_METHOD = 0;
constexpr int OUT_ROUTE = 1;
constexpr int OUT_FLAGS = 2;
constexpr int OUT_COUNT = 3;
constexpr int OUT_PAIRS = 4;
constexpr int MAX_PARAMS = 32;
constexpr int OUT_LENGTH = OUT_PAIRS + 2 * MAX_PARAMS;
constexpr int32_t FLAG_DECODE = 1;    // values contain escapes: decodeURIComponent them
constexpr int32_t FLAG_COLLAPSE = 2;  // duplicate slashes were folded: fold them in values too

struct RouterOptions {
  bool caseSensitive = true;
  bool ignoreTrailingSlash = false;
  bool ignoreDuplicateSlashes = false;
  uint32_t maxParamLength = 100;
};

// One piece of a route as prepared by lib/routing/router.ts: static text, a parameter
// template for one path segment, or the trailing wildcard.
struct RoutePart {
  enum Kind : uint8_t { STATIC, PARAM, WILDCARD } kind;
  std::u16string text;  // STATIC: the text; PARAM: template, U+0001 marks each parameter
};

class RouterCore {
 public:
  // What a lookup reads of a node, packed: compiled from the Nodes after
  // routes change (pointers into their vectors), so the walk touches one
  // small record per node instead of a Node's many members.
  struct Hot {
    const char16_t* prefix;
    const char16_t* first;
    const int32_t* kids;
    const int32_t* params;
    const uint8_t* table;  // nodes with many children: ASCII char -> child slot + 1
    uint32_t prefixLen;
    uint32_t nKids;
    uint32_t nParams;
    int32_t wildcard;
    int32_t route;
    uint8_t kind;
  };
  RouterCore(const RouterOptions& options, int32_t* out) : options_(options), out_(out) {}

  int32_t insert(uint32_t method, const std::vector<RoutePart>& parts, int32_t routeId);
  // hot path: measure before changing
  int32_t lookup(uint32_t method, const char16_t* raw, size_t rawLen);
  // lookup() with the method read from, and the result written to, the out array.
  void lookupInto(const char16_t* raw, size_t rawLen);

 private:
  struct Item {
    bool param;
    std::u16string text;  // static text, or for a parameter after the first: the static before it
  };
  struct Node {
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
  struct Frame {
    int32_t node;
    uint32_t pathIndex;
    uint32_t count;
  };
  struct Match;
  using Tree = std::vector<Node>;

  int32_t staticChild(Tree& tree, int32_t node, const std::u16string& text);
  int32_t paramChild(Tree& tree, int32_t node, const std::u16string& key);
  void sortParams(Tree& tree, int32_t node);
  void compile();
  static int32_t findStatic(const Hot* hot, const Hot& node, const Match& m, uint32_t at);
  int32_t nextNode(const Hot* hot, const Match& m, int32_t node, uint32_t at, uint32_t count);
  bool matchParam(const Node& node, Match& m, uint32_t* at, uint32_t* count, bool* tooLong);
  bool matchTemplate(const Node& node, size_t k, size_t p, const char16_t* seg, size_t pos, size_t end,
                     uint32_t* caps);
  int32_t finish(const Match& m, int32_t route, uint32_t count);

  RouterOptions options_;
  int32_t* out_;
  std::vector<Tree> trees_;
  std::vector<std::vector<Hot>> hot_;
  std::vector<std::vector<uint8_t>> tables_;
  bool dirty_ = false;
  // Scratch reused by every lookup, so the hot path does not allocate.
  std::vector<Frame> stack_;
  std::vector<char16_t> decoded_, lowered_, segment_;
  std::vector<uint32_t> map_, segmentMap_;
  uint32_t params_[2 * MAX_PARAMS];
};

bool initRouter(napi_env env, napi_value exports);

// The RouterCore behind a router handle (its lookup function), for other
// native modules; null after throwing a TypeError when it is not one.
RouterCore* routerOf(napi_env env, napi_value handle);

}  // namespace griddle
