/**
 * The admin listener: a second uWS app, on 127.0.0.1 by default, that serves
 * a small table of routes (`{ method, path, handler }`) mounted by modules
 * (telemetry today; releases, audit and debug later). Every request needs the
 * bearer token; bad input gets a coded JSON error. It is off the request
 * path: clarity over speed.
 */
import { STATUS_CODES } from 'node:http'
import { GriddleError, type ErrorCode } from '../errors.js'
import { closeListenSocket, createUwsApp, LISTEN_EXCLUSIVE, localPort, type ListenSocket, type UwsApp, type UwsResponse } from '../uws.js'
import { TokenCheck, bearer, cookieToken, setCookie } from './auth.js'

export interface AdminRequest {
  method: string
  path: string
  query: URLSearchParams
  /** Lower-case header names. */
  headers: Record<string, string>
  body: string
}

export interface AdminAnswer {
  status?: number
  type?: string
  headers?: Record<string, string>
  body: string | Uint8Array
}

export type AdminHandler = (req: AdminRequest) => AdminAnswer | Promise<AdminAnswer>

export interface AdminRoute {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE'
  /** An exact path ("/metrics"), or with `prefix`, a path ending in "/" that every path under it matches. */
  path: string
  /** True: the route answers every path that starts with `path` (the releases routes carry the route and version in the path). */
  prefix?: boolean
  handler: AdminHandler
  /**
   * What an unauthenticated request gets instead of the JSON 401: the
   * dashboard answers browsers with its login form.
   */
  unauthorized?: AdminHandler
}

/** Admin bodies are small (a login form, a release command). */
const MAX_BODY = 64 * 1024
const JSON_TYPE = 'application/json; charset=utf-8'

/** A coded JSON error answer, in the shape of the app's own errors. */
export function adminError(code: ErrorCode, detail?: string, status?: number): AdminAnswer {
  const err = new GriddleError(code, detail)
  const s = status ?? err.statusCode ?? 500
  return { status: s, type: JSON_TYPE, body: JSON.stringify({ statusCode: s, error: STATUS_CODES[s] ?? 'Error', message: err.message, code }) }
}

/** A handler's thrown error: its own coded answer when it names a status, else a 500. */
function thrownAnswer(err: unknown): AdminAnswer {
  if (err instanceof GriddleError && err.statusCode !== undefined) {
    const s = err.statusCode
    return json({ statusCode: s, error: STATUS_CODES[s] ?? 'Error', message: err.message, code: err.code }, s)
  }
  return adminError('GRIDDLE_ERR_INTERNAL', err instanceof Error ? err.message : String(err), 500)
}

export function json(value: unknown, status = 200): AdminAnswer {
  return { status, type: JSON_TYPE, body: JSON.stringify(value) }
}

export class AdminListener {
  private readonly routes = new Map<string, AdminRoute[]>()
  private readonly check: TokenCheck
  private uws: UwsApp | null = null
  private socket: ListenSocket | null = null

  constructor(token: string, routes: readonly AdminRoute[] = []) {
    this.check = new TokenCheck(token)
    for (const r of routes) this.mount(r)
  }

  /** Adds a route; a module mounts its table with one call per entry. */
  mount(route: AdminRoute): this {
    const list = this.routes.get(route.path) ?? []
    if (list.some((r) => r.method === route.method)) throw new GriddleError('GRIDDLE_ERR_ROUTE_CONFLICT', `admin ${route.method} ${route.path}`)
    list.push(route)
    this.routes.set(route.path, list)
    return this
  }

  /** Listens; port 0 picks a free one. Resolves with the bound port. */
  async listen(host: string, port: number): Promise<number> {
    const app = this.uws = createUwsApp()
    app.any('/*', (res, req) => {
      const method = req.getMethod().toUpperCase()
      const path = req.getUrl()
      const query = new URLSearchParams(req.getQuery() ?? '')
      const headers: Record<string, string> = {}
      req.forEach((k, v) => { headers[k] = v })
      const state = { aborted: false }
      res.onAborted(() => { state.aborted = true })
      this.receive(res, state, method, path, query, headers)
    })
    const socket = await new Promise<ListenSocket | false>((resolve) => app.listen(host, port, LISTEN_EXCLUSIVE, resolve))
    if (socket === false) {
      app.close()
      this.uws = null
      throw new GriddleError('GRIDDLE_ERR_LISTEN', `admin listener on ${host}:${port}: the port is busy or the address is not local`)
    }
    this.socket = socket
    return localPort(socket)
  }

