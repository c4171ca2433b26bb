/**
 * The end of a request: every answer passes here exactly once, whatever its
 * kind (hit, stale, miss, error, shed, timeout, the client gone, a background
 * refresh), right after its bytes were handed to uWS. Telemetry records here
 * and a ghost run captures the primary's output here, through one listener
 * (`core.onEnd`, null by default: the hot path pays one null check); while
 * statistics are the only listener that needs it (`core.lean`), the end point
 * hands them its arguments directly and fills no `Ended` record.
 * hot path: measure before changing.
 */
import type { Core, RouteEntry } from './core.js'
import { JSON_TYPE } from './payload.js'
import { ABORTED, kMethodIndex, SENT, type Reply } from './reply.js'
import { METHOD_OTHER, methodIndex } from '../telemetry/stats.js'
import type { Request } from './request.js'
import { byteLength, writeResponse } from './wire.js'
import { sendHit } from '../cache/hit.js'
import { IO } from '../routing/dispatch.js'
import { kArm, kCacheKey, kController, kDeadline, kRequest, kRes, kRouteId, kStart, kState } from '../symbols.js'
import type { UwsResponse } from '../uws.js'

/**
 * - hit: served from the response cache (200, 304 or HEAD); the handler did not run.
 * - stale: served from a stale cache entry; a `refresh` follows.
 * - miss: the handler ran and answered (a cache miss, or a route without a cache).
 * - error: an error answer (4xx/5xx), with or without a route.
 * - shed: refused by admission control before any handler ran (503).
 * - timeout: the deadline passed (503 for the handler, 408 for the body).
 * - aborted: the client went away before an answer; nothing was written (status 0).
 * - refresh: the background run after a stale hit; written to no socket.
 */
export type EndKind = 'hit' | 'stale' | 'miss' | 'error' | 'shed' | 'timeout' | 'aborted' | 'refresh'

/**
 * What the end point knows about the request that just ended. One object per
 * app, rewritten for every request: read it inside onEnd, never keep it.
 */
export class Ended {
  /** The route id, or -1 when no route matched (404, 405, a bad URL). */
  route = -1
  /** releases: the arm id of the version that answered (0: the route has no release). */
  arm = 0
  method = ''
  /** The method's index in lib/telemetry/stats.ts METHODS (METHOD_OTHER for any other). */
  methodIndex = METHOD_OTHER
  /** The status sent, or 0 when nothing was (aborted). */
  status = 0
  kind: EndKind = 'miss'
  /** Body bytes handed to uWS (0 for HEAD, 204, 304 and aborted). */
  bytes = 0
  /**
   * When the request arrived, on performance.now()'s scale: read natively at
   * the start of the dispatch call (native/dispatch.cc), or by JavaScript for
   * a request refused before it (bad framing, an over-long or bad URL).
   * Every request has one, listener or not.
   */
  start = 0
  /** The request, or null when none was built (hits, shed, answers without a route). Valid only during onEnd. */
  req: Request | null = null
  /** The body handed to uWS, or null; a hit's body is a view valid only during onEnd. */
  body: string | Uint8Array | ArrayBuffer | null = null
  /** The content type and the extra headers (name, value, ...) of an answer built in JavaScript; null for hits and shed. */
  type: string | null = null
  headers: string[] | null = null
}

export interface EndListener {
  onEnd(ended: Ended): void
}

function record(core: Core, route: number, arm: number, method: string, mi: number, status: number, kind: EndKind, bytes: number, start: number,
  req: Request | null, body: string | Uint8Array | ArrayBuffer | null): void {
  const e = core.ended
  e.route = route
  e.arm = arm
  e.method = method
  e.methodIndex = mi
  e.status = status
  e.kind = kind
  e.bytes = bytes
  e.start = start
  e.req = req
  e.body = body
  try {
    core.onEnd!.onEnd(e)
  } catch (err) {
    core.report(err, req)
  } finally {
    e.req = null
    e.body = null
    e.type = null
    e.headers = null
  }
}

/** Marks a reply answered and takes it off the deadline list. */
function settle(core: Core, reply: Reply): void {
  reply[kState] = SENT
  if (reply[kDeadline] !== 0) core.pending.delete(reply)
}

