/**
 * The uWS request callback: one native call (the route lookup) per request,
 * then JavaScript builds `req`, runs the route and answers.
 * hot path: measure before changing.
 */
import { performance } from 'node:perf_hooks'
import { readBody, announcesBody } from './body.js'
import { ERRORS, GriddleError, LOOKUP } from '../errors.js'
import type { Core, RouteEntry } from './core.js'
import { endHit, endShed } from './end.js'
import { errorPayload, sendError } from './error-answer.js'
import { Reply, SENT } from './reply.js'
import { copyHeaders, kUwsRequest, NO_UNIT, parseQuery, Request } from './request.js'
import { run } from './run.js'
import { kArm, kGhost, kRequest, kState } from '../symbols.js'
import { IO } from '../routing/dispatch.js'
import { acceptMask } from '../cache/accept-encoding.js'
import { cachedMiss, refreshStale } from '../cache/cached-request.js'
import { READ_HOST, type UwsHandler, type UwsRequest, type UwsResponse } from '../uws.js'
import { attachTraffic, type Traffic } from '../traffic/request-flags.js'
import { methodIndex } from '../telemetry/stats.js'

/** Methods whose route answers, for a path, in the order routes were added (slow path). */
export function allowedMethods(core: Core, path: string): string[] {
  const allowed: string[] = []
  for (const method of core.router.methods()) {
    if (core.router.match(core.router.methodCode(method), path) >= 0) allowed.push(method)
  }
  if (allowed.includes('GET') && !allowed.includes('HEAD')) allowed.push('HEAD')
  return allowed
}

function reject(core: Core, res: UwsResponse, start: number, method: string, path: string, err: GriddleError,
  extra: string[] | null = null, close = false): void {
  const reply = new Reply(res, -1, start)
  reply[kRequest] = { method, path } as Request
  sendError(core, reply, err.statusCode!, err.message, err.code, undefined, extra, close)
}

/**
 * Header names for getHeader as bytes: uWS then reads the name in place
 * instead of converting a string (measured ~3x cheaper per call,
 * bench/results/http-request-path.md).
 */
const TRANSFER_ENCODING = Buffer.from('transfer-encoding')
const HOST = Buffer.from('host')
const ACCEPT_ENCODING = Buffer.from('accept-encoding')
const IF_NONE_MATCH = Buffer.from('if-none-match')

/**
 * Framing uWS reads loosely (docs/transport.md): it reads xchunked, "gzip,
 * chunked" and CHUNKED as chunked, and waits forever on other codings. Only
 * one bare lower-case `chunked` is read; the rest is refused and the connection closed,
 * since its body cannot be delimited (RFC 9112 §6.1). On the uWS build for
 * Node 20 an empty Host is refused too (lib/uws.ts READ_HOST).
 */
function badFraming(core: Core, res: UwsResponse, req: UwsRequest, method: string, path: string): boolean {
  const te = req.getHeader(TRANSFER_ENCODING)
  if (te.length > 0 && (te !== 'chunked' || codingLines(req) > 1)) {
    const err = te === 'chunked' || te.toLowerCase() !== 'chunked'
      ? new GriddleError('GRIDDLE_ERR_NOT_IMPLEMENTED', `Transfer-Encoding ${JSON.stringify(te)}: only one "chunked" is read`)
      : new GriddleError('GRIDDLE_ERR_BAD_REQUEST', 'Transfer-Encoding must be the lower-case "chunked"')
    reject(core, res, performance.now(), method, path, err, null, true)
    return true
  }
  // An empty Host, on the one build that does not refuse a missing one itself (lib/uws.ts READ_HOST).
  if (READ_HOST && req.getHeader(HOST).length === 0) {
    reject(core, res, performance.now(), method, path, new GriddleError('GRIDDLE_ERR_BAD_REQUEST', 'missing Host header'), null, true)
    return true
  }
  return false
}

let lines = 0
function countCoding(name: string): void {
  if (name === 'transfer-encoding') lines++
}

/** How many Transfer-Encoding lines the head has (getHeader sees the first only); slow path. */
function codingLines(req: UwsRequest): number {
  lines = 0
  req.forEach(countCoding)
  return lines
}

/** No route id: a bad URL, a parameter over its limit, another method's path, or nothing. */
function miss(core: Core, res: UwsResponse, start: number, method: string, path: string, status: number): void {
  if (status === LOOKUP.BAD_URL) return reject(core, res, start, method, path, new GriddleError('GRIDDLE_ERR_BAD_URL', 'malformed percent-encoding'))
  if (status === LOOKUP.NOT_ORIGIN) return reject(core, res, start, method, path, new GriddleError('GRIDDLE_ERR_BAD_URL', 'the target must start with "/"'))
  if (status === LOOKUP.PARAM_TOO_LONG) return reject(core, res, start, method, path, new GriddleError('GRIDDLE_ERR_URL_TOO_LONG', 'a path parameter is too long'))
  const allowed = allowedMethods(core, path)
  if (allowed.length > 0) {
    return reject(core, res, start, method, path, new GriddleError('GRIDDLE_ERR_METHOD_NOT_ALLOWED', `${method} ${path}`), ['Allow', allowed.join(', ')])
  }
  reject(core, res, start, method, path, new GriddleError('GRIDDLE_ERR_NOT_FOUND', `no route for ${method} ${path}`))
}

