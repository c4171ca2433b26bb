// The cache keys dispatch builds: one char for the kind, then the parts.
// Kinds never collide, so no key of one kind equals a key of another.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace griddle {
namespace dispatchkey {

constexpr char16_t KEY_DEFAULT = u'\x01';  // method, path, query (pairs ordered by name)
constexpr char16_t KEY_VARIANT = u'\x02';  // suffix: a compressed variant of the key before it
constexpr char16_t KEY_CUSTOM = u'\x03';   // route id (two units), then the application's key
constexpr char16_t KEY_SHARED = u'\x04';   // the application's key, shared by every route asking so
constexpr char16_t KEY_ARM = u'\x05';      // prefix: the arm id (one unit), then a key of another kind
constexpr char16_t KEY_ARMS = u'\x07';     // suffix: experiment arms (flags::ARMS_KEYED | ...), two units

// Scratch a key builder reuses, so that the hot path does not allocate.
struct KeyScratch {
  std::u16string key;
  struct Pair {
    std::u16string_view text;
    uint32_t nameLen;             // of the raw name, at the start of text
    uint32_t nameStart, decodedLen;  // the decoded name's bytes in `names`, when any name needs decoding
  };
  std::vector<Pair> pairs;
  std::vector<uint8_t> names;
};

// hot path: measure before changing
// KEY_DEFAULT, method + 1, the path, '?', then the query's pairs ordered by
// their decoded name, pairs of one name keeping their order: `?b=2&a=1` and
// `?a=1&b=2` share an entry, `?s=x&s=y` and `?s=y&s=x` do not (req.query
// differs). Written to s.key.
void defaultKey(KeyScratch& s, int32_t method, const char16_t* path, size_t pathLen, const char16_t* query,
                size_t queryLen);

// Appends KEY_ARMS and the packed arms to s.key; nothing when packed <= 0.
void appendArms(KeyScratch& s, int32_t packed);

// KEY_CUSTOM + routeId, or KEY_SHARED when routeId < 0, then key. Written to s.key.
void customKey(KeyScratch& s, int32_t routeId, const char16_t* key, size_t keyLen);

// Prefixes s.key with KEY_ARM and the arm id: each version of a route under
// a release caches apart, so a promotion or rollback never serves the other
// version's body. Arm 0 (no release) keeps the key as it is.
void armKey(KeyScratch& s, int32_t arm);

}  // namespace dispatchkey
}  // namespace griddle
