// The server's one crossing per request (DESIGN.md §1): route lookup in the
// current route snapshot, then, for a cached route, the cache probe, with a
// hit's body copied into an output buffer registered once. JS builds nothing
// native-side and gets numbers back through an Int32Array. Every slot and code
// below is exported as native.DISPATCH, which lib/routing/dispatch.ts reads.
#pragma once

#include <node_api.h>

#include <cstdint>

#include "stats.h"

namespace griddle {

// Layout of the dispatcher's Int32Array.
struct DispatchIo {
  enum : int {
    METHOD = 0,     // in: the router's method code
    FALLBACK,       // in: method code tried when METHOD has no route (GET for HEAD), or -1
    ACCEPT,         // in: encodings the client accepts: ENCODING_GZIP | ENCODING_BR bits
    ROUTE,          // out: route id, or a negative router status
    MATCHED,        // out: the method code whose tree matched
    HIT,            // out: body length of a cache hit, or HIT_MISS / HIT_TOO_LARGE
    STATUS,         // out, on a hit: HTTP status
    TYPE,           // out, on a hit: length of the content type (TYPE_LENGTH_MASK) | VARIANT_* bits
    ENCODING,       // out, on a hit: ENCODING_*
    NOT_MODIFIED,   // out, on a hit: 1 when If-None-Match names the entry's ETag
    STALE,          // out, on a hit: 1 when past its fresh time (stale-while-revalidate)
    // flags (native/bucket.h): the unit key's hash, computed once per request
    UNIT_LO,        // out: low 32 bits of the unit hash
    UNIT_HI,        // out: high 32 bits
    UNIT_SET,       // out: 1 when a unit key was given, else 0
    // experiments on cached routes (native/flags-route.h)
    EXP_ARM,        // out: the route's packed arms (flags::ARMS_*), the cache key's suffix
    EXP_SEQ,        // out: the flag snapshot they come from
    // releases (native/release.h): the version chosen for this request
    ARM,            // out: the arm id of the version to run (0: the route has no release)
    GHOST,          // out: 1 when the candidate also runs as a ghost after the answer
    // statistics: when the dispatch call began, a double (ms, on performance.now()'s
    // scale) over two slots, 8-byte aligned so JS reads it through a Float64Array view
    START,
    START_HIGH_,
    SIZE
  };
  static constexpr int32_t HIT_MISS = -1;       // a miss, or a route that is not cached
  static constexpr int32_t HIT_TOO_LARGE = -2;  // an entry larger than the output buffer
  static constexpr int32_t TYPE_LENGTH_MASK = 0xff;
};

static_assert(DispatchIo::START % 2 == 0, "io[START] must be 8-byte aligned");

// Encodings, as io and the accept mask use them.
enum Encoding : int32_t { ENCODING_IDENTITY = 0, ENCODING_GZIP = 1, ENCODING_BR = 2 };

// Which compressed variants exist beside an identity entry: its
// EntryMeta.variants, and the high bits of io[TYPE] on a hit.
constexpr uint16_t VARIANT_GZIP = 1 << 8;
constexpr uint16_t VARIANT_BR = 1 << 9;

// The output buffer on a hit: the ETag text (ETAG_TEXT bytes), one byte with
// the content type's length, the content type (at most TYPE_MAX bytes), then
// the body: the ETag view is made once, one content-type view per length, one
// body view per hit. A buffer of OUT_HEADER_MAX + n bytes holds any body of n.
constexpr int ETAG_TEXT = 18;
constexpr int TYPE_MAX = 255;
constexpr int OUT_HEADER_MAX = ETAG_TEXT + 1 + TYPE_MAX;

// An entry's fresh-until time (EntryMeta.freshUntil) counts FRESH_UNIT_MS
// units since FRESH_EPOCH_S (2026-01-01 UTC): 32 bits last until 2039.
constexpr int64_t FRESH_EPOCH_S = 1767225600;
constexpr int32_t FRESH_UNIT_MS = 100;

// --- statistics (native/stats.h) ---------------------------------------------
// A finished request's outcome waits in io (JS writes it where the request
// ends) and the next dispatch records it, or JS_dispatchFlushStats does from
// a timer once traffic stops: recording costs no crossing of its own.
constexpr int IO_STATS_COUNT = DispatchIo::SIZE;// in: outcomes waiting, 0 to stats::PENDING_MAX
constexpr int IO_STATS_FIRST = DispatchIo::SIZE + 1;// in: the outcomes, stats::RECORD_SLOTS int32 each
constexpr int IO_TOTAL = IO_STATS_FIRST + stats::PENDING_MAX * stats::RECORD_SLOTS;
// --- end of statistics ---------------------------------------------------------

bool initDispatch(napi_env env, napi_value exports);

}  // namespace griddle