/**
 * The handler registered with uWS for one method. `code` is the router's code
 * for it (-1 when no route uses it); HEAD falls back to the GET routes.
 */
export function requestHandler(core: Core, method: string, code: number, getCode: number, traffic: Traffic): UwsHandler {
  const head = method === 'HEAD'
  // telemetry: the statistics' method index, known once per handler.
  const mi = methodIndex(method)
  return function onRequest(res: UwsResponse, req: UwsRequest): void {
    const path = req.getUrl()
    // Refusals before the dispatch call read their start time here (a slow path).
    if (badFraming(core, res, req, method, path)) return
    const rawQuery = req.getQuery()
    const length = rawQuery === undefined ? path.length : path.length + 1 + rawQuery.length
    if (length > core.maxUrlLength) {
      return reject(core, res, performance.now(), method, path, new GriddleError('GRIDDLE_ERR_URL_TOO_LONG', `${length} characters, the limit is ${core.maxUrlLength}`))
    }
    // uWS refuses the other control characters in the request line itself.
    if (path.includes('\u007f')) return reject(core, res, performance.now(), method, path, new GriddleError('GRIDDLE_ERR_BAD_URL', 'control character in the path'))
    const io = core.dispatcher.io
    io[IO.METHOD] = code
    io[IO.FALLBACK] = head ? getCode : -1
    let inm: string | undefined
    if (core.caching) {
      io[IO.ACCEPT] = acceptMask(req.getHeader(ACCEPT_ENCODING))
      const v = req.getHeader(IF_NONE_MATCH)
      if (v.length > 0) inm = v
    }
    // flags: dispatch hashes the unit key once (lib/traffic).
    const unitKey = traffic.hashing ? traffic.readKey(req) : undefined
    core.dispatcher.dispatch(path, rawQuery, inm, unitKey)
    // When the dispatch call began, read natively (native/dispatch.cc): no JS clock call per request.
    const start = core.dispatcher.clock[0]!
    const id = io[IO.ROUTE]!
    if (id < 0) return miss(core, res, start, method, path, id)
    const entry = core.entries[id]!
    const hit = io[IO.HIT]! >= 0
    // releases: the version dispatch chose for this request (0 on routes without a release).
    const arm = io[IO.ARM]!
    if (hit) {
      const stale = io[IO.STALE] !== 0
      endHit(core, res, entry, id, arm, method, start, null, stale ? 'stale' : 'hit', mi)
      if (!stale) return
    } else if (core.admission !== null && entry.shedding && core.admission.overloaded(core.pending.size, start)) {
      return shed(core, res, id, arm, method, mi, start)
    }
    const ghost = io[IO.GHOST]!
    const params = entry.params(path, core.out)
    // The headers are copied when first read (request.ts), unless the unit key is read from them now.
    const headers = core.unit === NO_UNIT ? null : copyHeaders(req)
    // After a stale hit the request lives on as the background refresh, with no socket.
    const reply = new Reply(hit ? null : res, id, start, mi)
    reply[kArm] = arm
    // A stale hit's refresh answers nobody: no ghost run compares with it.
    if (!hit) reply[kGhost] = ghost
    const url = rawQuery === undefined ? path : path + '?' + rawQuery
    const request = new Request(method, url, path, params, parseQuery(rawQuery), headers, headers === null ? '' : core.unit(headers), reply)
    reply[kRequest] = request
    attachTraffic(request, traffic, io, IO.UNIT_LO)
    if (headers !== null) return serve(core, entry, request, reply, hit, rawQuery, inm)
    request[kUwsRequest] = req
    serve(core, entry, request, reply, hit, rawQuery, inm)
    // uWS's request dies when this callback returns: a request still going on
    // (async handler, body, cache fill, timeout) copies its headers now, once.
    if (request[kUwsRequest] !== null) {
      if (reply[kState] !== SENT) void request.headers
      request[kUwsRequest] = null
    }
  }
}

/** The route's run: a stale entry's refresh, a cache fill, a body to read first, or the handler now. */
function serve(core: Core, entry: RouteEntry, request: Request, reply: Reply, hit: boolean, rawQuery: string | undefined,
  inm: string | undefined): void {
  if (hit) return refreshStale(core, entry, request, reply, rawQuery)
  if (entry.cache !== null && cachedMiss(core, entry, request, reply, rawQuery, inm)) return
  if (entry.readsBody && announcesBody(request.headers)) return readBody(core, entry, request, reply)
  run(core, entry, request, reply)
}

/** 503 with Retry-After, before any handler runs. */
function shed(core: Core, res: UwsResponse, route: number, arm: number, method: string, mi: number, start: number): void {
  const admission = core.admission!
  admission.shed++
  // A refusal must cost far less than an answer, or shedding buys nothing:
  // no Error (its stack trace alone costs microseconds), a body built once.
  endShed(core, res, route, arm, method, mi, start, ['retry-after', admission.retryAfter], OVERLOADED_BODY)
}

const OVERLOADED_BODY = errorPayload(503, ERRORS.GRIDDLE_ERR_OVERLOADED.message, 'GRIDDLE_ERR_OVERLOADED')
