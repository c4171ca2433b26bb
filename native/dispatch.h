// The server's one crossing per request (DESIGN.md §1): route lookup, then,
// for a cached route, the cache probe, with a hit's body copied into an output
// buffer registered once. JS builds nothing native-side and gets numbers back
// through an Int32Array.
#pragma once

#include <node_api.h>

#include <cstdint>

namespace griddle {

// Layout of the dispatcher's Int32Array (mirrored in lib/dispatch-native.ts).
enum DispatchIo : int {
  IO_METHOD = 0,     // in: the router's method code
  IO_FALLBACK,       // in: method code tried when IO_METHOD has no route (GET for HEAD), or -1
  IO_ACCEPT,         // in: encodings the client accepts: 1 gzip, 2 br
  IO_ROUTE,          // out: route id, or a negative router status
  IO_MATCHED,        // out: the method code whose tree matched
  IO_HIT,            // out: body length of a cache hit (body at out[ETAG_TEXT]); -1 miss or not cached; -2 too large
  IO_STATUS,         // out, on a hit: HTTP status
  IO_TYPE,           // out, on a hit: content-type id
  IO_ENCODING,       // out, on a hit: 0 identity, 1 gzip, 2 br
  IO_NOT_MODIFIED,   // out, on a hit: 1 when If-None-Match names the entry's ETag
  IO_STALE,          // out, on a hit: 1 when past its fresh time (stale-while-revalidate)
  IO_SIZE
};

// Per-route cache modes set from JS.
enum CacheMode : uint8_t { MODE_NONE = 0, MODE_DEFAULT_KEY = 1, MODE_CUSTOM_KEY = 2 };

// Bits of EntryMeta.contentType above the type id.
constexpr uint16_t TYPE_MASK = 0xff;
constexpr uint16_t VARIANT_GZIP = 1 << 8;
constexpr uint16_t VARIANT_BR = 1 << 9;
// A hit's ETag is this many bytes of text at the start of the output buffer,
// and its body follows: the ETag view is made once, only the body view per hit.
constexpr int ETAG_TEXT = 18;

bool initDispatch(napi_env env, napi_value exports);

}  // namespace griddle