  close(): void {
    if (this.socket !== null) closeListenSocket(this.socket)
    this.socket = null
    this.uws?.close()
    this.uws = null
  }

  private receive(res: UwsResponse, state: { aborted: boolean }, method: string, path: string, query: URLSearchParams,
    headers: Record<string, string>): void {
    if (method === 'GET' || method === 'HEAD') return void this.answer(res, state, { method, path, query, headers, body: '' })
    const chunks: Buffer[] = []
    let size = 0
    res.onData((chunk, last) => {
      if (size < 0) return
      size += chunk.byteLength
      if (size > MAX_BODY) {
        size = -1
        return this.write(res, state, adminError('GRIDDLE_ERR_BODY_TOO_LARGE', `admin bodies are at most ${MAX_BODY} bytes`), true)
      }
      chunks.push(Buffer.from(chunk.slice(0)))
      if (last) void this.answer(res, state, { method, path, query, headers, body: Buffer.concat(chunks).toString('utf8') })
    })
  }

  private async answer(res: UwsResponse, state: { aborted: boolean }, req: AdminRequest): Promise<void> {
    let answer: AdminAnswer
    try {
      answer = await this.route(req)
    } catch (err) {
      answer = thrownAnswer(err)
    }
    this.write(res, state, answer, false)
  }

  private async route(req: AdminRequest): Promise<AdminAnswer> {
    const list = this.routes.get(req.path) ?? this.under(req.path)
    const method = req.method === 'HEAD' ? 'GET' : req.method
    const route = list?.find((r) => r.method === method)
    if (req.path === '/login' && req.method === 'POST') return this.login(req)
    const given = bearer(req.headers.authorization ?? '') ?? cookieToken(req.headers.cookie ?? '') ?? req.query.get('token')
    if (!this.check.matches(given)) {
      if (route?.unauthorized !== undefined) return route.unauthorized(req)
      return { ...adminError('GRIDDLE_ERR_UNAUTHORIZED'), headers: { 'www-authenticate': 'Bearer realm="griddle admin"' } }
    }
    // A token in the URL becomes a cookie, and leaves the address bar.
    if (req.query.has('token') && req.method === 'GET') {
      const rest = new URLSearchParams(req.query)
      rest.delete('token')
      const q = rest.toString()
      return { status: 303, headers: { location: req.path + (q.length > 0 ? '?' + q : ''), 'set-cookie': setCookie(given!) }, body: '' }
    }
    if (list === undefined) return adminError('GRIDDLE_ERR_NOT_FOUND', `no admin route ${req.path}`)
    if (route === undefined) return { ...adminError('GRIDDLE_ERR_METHOD_NOT_ALLOWED', `${req.method} ${req.path}`), headers: { allow: list.map((r) => r.method).join(', ') } }
    return route.handler(req)
  }

  /** The routes of the longest prefix route holding `path`, if any. */
  private under(path: string): AdminRoute[] | undefined {
    let best: AdminRoute[] | undefined
    let length = -1
    for (const [p, list] of this.routes) {
      if (p.length > length && path.startsWith(p) && list.some((r) => r.prefix === true)) {
        best = list.filter((r) => r.prefix === true)
        length = p.length
      }
    }
    return best
  }

  /** The login form's POST: a right token becomes the HttpOnly cookie. */
  private login(req: AdminRequest): AdminAnswer {
    const type = req.headers['content-type'] ?? ''
    if (!type.startsWith('application/x-www-form-urlencoded')) {
      return adminError('GRIDDLE_ERR_MEDIA_TYPE', 'the login form is application/x-www-form-urlencoded')
    }
    const token = new URLSearchParams(req.body).get('token')
    if (token === null) return adminError('GRIDDLE_ERR_BAD_REQUEST', 'the login form has no token field')
    if (!this.check.matches(token)) return adminError('GRIDDLE_ERR_UNAUTHORIZED')
    return { status: 303, headers: { location: '/', 'set-cookie': setCookie(token) }, body: '' }
  }

  private write(res: UwsResponse, state: { aborted: boolean }, a: AdminAnswer, close: boolean): void {
    if (state.aborted) return
    state.aborted = true  // answered: nothing more may be written
    const status = a.status ?? 200
    res.cork(() => {
      res.writeStatus(`${status} ${STATUS_CODES[status] ?? 'Unknown'}`)
      if (a.type !== undefined) res.writeHeader('content-type', a.type)
      res.writeHeader('cache-control', 'no-store')
      for (const [k, v] of Object.entries(a.headers ?? {})) res.writeHeader(k, v)
      res.end(a.body, close)
    })
  }
}
