#include "cache-key.h"

#include <algorithm>

namespace griddle {

void appendSortedQuery(std::u16string& key, std::vector<std::u16string_view>& pairs, const char16_t* q, size_t len) {
  pairs.clear();
  size_t start = 0;
  for (size_t i = 0; i <= len; i++) {
    if (i == len || q[i] == u'&') {
      if (i > start) pairs.emplace_back(q + start, i - start);
      start = i + 1;
    }
  }
  std::sort(pairs.begin(), pairs.end());
  for (size_t i = 0; i < pairs.size(); i++) {
    if (i > 0) key.push_back(u'&');
    key.append(pairs[i]);
  }
}

void defaultKey(std::u16string& key, std::vector<std::u16string_view>& pairs, int32_t method, const char16_t* path,
                size_t pathLen, const char16_t* query, size_t queryLen) {
  key.clear();
  key.push_back(KEY_DEFAULT);
  key.push_back(static_cast<char16_t>(method + 1));
  key.append(path, pathLen);
  key.push_back(u'?');
  appendSortedQuery(key, pairs, query, queryLen);
}

}  // namespace griddle
