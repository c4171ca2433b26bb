/**
 * Everything after routing: validation, the handler, and the answer, for
 * handlers that return at once and for those that return a promise.
 * hot path: measure before changing.
 */
import { performance } from 'node:perf_hooks'
import { GriddleError } from '../errors.js'
import type { Router } from '../routing/router.js'
import type { Admission } from './admission.js'
import type { Dispatcher } from '../routing/dispatch.js'
import { COMPRESS_MIN_BYTES, cacheable, storeResponse, type Flights, type RouteCache } from '../cache/response-cache.js'
import {
  ABORTED, JSON_TYPE, OPEN, READING, SENT, STATUS_LINES, errorPayload, toBody, writeResponse, type Body, type Reply,
} from './reply.js'
import type { Request, UnitReader } from './request.js'
import type { RouteSerializers, Serializer } from '../schema/serialize.js'
import { kCacheKey, kController, kDeadline, kHeaders, kRequest, kRes, kState, kType } from '../symbols.js'
import type { Check } from '../schema/validate.js'

export type Handler = (req: Request, reply: Reply) => unknown

/** What the server keeps per route id: built once, read on every request. */
export interface RouteEntry {
  readonly method: string
  /** "GET /users/:id", for messages. */
  readonly where: string
  readonly handler: Handler
  readonly params: (path: string, out: Int32Array) => Record<string, string>
  readonly checkParams: Check | null
  readonly checkQuery: Check | null
  readonly checkBody: Check | null
  readonly serializers: RouteSerializers
  /** The serializer for status 200. */
  readonly ok: Serializer
  /** False for GET and HEAD: their bodies are skipped, never buffered. */
  readonly readsBody: boolean
  /** Response caching, or null. */
  readonly cache: RouteCache | null
  /** False for routes that are never shed (health checks, admin). */
  readonly shedding: boolean
}

/** The app state the request path reads. */
export interface Core {
  readonly router: Router<number>
  /** The router's offsets array: params of the last lookup. */
  readonly out: Int32Array
  /** The one native call per request, and the response cache behind it. */
  readonly dispatcher: Dispatcher
  /** True when some route caches responses (then requests read Accept-Encoding and If-None-Match). */
  caching: boolean
  readonly flights: Flights
  readonly admission: Admission | null
  readonly entries: RouteEntry[]
  readonly maxUrlLength: number
  readonly bodyLimit: number
  readonly requestTimeoutMs: number
  readonly unit: UnitReader
  /** Requests waiting for their body or their handler, with a deadline. */
  readonly pending: Set<Reply>
  /** True while closing: answers ask the client to close the connection. */
  closing: boolean
  report(err: unknown, req: Request | null): void
}

const scratch: Body = { payload: '', type: null }

/** The status an error asks for (400–599), or 0 when it names none. */
export function httpStatus(err: unknown): number {
  if (err === null || typeof err !== 'object') return 0
  const e = err as { statusCode?: unknown, status?: unknown }
  const s = e.statusCode ?? e.status
  return typeof s === 'number' && Number.isInteger(s) && s >= 400 && s <= 599 ? s : 0
}

export function finish(core: Core, reply: Reply): void {
  reply[kState] = SENT
  if (reply[kDeadline] !== 0) core.pending.delete(reply)
  const key = reply[kRequest]?.[kCacheKey]
  if (key !== undefined) core.flights.end(key)
}

/** Stores a successful response of a cached route (before waiters are resumed). */
/** Returns the stored entry's ETag, or null when nothing was stored. */
function remember(core: Core, entry: RouteEntry, req: Request, reply: Reply, value: unknown, type: string | null): string | null {
  const cache = entry.cache!
  const status = reply.statusCode
  if (!cacheable(cache, status) || type === null || reply[kHeaders] !== null) return null
  try {
    const tags = cache.tags === null ? null : cache.tags(req, value)
    return storeResponse(core.dispatcher, cache, req[kCacheKey]!, { status, type, payload: scratch.payload, tags })
  } catch (err) {
    core.report(err, req)
    return null
  }
}

/** Answers with an error body; `close` when the rest of the request was not read. */
export function sendError(core: Core, reply: Reply, status: number, message: string, code?: string,
  field?: string, extra: string[] | null = null, close = false): void {
  finish(core, reply)
  const head = reply[kRequest]?.method === 'HEAD'
  writeResponse(reply[kRes], status, JSON_TYPE, extra, errorPayload(status, message, code, field), head, close || core.closing)
}

/**
 * Answers for a thrown or rejected error: its own 4xx/5xx status and message,
 * or a generic 500. Every 5xx is reported through onError.
 */
export function fail(core: Core, req: Request, reply: Reply, err: unknown): void {
  const status = httpStatus(err)
  if (status === 0 || status >= 500) core.report(err, req)
  if (status === 0) return sendError(core, reply, 500, 'Internal Server Error')
  const e = err as { message?: unknown, code?: unknown, field?: unknown }
  sendError(core, reply, status, typeof e.message === 'string' ? e.message : '',
    typeof e.code === 'string' ? e.code : undefined, typeof e.field === 'string' ? e.field : undefined)
}

