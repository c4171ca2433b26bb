/**
 * The request path of routes with a response cache, after the dispatch call
 * missed or found a stale entry: the key, single flight, waiting for the run
 * under way, and the background refresh of a stale entry.
 */
import { ARMS_UNCACHED, armsSuffix, HIT_TOO_LARGE, IO } from '../routing/dispatch.js'
import { kArmsSeq } from '../traffic/request-flags.js'
import { OPEN, Reply } from '../server/reply.js'
import { Request } from '../server/request.js'
import type { Core, RouteEntry } from '../server/core.js'
import { track } from '../server/deadlines.js'
import { endHit } from '../server/end.js'
import { fail } from '../server/error-answer.js'
import { run } from '../server/run.js'
import { kArm, kCacheKey, kReply, kRes, kRouteId, kStart, kState } from '../symbols.js'

/** Ends the request of `reply` with the hit the last probe found. */
function answerHit(core: Core, entry: RouteEntry, req: Request, reply: Reply): void {
  endHit(core, reply[kRes]!, entry, reply[kRouteId], reply[kArm], req.method, reply[kStart], reply, 'hit')
}

/** The cache key of a request, or undefined when the entry cannot be served from the cache. */
function keyOf(core: Core, entry: RouteEntry, req: Request, query: string | undefined): string | undefined {
  if (core.dispatcher.io[IO.HIT] === HIT_TOO_LARGE) return undefined
  const custom = entry.cache!.key
  // releases: each version caches under its own arm's key.
  const arm = req[kReply][kArm]
  if (entry.experiments !== null) {
    // experiments: the key dispatch probed, with the arms it computed (native/flags-route.h).
    const arms = core.dispatcher.io[IO.EXP_ARM]!
    if (arms === ARMS_UNCACHED) return undefined
    req[kArmsSeq] = core.dispatcher.io[IO.EXP_SEQ]!
    return core.dispatcher.key(core.dispatcher.io[IO.MATCHED]!, req.path, query, arm) + armsSuffix(arms)
  }
  if (custom === null) return core.dispatcher.key(core.dispatcher.io[IO.MATCHED]!, req.path, query, arm)
  return core.dispatcher.customKey(core.dispatcher.io[IO.ROUTE]!, custom(req), arm)
}

/**
 * A cached route whose dispatch found no fresh entry. Returns true when it
 * answered or will answer (hit under a custom key, or waiting for the run of
 * the same key under way); false when the caller must run the handler, which
 * then fills the entry.
 */
export function cachedMiss(core: Core, entry: RouteEntry, req: Request, reply: Reply, query: string | undefined,
  inm: string | undefined): boolean {
  let key: string | undefined
  try {
    key = keyOf(core, entry, req, query)
    if (key === undefined) return false
    if (entry.cache!.key !== null) {
      core.dispatcher.probe(key, inm)
      if (core.dispatcher.io[IO.HIT]! >= 0) {
        answerHit(core, entry, req, reply)
        return true
      }
    }
  } catch (err) {
    fail(core, req, reply, err)
    return true
  }
  if (!core.flights.busy(key)) {
    core.flights.begin(key)
    req[kCacheKey] = key
    return false
  }
  const accept = core.dispatcher.io[IO.ACCEPT]!
  track(core, reply)
  core.flights.then(key, () => {
    if (reply[kState] !== OPEN) return
    reply[kRes]!.cork(() => {
      core.dispatcher.io[IO.ACCEPT] = accept
      core.dispatcher.probe(key, inm)
      if (core.dispatcher.io[IO.HIT]! >= 0) {
        answerHit(core, entry, req, reply)
      } else {
        run(core, entry, req, reply)
      }
    })
  })
  return true
}

/**
 * After a stale entry was served: one run of the handler in the background
 * refreshes it. Its reply has no socket: its answer is written nowhere and
 * ends as kind 'refresh'. A failing run leaves the stale entry in place
 * until its window ends.
 */
export function refreshStale(core: Core, entry: RouteEntry, req: Request, reply: Reply, query: string | undefined): void {
  let key: string | undefined
  try {
    key = keyOf(core, entry, req, query)
  } catch (err) {
    core.report(err, req)
    return
  }
  if (key === undefined || core.flights.busy(key)) return
  core.flights.begin(key)
  req[kCacheKey] = key
  run(core, entry, req, reply)
}