/** Resumes the requests waiting for this one's cache fill (after its own bytes are written). */
function land(core: Core, req: Request | null): void {
  const key = req?.[kCacheKey]
  if (key !== undefined) core.flights.end(key)
}

/**
 * Ends a request that has a reply: writes status, headers and body, or,
 * for a background refresh (no socket), writes nothing and ends as 'refresh'.
 */
export function endReply(core: Core, reply: Reply, kind: EndKind, status: number, type: string | null,
  headers: string[] | null, payload: string | Uint8Array | ArrayBuffer, close: boolean): void {
  settle(core, reply)
  const req = reply[kRequest]
  const res = reply[kRes]
  const head = req !== null && req.method === 'HEAD'
  let written = 0
  if (res !== null) written = writeResponse(res, status, type, headers, payload, head, close || core.closing)
  else kind = 'refresh'
  if (core.onEnd !== null) {
    const empty = res === null || head || status === 204 || status === 304
    const bytes = empty ? 0 : written >= 0 ? written : byteLength(payload)
    const route = reply[kRouteId]
    // Without a route, reply[kRequest] is only a stub holding method and path.
    const method = req?.method ?? ''
    const mi = reply[kMethodIndex] >= 0 ? reply[kMethodIndex] : methodIndex(method)
    const lean = core.lean
    if (lean !== null && (route < 0 || req === null || !req.ghost)) {
      lean.end(route, mi, status, kind, reply[kStart], bytes, reply[kArm])
    } else {
      core.ended.type = type
      core.ended.headers = headers
      record(core, route, reply[kArm], method, mi, status, kind, bytes, reply[kStart], route < 0 ? null : req, payload)
    }
  }
  land(core, req)
}

/** Ends a request from the hit the last dispatch or probe found; `reply` is null when none was built. */
export function endHit(core: Core, res: UwsResponse, entry: RouteEntry, route: number, arm: number, method: string, start: number,
  reply: Reply | null, kind: 'hit' | 'stale', mi = -1): void {
  if (reply !== null) settle(core, reply)
  const head = method === 'HEAD'
  const status = sendHit(core.dispatcher, res, entry.cache!, head, core.closing)
  if (core.onEnd !== null) {
    const d = core.dispatcher
    const empty = head || status === 304
    const m = mi >= 0 ? mi : methodIndex(method)
    if (core.lean !== null) core.lean.end(route, m, status, kind, start, empty ? 0 : d.io[IO.HIT]!, arm)
    else record(core, route, arm, method, m, status, kind, empty ? 0 : d.io[IO.HIT]!, start, reply?.[kRequest] ?? null, empty ? null : d.body())
  }
}

/** Ends a request refused before any handler ran (no reply was built). */
export function endShed(core: Core, res: UwsResponse, route: number, arm: number, method: string, mi: number, start: number,
  headers: string[], payload: string): void {
  const head = method === 'HEAD'
  writeResponse(res, 503, JSON_TYPE, headers, payload, head, core.closing)
  if (core.lean !== null) core.lean.end(route, mi, 503, 'shed', start, head ? 0 : payload.length, arm)
  else if (core.onEnd !== null) record(core, route, arm, method, mi, 503, 'shed', head ? 0 : payload.length, start, null, payload)
}

/** Ends a request whose client went away before its answer: nothing is written. */
export function endAborted(core: Core, reply: Reply): void {
  if (reply[kState] === SENT || reply[kState] === ABORTED) return
  reply[kState] = ABORTED
  core.pending.delete(reply)
  reply[kController]?.abort()
  const req = reply[kRequest]
  if (core.onEnd !== null) {
    const method = req?.method ?? ''
    const mi = reply[kMethodIndex]
    record(core, reply[kRouteId], reply[kArm], method, mi >= 0 ? mi : methodIndex(method), 0, 'aborted', 0, reply[kStart], req, null)
  }
  // A cache fill whose client left will never answer: let the requests
  // waiting for it go on (each probes again, then runs the handler).
  land(core, req)
}

/** Runs fn corked on the reply's socket, or at once for a background refresh. */
export function corked(reply: Reply, fn: () => void): void {
  const res = reply[kRes]
  if (res === null) fn()
  else res.cork(fn)
}
