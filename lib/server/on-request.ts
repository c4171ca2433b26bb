/**
 * The uWS request callback: one native call (the route lookup) per request,
 * then JavaScript builds `req`, runs the route and answers.
 * hot path: measure before changing.
 */
import { readBody, announcesBody } from './body.js'
import { ERRORS, GriddleError, LOOKUP } from '../errors.js'
import { JSON_TYPE, Reply, errorPayload, writeResponse } from './reply.js'
import { copyHeaders, parseQuery, Request } from './request.js'
import { run, sendError, type Core } from './respond.js'
import { kRequest } from '../symbols.js'
import { IO } from '../routing/dispatch.js'
import { acceptMask } from '../cache/response-cache.js'
import { NOWHERE, answerHit, cachedMiss, refreshStale } from '../cache/cached-request.js'
import type { UwsHandler, UwsRequest, UwsResponse } from '../uws.js'
import { attachTraffic, type Traffic } from '../traffic/request-flags.js'

/** Methods whose route answers, for a path, in the order routes were added (slow path). */
export function allowedMethods(core: Core, path: string): string[] {
  const allowed: string[] = []
  for (const method of core.router.methods()) {
    if (core.router.match(core.router.methodCode(method), path) >= 0) allowed.push(method)
  }
  if (allowed.includes('GET') && !allowed.includes('HEAD')) allowed.push('HEAD')
  return allowed
}

function reject(core: Core, res: UwsResponse, method: string, path: string, err: GriddleError, extra: string[] | null = null): void {
  const reply = new Reply(res)
  reply[kRequest] = { method, path } as Request
  sendError(core, reply, err.statusCode!, err.message, err.code, undefined, extra)
}

/** No route id: a bad URL, a parameter over its limit, another method's path, or nothing. */
function miss(core: Core, res: UwsResponse, method: string, path: string, status: number): void {
  if (status === LOOKUP.BAD_URL) return reject(core, res, method, path, new GriddleError('GRIDDLE_ERR_BAD_URL', 'malformed percent-encoding'))
  if (status === LOOKUP.NOT_ORIGIN) return reject(core, res, method, path, new GriddleError('GRIDDLE_ERR_BAD_URL', 'the target must start with "/"'))
  if (status === LOOKUP.PARAM_TOO_LONG) return reject(core, res, method, path, new GriddleError('GRIDDLE_ERR_URL_TOO_LONG', 'a path parameter is too long'))
  const allowed = allowedMethods(core, path)
  if (allowed.length > 0) {
    return reject(core, res, method, path, new GriddleError('GRIDDLE_ERR_METHOD_NOT_ALLOWED', `${method} ${path}`), ['Allow', allowed.join(', ')])
  }
  reject(core, res, method, path, new GriddleError('GRIDDLE_ERR_NOT_FOUND', `no route for ${method} ${path}`))
}

/**
 * The handler registered with uWS for one method. `code` is the router's code
 * for it (-1 when no route uses it); HEAD falls back to the GET routes.
 */
export function requestHandler(core: Core, method: string, code: number, getCode: number, traffic: Traffic): UwsHandler {
  const head = method === 'HEAD'
  return function onRequest(res: UwsResponse, req: UwsRequest): void {
    const path = req.getUrl()
    const rawQuery = req.getQuery()
    const length = rawQuery === undefined ? path.length : path.length + 1 + rawQuery.length
    if (length > core.maxUrlLength) {
      return reject(core, res, method, path, new GriddleError('GRIDDLE_ERR_URL_TOO_LONG', `${length} characters, the limit is ${core.maxUrlLength}`))
    }
    // uWS refuses the other control characters in the request line itself.
    if (path.includes('\u007f')) return reject(core, res, method, path, new GriddleError('GRIDDLE_ERR_BAD_URL', 'control character in the path'))
    const io = core.dispatcher.io
    io[IO.METHOD] = code
    io[IO.FALLBACK] = head ? getCode : -1
    let inm: string | undefined
    if (core.caching) {
      io[IO.ACCEPT] = acceptMask(req.getHeader('accept-encoding'))
      const v = req.getHeader('if-none-match')
      if (v.length > 0) inm = v
    }
    // flags: dispatch hashes the unit key once (lib/traffic).
    const unitKey = traffic.hashing ? traffic.readKey(req) : undefined
    core.dispatcher.dispatch(path, rawQuery, inm, unitKey)
    const id = io[IO.ROUTE]!
    if (id < 0) return miss(core, res, method, path, id)
    const entry = core.entries[id]!
    const hit = io[IO.HIT]! >= 0
    if (hit) {
      answerHit(core, res, entry, head)
      if (io[IO.STALE] === 0) return
    } else if (core.admission !== null && entry.shedding && core.admission.overloaded(core.pending.size)) {
      return shed(core, res, head)
    }
    const params = entry.params(path, core.out)
    const headers = copyHeaders(req)
    const reply = new Reply(hit ? NOWHERE : res)
    const url = rawQuery === undefined ? path : path + '?' + rawQuery
    const request = new Request(method, url, path, params, parseQuery(rawQuery), headers, core.unit(headers), reply)
    reply[kRequest] = request
    attachTraffic(request, traffic, io, IO.UNIT_LO)
    if (hit) return refreshStale(core, entry, request, reply, rawQuery)
    if (entry.cache !== null && cachedMiss(core, entry, request, reply, rawQuery, inm)) return
    if (entry.readsBody && announcesBody(headers)) return readBody(core, entry, request, reply)
    run(core, entry, request, reply)
  }
}

/** 503 with Retry-After, before any handler runs. */
function shed(core: Core, res: UwsResponse, head: boolean): void {
  const admission = core.admission!
  admission.shed++
  // A refusal must cost far less than an answer, or shedding buys nothing:
  // no Error (its stack trace alone costs microseconds), a body built once.
  writeResponse(res, 503, JSON_TYPE, ['retry-after', admission.retryAfter], OVERLOADED_BODY, head, core.closing)
}

const OVERLOADED_BODY = errorPayload(503, ERRORS.GRIDDLE_ERR_OVERLOADED.message, 'GRIDDLE_ERR_OVERLOADED')
