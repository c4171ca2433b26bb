/**
 * `reply`: the handler's way to set status, headers and content type, in the
 * shape fastify users know (`reply.code(201).header('x', 'y').type('text/plain')`).
 * The body is the handler's return value.
 */
import { GriddleTypeError } from '../errors.js'
import type { Request } from './request.js'
import { kArm, kController, kDeadline, kGhost, kHeaders, kRequest, kRes, kRouteId, kStart, kState, kType } from '../symbols.js'
import { TOKEN } from '../util/http-token.js'
import type { UwsResponse } from '../uws.js'

/** The reply's statistics method index (set by the request handler, which knows it). */
export const kMethodIndex = Symbol('methodIndex')

/** Request states, kept on the reply. */
export const OPEN = 0
export const SENT = 1
export const ABORTED = 2
/** The body is still arriving; the handler has not run. */
export const READING = 3
// eslint-disable-next-line no-control-regex
const UNSAFE_VALUE = /[\r\n\u0000]/
/**
 * Headers uWS writes itself: a second copy would make the response ambiguous.
 * uWS writes Date on every response and has no way to leave it out.
 */
const RESERVED = new Set(['content-length', 'transfer-encoding', 'connection', 'date'])

export class Reply {
  /** The status to answer with (default 200). */
  statusCode = 200;
  [kHeaders]: string[] | null = null;
  [kType]: string | null = null;
  [kState] = OPEN;
  [kController]: AbortController | null = null;
  [kDeadline] = 0;
  [kRequest]: Request | null = null;
  /** releases: the arm id of the version answering (0: the route has no release), and 1 when a ghost run follows. */
  [kArm] = 0;
  [kGhost] = 0;
  /** The socket's response, or null for a background refresh (written nowhere). */
  readonly [kRes]: UwsResponse | null;
  /** The route id, or -1 when no route matched. */
  readonly [kRouteId]: number;
  /** When the request arrived, on performance.now()'s scale (see Ended.start); 0 for a ghost run's reply. */
  readonly [kStart]: number;
  /** telemetry: the method's statistics index (lib/telemetry/stats.ts METHODS), or -1 to look it up at the end. */
  readonly [kMethodIndex]: number;

  constructor(res: UwsResponse | null, route: number, start: number, methodIndex = -1) {
    this[kRes] = res
    this[kRouteId] = route
    this[kStart] = start
    this[kMethodIndex] = methodIndex
  }

  /** Sets the status code (200–599: a 1xx code is not a final answer). */
  code(status: number): this {
    if (!Number.isInteger(status) || status < 200 || status > 599) {
      throw new GriddleTypeError('GRIDDLE_ERR_STATUS', `${String(status)} is not a final status code (200 to 599)`)
    }
    this.statusCode = status
    return this
  }

  /** Same as code(). */
  status(status: number): this {
    return this.code(status)
  }

  /** Adds a response header; `content-type` is the same as type(). */
  header(name: string, value: string | number): this {
    if (typeof name !== 'string' || !TOKEN.test(name)) {
      throw new GriddleTypeError('GRIDDLE_ERR_HEADER', `${JSON.stringify(name)} is not a header name`)
    }
    const v = typeof value === 'number' ? String(value) : value
    if (typeof v !== 'string' || UNSAFE_VALUE.test(v)) {
      throw new GriddleTypeError('GRIDDLE_ERR_HEADER', `the value of ${name} must be a string without CR, LF or NUL`)
    }
    const lower = name.toLowerCase()
    if (lower === 'content-type') return this.type(v)
    if (RESERVED.has(lower)) throw new GriddleTypeError('GRIDDLE_ERR_HEADER', `${name} is set by the server`)
    ;(this[kHeaders] ??= []).push(name, v)
    return this
  }

  /** Adds several headers. */
  headers(values: Record<string, string | number>): this {
    for (const [name, value] of Object.entries(values)) this.header(name, value)
    return this
  }

  /** Sets the content type, overriding the one implied by the returned value. */
  type(contentType: string): this {
    if (typeof contentType !== 'string' || contentType.length === 0 || UNSAFE_VALUE.test(contentType)) {
      throw new GriddleTypeError('GRIDDLE_ERR_HEADER', 'a content type must be a non-empty string without CR, LF or NUL')
    }
    this[kType] = contentType
    return this
  }

  /** The value of a header set on this reply, if any. */
  getHeader(name: string): string | undefined {
    const lower = name.toLowerCase()
    if (lower === 'content-type') return this[kType] ?? undefined
    const list = this[kHeaders]
    if (list === null) return undefined
    for (let i = list.length - 2; i >= 0; i -= 2) if (list[i]!.toLowerCase() === lower) return list[i + 1]
    return undefined
  }

  /** True once the response was written or the client went away. */
  get sent(): boolean {
    const state = this[kState]
    return state === SENT || state === ABORTED
  }
}
