// The server's one crossing per request (DESIGN.md §1): route lookup, then,
// for a cached route, the cache probe, with a hit's body copied into an output
// buffer registered once. JS builds nothing native-side and gets numbers back
// through an Int32Array.
#pragma once

#include <node_api.h>

#include <cstdint>

namespace griddle {

// Layout of the dispatcher's Int32Array (mirrored in lib/routing/dispatch.ts).
enum DispatchIo : int {
  IO_METHOD = 0,     // in: the router's method code
  IO_FALLBACK,       // in: method code tried when IO_METHOD has no route (GET for HEAD), or -1
  IO_ACCEPT,         // in: encodings the client accepts: 1 gzip, 2 br
  IO_ROUTE,          // out: route id, or a negative router status
  IO_MATCHED,        // out: the method code whose tree matched
  IO_HIT,            // out: body length of a cache hit; -1 miss or not cached; -2 too large for the buffer
  IO_STATUS,         // out, on a hit: HTTP status
  IO_TYPE,           // out, on a hit: length of the content type (low 8 bits) and VARIANT_* bits
  IO_ENCODING,       // out, on a hit: 0 identity, 1 gzip, 2 br
  IO_NOT_MODIFIED,   // out, on a hit: 1 when If-None-Match names the entry's ETag
  IO_STALE,          // out, on a hit: 1 when past its fresh time (stale-while-revalidate)
  // flags (native/bucket.h): the unit key's hash, computed once per request
  IO_UNIT_LO,        // out: low 32 bits of the unit hash
  IO_UNIT_HI,        // out: high 32 bits
  IO_UNIT_SET,       // out: 1 when a unit key was given, else 0
  IO_SIZE
};

// Per-route cache modes set from JS.
enum CacheMode : uint8_t { MODE_NONE = 0, MODE_DEFAULT_KEY = 1, MODE_CUSTOM_KEY = 2 };

// EntryMeta.contentType holds only these bits: which compressed variants exist.
constexpr uint16_t VARIANT_GZIP = 1 << 8;
constexpr uint16_t VARIANT_BR = 1 << 9;
// On a hit the output buffer holds the ETag text (ETAG_TEXT bytes), one byte
// with the content type's length, the content type, then the body: the ETag
// view is made once, one content-type view per length, one body view per hit.
constexpr int ETAG_TEXT = 18;

bool initDispatch(napi_env env, napi_value exports);

}  // namespace griddle
