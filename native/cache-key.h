// The dispatcher's cache keys, in a file of their own so that the fuzz target
// (native/fuzz/cache-key.fuzz.cc) can build them without Node-API.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace griddle {

// Cache keys: one char for the kind, then the parts. The default key is the
// matched method code, the path, and the query with its pairs sorted, so that
// `?a=1&b=2` and `?b=2&a=1` share an entry. Variants add an encoding suffix.
constexpr char16_t KEY_DEFAULT = u'\x01';
constexpr char16_t KEY_CUSTOM = u'\x03';
constexpr char16_t KEY_VARIANT = u'\x02';

// Appends the non-empty '&'-separated pairs of q[0..len) to key, sorted and
// joined by '&'. pairs is scratch (views into q), reused between calls.
void appendSortedQuery(std::u16string& key, std::vector<std::u16string_view>& pairs, const char16_t* q, size_t len);

// Replaces key with the default key of (method, path, query); pairs as above.
void defaultKey(std::u16string& key, std::vector<std::u16string_view>& pairs, int32_t method, const char16_t* path,
                size_t pathLen, const char16_t* query, size_t queryLen);

}  // namespace griddle
