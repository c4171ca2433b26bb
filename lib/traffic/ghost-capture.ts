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
}

/** Copies the answer of an `Ended` (a hit's body is a view into a shared buffer, and the handler's bytes are its own). */
export function copyOutput(e: Ended): RawOutput {
  const b = e.body
  const body = b === null || typeof b === 'string' ? b : b instanceof ArrayBuffer ? new Uint8Array(b.slice(0)) : Uint8Array.prototype.slice.call(b)
  return { status: e.status, type: e.type, headers: e.headers === null ? null : e.headers.slice(), body }
}

const JSON_TYPE = /^application\/(?:[\w.+-]*\+)?json\s*(?:;|$)/i

/** The comparison's view of an answer: lower-case headers, and the body parsed when it is JSON (else text; latin1 for bytes). */
export function toCaptured(raw: RawOutput): CapturedOutput {
  const headers: Record<string, string> = {}
  if (raw.type !== null) headers['content-type'] = raw.type
  const h = raw.headers
  if (h !== null) for (let i = 0; i + 1 < h.length; i += 2) headers[h[i]!.toLowerCase()] = h[i + 1]!
  const json = raw.type !== null && JSON_TYPE.test(raw.type)
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

function nullProto<T extends object>(o: T): T {
  return Object.assign(Object.create(null) as T, o)
}

function cloneBody(body: unknown): unknown {
  if (body === undefined || body === null || typeof body !== 'object') return body
  if (Buffer.isBuffer(body)) return Buffer.from(body)
  return structuredClone(body)
}

export function freeze(req: Request): FrozenRequest {
  return {
    method: req.method, url: req.url, path: req.path,
    params: { ...req.params }, query: structuredClone(req.query), headers: nullProto(req.headers),
    body: cloneBody(req.body), unit: req.unit,
    traffic: req[kTraffic], unitLo: req[kUnitLo], unitHi: req[kUnitHi], unitHashed: req[kUnitHashed],
  }
}

/** A new ghost request (req.ghost true) for one run, with its own copies of every part. */
export function thaw(f: FrozenRequest, reply: Reply): Request {
  const req = new Request(f.method, f.url, f.path, { ...f.params }, nullProto(structuredClone(f.query)), nullProto(f.headers), f.unit, reply)
  req.body = cloneBody(f.body)
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
