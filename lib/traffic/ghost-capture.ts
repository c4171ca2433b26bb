/**
 * What a ghost run copies at the end point (lib/server/end.ts), where the
 * `Ended` record and its request are valid only during onEnd: the answer
 * (status, headers, body bytes) and a frozen request (params, query,
 * headers, body, unit hash). Copying is all that happens there; parsing the
 * body waits for the ghost run, after the client's bytes are sent.
 */
import type { Ended } from '../server/end.js'
import type { Reply } from '../server/reply.js'
import { Request, type Dict } from '../server/request.js'
import { kTraffic, kUnitHashed, kUnitHi, kUnitLo, type Traffic } from './request-flags.js'
import type { CapturedOutput, GhostExample } from './release-types.js'

/** An answer as the end point saw it, copied. */
export interface RawOutput {
  status: number
  type: string | null
  /** name, value, ... as the reply set them. */
  headers: string[] | null
  body: string | Uint8Array | null
  /** Why the run counts as failed (threw, timed out), or null for an answer; a failed output's other fields are meaningless. */
  error: string | null
}

/** Copies the answer of an `Ended` (a hit's body is a view into a shared buffer, and the handler's bytes are its own). */
export function copyOutput(e: Ended): RawOutput {
  const b = e.body
  // A string is immutable and shared as is: only bytes are copied.
  const body = b === null || typeof b === 'string' ? b : b instanceof ArrayBuffer ? new Uint8Array(b.slice(0)) : Uint8Array.prototype.slice.call(b)
  return { status: e.status, type: e.type, headers: e.headers === null ? null : e.headers.slice(), body, error: null }
}

/** A failed run's raw output. */
export function failedRaw(error: string): RawOutput {
  return { status: 0, type: null, headers: null, body: null, error }
}

const JSON_TYPE = /^application\/(?:[\w.+-]*\+)?json\s*(?:;|$)/i

function isJson(type: string | null): boolean {
  return type !== null && JSON_TYPE.test(type)
}

/** A header of a raw output as toCaptured would show it: the last one of that name, or the content type. `name` is lower case. */
export function rawHeader(raw: RawOutput, name: string): string | undefined {
  const h = raw.headers
  if (h !== null) for (let i = h.length - 2; i >= 0; i -= 2) if (h[i]!.toLowerCase() === name) return h[i + 1]!
  return name === 'content-type' && raw.type !== null ? raw.type : undefined
}

/**
 * True when toCaptured would give both the same body: the same bytes, read
 * the same way (both JSON or neither). Equal bytes parse to equal values, so
 * a body diff of the two would be empty whatever the ignore list says.
 */
export function sameRawBody(a: RawOutput, b: RawOutput): boolean {
  if (a.type !== b.type && isJson(a.type) !== isJson(b.type)) return false
  const x = a.body
  const y = b.body
  if (x === null || typeof x === 'string' || y === null || typeof y === 'string') return x === y
  return x.byteLength === y.byteLength && Buffer.compare(x, y) === 0
}

/** The comparison's view of an answer: lower-case headers, and the body parsed when it is JSON (else text; latin1 for bytes). */
export function toCaptured(raw: RawOutput): CapturedOutput {
  if (raw.error !== null) return failed(raw.error)
  const headers: Record<string, string> = {}
  if (raw.type !== null) headers['content-type'] = raw.type
  const h = raw.headers
  if (h !== null) for (let i = 0; i + 1 < h.length; i += 2) headers[h[i]!.toLowerCase()] = h[i + 1]!
  const json = isJson(raw.type)
  let body: unknown = raw.body ?? ''
  if (raw.body instanceof Uint8Array) body = Buffer.from(raw.body.buffer, raw.body.byteOffset, raw.body.byteLength).toString(json ? 'utf8' : 'latin1')
  if (json && typeof body === 'string' && body.length > 0) {
    try {
      body = JSON.parse(body)
    } catch {
      // Not JSON after all: compared as text.
    }
  }
  return { status: raw.status, headers, body, error: null }
}

/** A failed run's output: status and body are meaningless. */
export function failed(error: string): CapturedOutput {
  return { status: 0, headers: {}, body: undefined, error }
}

/** A request, frozen: every run gets its own copy, so neither version sees the other's changes. */
export interface FrozenRequest {
  method: string
  url: string
  path: string
  params: Record<string, unknown>
  query: Record<string, unknown>
  headers: Dict
  body: unknown
  unit: string
  traffic: Traffic | null
  unitLo: number
  unitHi: number
  unitHashed: number
}

/** Objects without a prototype's keys, as the request's own Dict: Object.create(null) would start in dictionary mode, several times slower to fill. */
const Empty = function (this: object) {} as unknown as { new(): Record<string, unknown> }
Empty.prototype = Object.create(null) as object

function nullProto<T extends object>(o: T): T {
  const out = new Empty()
  for (const k in o) out[k] = (o as Record<string, unknown>)[k]
  return out as T
}

function cloneBody(body: unknown): unknown {
  if (body === undefined || body === null || typeof body !== 'object') return body
  if (Buffer.isBuffer(body)) return Buffer.from(body)
  return structuredClone(body)
}

/** A query of strings (what the parser gives) is copied key by key; structuredClone, ten times dearer, only when a schema made objects. */
function cloneQuery(q: Record<string, unknown>): Record<string, unknown> {
  const out = new Empty()
  for (const k in q) {
    const v = q[k]
    if (typeof v === 'object' && v !== null) return nullProto(structuredClone(q))
    out[k] = v
  }
  return out
}

export function freeze(req: Request): FrozenRequest {
  return {
    method: req.method, url: req.url, path: req.path,
    params: { ...req.params }, query: cloneQuery(req.query), headers: nullProto(req.headers),
    body: cloneBody(req.body), unit: req.unit,
    traffic: req[kTraffic], unitLo: req[kUnitLo], unitHi: req[kUnitHi], unitHashed: req[kUnitHashed],
  }
}

/**
 * A new ghost request (req.ghost true) for one run. `last`: no other run
 * reads the frozen copy after this one, so it takes the frozen params, query
 * and body as they are instead of copying them again; the headers are still
 * copied, since an example shows them as the client sent them.
 */
export function thaw(f: FrozenRequest, reply: Reply, last: boolean): Request {
  const params = last ? f.params : { ...f.params }
  const query = last ? f.query : cloneQuery(f.query)
  const req = new Request(f.method, f.url, f.path, params, query, nullProto(f.headers), f.unit, reply)
  req.body = last ? f.body : cloneBody(f.body)
  req.ghost = true
  req[kTraffic] = f.traffic
  req[kUnitLo] = f.unitLo
  req[kUnitHi] = f.unitHi
  req[kUnitHashed] = f.unitHashed
  return req
}

/** The frozen request as an example shows it. */
export function described(f: FrozenRequest): GhostExample['request'] {
  return { method: f.method, url: f.url, headers: { ...f.headers } }
}
