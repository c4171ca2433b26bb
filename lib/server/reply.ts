/**
 * `reply`: the handler's way to set status, headers and content type, in the
 * shape fastify users know (`reply.code(201).header('x', 'y').type('text/plain')`).
 * The body is the handler's return value. The functions below write a
 * response to uWS; everything they write per request is prebuilt here.
 */
import { STATUS_CODES } from 'node:http'
import { GriddleTypeError } from '../errors.js'
import type { Serializer } from '../schema/serialize.js'
import type { Request } from './request.js'
import { kController, kDeadline, kHeaders, kRequest, kRes, kState, kType } from '../symbols.js'
import { STRINGS_AS_BYTES, type UwsResponse } from '../uws.js'

/** Request states, kept on the reply. */
export const OPEN = 0
export const SENT = 1
export const ABORTED = 2
/** The body is still arriving; the handler has not run. */
export const READING = 3

export const JSON_TYPE = 'application/json; charset=utf-8'
export const TEXT_TYPE = 'text/plain; charset=utf-8'
export const BYTES_TYPE = 'application/octet-stream'

/** `STATUS_LINES[code]` is uWS's writeStatus argument, e.g. "404 Not Found". */
export const STATUS_LINES: string[] = []
for (let code = 100; code <= 599; code++) STATUS_LINES[code] = `${code} ${STATUS_CODES[code] ?? 'Unknown'}`

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/
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
  readonly [kRes]: UwsResponse;

  constructor(res: UwsResponse) {
    this[kRes] = res
  }

  /** Sets the status code (100–599). */
  code(status: number): this {
    if (!Number.isInteger(status) || status < 100 || status > 599) {
      throw new GriddleTypeError('GRIDDLE_ERR_STATUS', `${String(status)} is not a status code from 100 to 599`)
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

/** The response body and its content type, computed before anything is written. */
export interface Body {
  payload: string | Uint8Array | ArrayBuffer
  type: string | null
}

/**
 * Turns a handler's return value into bytes: strings are text, bytes are
 * bytes, undefined is an empty body, anything else is JSON through the
 * route's serializer. Throws what the serializer throws.
 */
export function toBody(value: unknown, serialize: Serializer, body: Body): void {
  if (typeof value === 'string') {
    body.payload = value
    body.type = TEXT_TYPE
  } else if (value === undefined) {
    body.payload = ''
    body.type = null
  } else if (typeof value === 'object' && value !== null && (ArrayBuffer.isView(value) || value instanceof ArrayBuffer)) {
    body.payload = ArrayBuffer.isView(value) ? new Uint8Array(value.buffer, value.byteOffset, value.byteLength) : value
    body.type = BYTES_TYPE
  } else {
    body.payload = serialize(value)
    body.type = JSON_TYPE
  }
}

function byteLength(payload: string | Uint8Array | ArrayBuffer): number {
  return typeof payload === 'string' ? Buffer.byteLength(payload) : payload.byteLength
}

/**
 * Writes status, headers and body. `head` answers without the body but with
 * its length; `close` asks uWS to close the connection afterwards.
 */
export function writeResponse(res: UwsResponse, status: number, type: string | null, extra: string[] | null,
  payload: string | Uint8Array | ArrayBuffer, head: boolean, close: boolean): void {
  if (status !== 200) res.writeStatus(STATUS_LINES[status]!)
  if (type !== null) res.writeHeader('content-type', type)
  if (extra !== null) for (let i = 0; i < extra.length; i += 2) res.writeHeader(extra[i]!, extra[i + 1]!)
  if (status === 204 || status === 304) {
    // These statuses never carry a body (RFC 9110 §15.3.5, §15.4.5), whatever the handler returned.
    endEmpty(res, close)
  } else if (head) {
    endHead(res, byteLength(payload), close)
  } else {
    res.end(STRINGS_AS_BYTES && typeof payload === 'string' ? Buffer.from(payload) : payload, close)
  }
}

export function noop(): void {}

/** Ends a response that has no body (204, 304). */
export function endEmpty(res: UwsResponse, close: boolean): void {
  res.onAborted(noop)
  if (close) res.endWithoutBody(0, true)
  else res.endWithoutBody()
}

/**
 * Ends a HEAD response announcing `length` body bytes. uWS 20.30 writes the
 * body of end() even for HEAD, and endWithoutBody(n) leaves the connection
 * waiting for n body bytes (any argument, even undefined, counts). A header
 * plus a bare endWithoutBody() answers and keeps the connection; when it
 * closes anyway, endWithoutBody(n, true) is right. uWS aborts the process if
 * the response has no abort handler.
 */
export function endHead(res: UwsResponse, length: number, close: boolean): void {
  res.onAborted(noop)
  if (close) {
    res.endWithoutBody(length, true)
  } else {
    res.writeHeader('Content-Length', String(length))
    res.endWithoutBody()
  }
}

export interface ErrorPayload {
  statusCode: number
  error: string
  message: string
  code?: string
  field?: string
}

/** The JSON body of an error response (fastify's shape). */
export function errorPayload(status: number, message: string, code?: string, field?: string): string {
  const body: ErrorPayload = { statusCode: status, error: STATUS_CODES[status] ?? 'Error', message }
  if (code !== undefined) body.code = code
  if (field !== undefined) body.field = field
  return JSON.stringify(body)
}
