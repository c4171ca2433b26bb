// Building the route trees: radix insertion of static text, parametric
// templates and wildcards, in find-my-way's shape (see router.h). Only the
// builder's owner runs this; readers see the result once it is published.
#include <algorithm>

#include "router.h"

namespace griddle {

int32_t RouteBuilder::staticChild(RouteTree& tree, int32_t node, const std::u16string& full) {
  std::u16string text = full;
  while (!text.empty()) {
    RouteTreeNode& parent = tree[node];
    auto it = std::find(parent.childFirst.begin(), parent.childFirst.end(), text[0]);
    if (it == parent.childFirst.end()) {
      parent.childFirst.push_back(text[0]);
      parent.childNode.push_back(static_cast<int32_t>(tree.size()));
      RouteTreeNode fresh;
      fresh.prefix = text;
      tree.push_back(std::move(fresh));
      return static_cast<int32_t>(tree.size() - 1);
    }
    size_t ci = it - parent.childFirst.begin();
    int32_t child = parent.childNode[ci];
    size_t plen = tree[child].prefix.size(), i = 1;
    for (; i < plen; i++) {
      if (i >= text.size() || text[i] != tree[child].prefix[i]) {
        // Split the child: a new node keeps the shared part of the prefix.
        RouteTreeNode head;
        head.prefix = tree[child].prefix.substr(0, i);
        tree[child].prefix = tree[child].prefix.substr(i);
        head.childFirst.push_back(tree[child].prefix[0]);
        head.childNode.push_back(child);
        tree.push_back(std::move(head));
        child = static_cast<int32_t>(tree.size() - 1);
        tree[node].childNode[ci] = child;
        break;
      }
    }
    node = child;
    text = text.substr(i);
  }
  return node;
}

// find-my-way orders parametric siblings with this comparator after every
// insertion; with equal results the order of insertion stands.
static int compareParams(bool aRegex, bool aSuffix, const std::u16string& a, bool bRegex, bool bSuffix,
                         const std::u16string& b) {
  auto endsWith = [](const std::u16string& s, const std::u16string& t) {
    return s.size() >= t.size() && s.compare(s.size() - t.size(), t.size(), t) == 0;
  };
  if (!aRegex) return 1;
  if (!bRegex) return -1;
  if (!aSuffix) return 1;
  if (!bSuffix) return -1;
  if (endsWith(b, a)) return 1;
  if (endsWith(a, b)) return -1;
  return 0;
}

// The comparator above is not a total order, so the result depends on the
// sort algorithm: this is V8's TimSort for short arrays (one run, made
// ascending, then binary insertion), which Array.prototype.sort uses.
static void sortParams(RouteTree& tree, int32_t node) {
  std::vector<int32_t>& a = tree[node].params;
  auto cmp = [&tree](int32_t x, int32_t y) {
    const RouteTreeNode& p = tree[x];
    const RouteTreeNode& q = tree[y];
    return compareParams(p.isRegex, p.hasSuffix, p.suffix, q.isRegex, q.hasSuffix, q.suffix);
  };
  size_t n = a.size();
  if (n < 2) return;
  size_t run = 2;
  bool descending = cmp(a[1], a[0]) < 0;
  for (size_t i = 2; i < n; i++, run++) {
    int order = cmp(a[i], a[i - 1]);
    if (descending ? order >= 0 : order < 0) break;
  }
  if (descending) std::reverse(a.begin(), a.begin() + run);
  for (size_t start = run; start < n; start++) {
    int32_t pivot = a[start];
    size_t left = 0, right = start;
    while (left < right) {
      size_t mid = left + ((right - left) >> 1);
      if (cmp(pivot, a[mid]) < 0) right = mid;
      else left = mid + 1;
    }
    for (size_t p = start; p > left; p--) a[p] = a[p - 1];
    a[left] = pivot;
  }
}

int32_t RouteBuilder::paramChild(RouteTree& tree, int32_t node, const std::u16string& key) {
  for (int32_t p : tree[node].params) {
    if (tree[p].key == key) return p;
  }
  RouteTreeNode fresh;
  fresh.kind = RoutePart::PARAM;
  fresh.key = key;
  std::u16string last;  // the static before the current parameter
  for (size_t i = 0; i < key.size();) {
    if (key[i] == u'\x01') {
      fresh.items.push_back({true, last});
      fresh.paramCount++;
      i++;
      continue;
    }
    size_t j = key.find(u'\x01', i);
    if (j == std::u16string::npos) j = key.size();
    last = key.substr(i, j - i);
    fresh.items.push_back({false, last});
    fresh.staticLength += static_cast<uint32_t>(last.size());
    fresh.isRegex = true;
    i = j;
  }
  if (!fresh.items.empty() && !fresh.items.back().param) {
    fresh.hasSuffix = true;
    fresh.suffix = fresh.items.back().text;
  }
  tree.push_back(std::move(fresh));
  int32_t id = static_cast<int32_t>(tree.size() - 1);
  tree[node].params.push_back(id);
  sortParams(tree, node);
  return id;
}

int32_t RouteBuilder::insert(uint32_t method, const std::vector<RoutePart>& parts, int32_t routeId) {
  if (parts.empty() || parts[0].kind != RoutePart::STATIC || parts[0].text.empty() || parts[0].text[0] != u'/')
    return INSERT_BAD_PARTS;
  if (method >= trees_.size()) trees_.resize(method + 1);
  RouteTree& tree = trees_[method];
  if (tree.empty()) {
    RouteTreeNode root;
    root.prefix = u"/";
    tree.push_back(std::move(root));
  }
  int32_t cur = 0;
  for (size_t i = 0; i < parts.size(); i++) {
    const RoutePart& part = parts[i];
    if (part.kind == RoutePart::STATIC) {
      cur = staticChild(tree, cur, i == 0 ? part.text.substr(1) : part.text);
    } else if (part.kind == RoutePart::PARAM) {
      cur = paramChild(tree, cur, part.text);
    } else {
      if (tree[cur].wildcard < 0) {
        RouteTreeNode wild;
        wild.kind = RoutePart::WILDCARD;
        tree.push_back(std::move(wild));
        tree[cur].wildcard = static_cast<int32_t>(tree.size() - 1);
      }
      cur = tree[cur].wildcard;
    }
  }
  // On a conflict nodes may have been added or split: harmless, as they
  // lead only to routes that exist.
  if (tree[cur].route >= 0) return tree[cur].route == routeId ? INSERT_OK : INSERT_CONFLICT;
  tree[cur].route = routeId;
  state(routeId);
  return INSERT_OK;
}

RouteState& RouteBuilder::state(int32_t routeId) {
  if (routes_.size() <= static_cast<size_t>(routeId)) routes_.resize(static_cast<size_t>(routeId) + 1);
  return routes_[routeId];
}

void RouteBuilder::setCacheMode(int32_t routeId, CacheMode mode) { state(routeId).cacheMode = mode; }

void RouteBuilder::setReleaseSlot(int32_t routeId, int32_t slot) { state(routeId).releaseSlot = slot; }

}  // namespace griddle