/** Writes the handler's value; a value its serializer refuses becomes a 500. */
export function respond(core: Core, entry: RouteEntry, req: Request, reply: Reply, value: unknown): void {
  const status = reply.statusCode
  if (STATUS_LINES[status] === undefined) {
    return fail(core, req, reply, new GriddleError('GRIDDLE_ERR_INTERNAL', `${entry.where}: statusCode ${String(status)} is not a status`))
  }
  try {
    toBody(value, status === 200 ? entry.ok : entry.serializers.for(status), scratch)
  } catch (err) {
    return fail(core, req, reply, new GriddleError('GRIDDLE_ERR_SERIALIZE', `${entry.where}: ${(err as Error).message}`, { cause: err }))
  }
  const type = reply[kType] ?? scratch.type
  let headers = reply[kHeaders]
  if (entry.cache !== null) {
    const etag = req[kCacheKey] === undefined ? null : remember(core, entry, req, reply, value, type)
    // Bytes, as storeResponse counts them when it decides on compressed variants.
    const size = typeof scratch.payload === 'string' ? Buffer.byteLength(scratch.payload) : scratch.payload.byteLength
    const own = size >= COMPRESS_MIN_BYTES ? entry.cache.headersVary : entry.cache.headers
    if (own !== null) headers = headers === null ? own : headers.concat(own)
    if (etag !== null) headers = headers === null ? ['etag', etag] : headers.concat('etag', etag)
  }
  finish(core, reply)
  writeResponse(reply[kRes], status, type, headers, scratch.payload, req.method === 'HEAD', core.closing)
  scratch.payload = ''
}

/** Validates, runs the handler, and answers now or when its promise settles. */
export function run(core: Core, entry: RouteEntry, req: Request, reply: Reply): void {
  let value: unknown
  try {
    let invalid: GriddleError | null = null
    if (entry.checkParams !== null) invalid = entry.checkParams(req.params)
    if (invalid === null && entry.checkQuery !== null) invalid = entry.checkQuery(req.query)
    if (invalid === null && entry.checkBody !== null) invalid = entry.checkBody(req.body)
    if (invalid !== null) return fail(core, req, reply, invalid)
    value = entry.handler(req, reply)
  } catch (err) {
    return fail(core, req, reply, err)
  }
  if (typeof value === 'object' && value !== null && typeof (value as PromiseLike<unknown>).then === 'function') {
    return wait(core, entry, req, reply, value as PromiseLike<unknown>)
  }
  respond(core, entry, req, reply, value)
}

/** Starts the deadline and watches for the client going away. */
export function track(core: Core, reply: Reply): void {
  reply[kDeadline] = performance.now() + core.requestTimeoutMs
  core.pending.add(reply)
  reply[kRes].onAborted(() => abort(core, reply))
}

function abort(core: Core, reply: Reply): void {
  if (reply[kState] === SENT) return
  reply[kState] = ABORTED
  core.pending.delete(reply)
  reply[kController]?.abort()
  // A cache fill whose client left will never answer: let the requests
  // waiting for it go on (each probes again, then runs the handler).
  const key = reply[kRequest]?.[kCacheKey]
  if (key !== undefined) core.flights.end(key)
}

/**
 * A handler that answers later: the response is written corked, and only
 * while the request is still open (not aborted, not timed out).
 */
function wait(core: Core, entry: RouteEntry, req: Request, reply: Reply, promise: PromiseLike<unknown>): void {
  if (reply[kDeadline] === 0) track(core, reply)
  const res = reply[kRes]
  Promise.resolve(promise).then((value) => {
    if (reply[kState] === OPEN) res.cork(() => respond(core, entry, req, reply, value))
  }, (err: unknown) => {
    if (reply[kState] === OPEN) res.cork(() => fail(core, req, reply, err))
    else if (httpStatus(err) === 0) core.report(err, req)
  })
}

/** Answers every pending request past its deadline: 408 while reading the body, else 503. */
export function sweep(core: Core, now: number): void {
  for (const reply of core.pending) {
    if (reply[kDeadline] > now) continue
    const reading = reply[kState] === READING
    const req = reply[kRequest]
    const err = reading
      ? new GriddleError('GRIDDLE_ERR_REQUEST_TIMEOUT')
      : new GriddleError('GRIDDLE_ERR_HANDLER_TIMEOUT', `${req?.method} ${req?.path} took over ${core.requestTimeoutMs} ms`)
    reply[kController]?.abort(err)
    if (!reading) core.report(err, req)
    reply[kRes].cork(() => sendError(core, reply, err.statusCode!, err.message, err.code, undefined, null, reading))
  }
}
