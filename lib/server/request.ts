/**
 * `req`: an object built before the handler runs, so it stays valid after
 * `await` (uWS's own request object dies when its callback returns). Its
 * headers are copied from uWS's request on first read while the request is
 * being served synchronously, or else once, right after the handler returned
 * without answering (lib/server/on-request.ts): a plain synchronous answer that
 * never reads them never copies them.
 */
import fqs from 'fast-querystring'
import { ABORTED, type Reply } from './reply.js'
import { kCacheKey, kController, kReply, kState } from '../symbols.js'
import type { UwsRequest } from '../uws.js'
import { cookieIn } from '../util/cookie.js'

const kHeaderDict = Symbol('griddle.headerDict')
/** uWS's request, set by the request handler while the headers may still be copied from it (lib/server/on-request.ts). */
export const kUwsRequest = Symbol('griddle.uwsRequest')
import { flagsOf, kArmsSeq, kFlags, kTraffic, kUnitHashed, kUnitHi, kUnitLo, type RequestFlags, type Traffic } from '../traffic/request-flags.js'

/** Header and query objects without a prototype, so `constructor` or `__proto__` are plain keys. */
export type Dict = Record<string, string>
const Empty = function (this: object) {} as unknown as { new(): Dict }
Empty.prototype = Object.create(null) as object

export class Request {
  constructor(
    /** Upper case, e.g. "GET". */
    readonly method: string,
    /** Path and query as sent, e.g. "/users/1?limit=5". */
    readonly url: string,
    /** The path alone, still percent-encoded. */
    readonly path: string,
    /** Route parameters, decoded (and coerced by a params schema). */
    readonly params: Record<string, unknown>,
    /** Parsed query string (coerced by a query schema). */
    readonly query: Record<string, unknown>,
    /** The headers already copied, or null to copy them from uWS's request on first read (see `headers`). */
    headers: Dict | null,
    /** The unit key (configured header or cookie), or "" when absent. */
    readonly unit: string,
    reply: Reply,
  ) {
    this[kHeaderDict] = headers
    this[kReply] = reply
  }

  /** The copied headers, or null until the first read. */
  [kHeaderDict]: Dict | null;
  /** uWS's request while its callback runs and the headers are not copied yet; null otherwise. */
  [kUwsRequest]: UwsRequest | null = null

  /**
   * Request headers, names in lower case; repeated headers joined with ", ".
   * The same object on every read, for the whole life of the request. (Read
   * for the first time after a synchronous answer, once uWS's request is gone,
   * it is an empty object, and a GRIDDLE_W_HEADERS_LATE warning is emitted once.)
   */
  get headers(): Dict {
    let h = this[kHeaderDict]
    if (h === null) {
      const uws = this[kUwsRequest]
      this[kUwsRequest] = null
      if (uws === null) {
        h = this[kHeaderDict] = new Empty()
        lateRead()
      } else {
        h = this[kHeaderDict] = copyHeaders(uws)
      }
    }
    return h
  }

  /** Parsed JSON, raw bytes (a Buffer), or undefined when there was no body. */
  body: unknown = undefined;
  /**
   * True in a ghost run (docs/releases.md): a candidate version answering a
   * frozen copy of a request whose client was already answered. Its output
   * goes nowhere, so a handler can skip its writes.
   */
  ghost = false;
  readonly [kReply]: Reply;
  /** The response-cache key while this request fills a cache entry. */
  [kCacheKey]: string | undefined = undefined

  /**
   * Aborted when the client goes away or the request times out. Created on
   * first use: an AbortController per request would cost every request.
   */
  get signal(): AbortSignal {
    const reply = this[kReply]
    let controller = reply[kController]
    if (controller === null) {
      controller = reply[kController] = new AbortController()
      if (reply[kState] === ABORTED) controller.abort()
    }
    return controller.signal
  }

  // flags (lib/traffic/request-flags.ts): the unit hash dispatch computed, and
  // the accessor, made on first use.
  [kTraffic]: Traffic | null = null;
  [kUnitLo] = 0;
  [kUnitHi] = 0;
  [kUnitHashed] = -1;
  [kFlags]: RequestFlags | null = null;
  [kArmsSeq] = 0

  /** Feature flags for this request's unit: isEnabled, variant, value. */
  get flags(): RequestFlags {
    return flagsOf(this)
  }

  /** The unit's arm of an experiment, or null when outside it; counts one exposure. */
  experiment(name: string): string | null {
    return flagsOf(this).experiment(name)
  }
}

let warned = false
/** A first read of req.headers after a synchronous answer: nothing to copy any more; said once per process (docs/server.md). */
function lateRead(): void {
  if (warned) return
  warned = true
  process.emitWarning('req.headers was first read after the handler had answered synchronously, when uWS\'s request is gone: it is empty. ' +
    'Read the headers (or keep the ones needed) before answering.', { code: 'GRIDDLE_W_HEADERS_LATE' })
}

let target: Dict = new Empty()
function addHeader(name: string, value: string): void {
  const prev = target[name]
  target[name] = prev === undefined ? value : name === 'cookie' ? `${prev}; ${value}` : `${prev}, ${value}`
}

/** Copies every header; one static callback, so no closure per request. */
export function copyHeaders(req: UwsRequest): Dict {
  const headers = target = new Empty()
  req.forEach(addHeader)
  return headers
}

export function parseQuery(raw: string | undefined): Record<string, unknown> {
  return raw === undefined || raw.length === 0 ? new Empty() : fqs.parse(raw)
}

/** Where the unit key comes from. */
export interface UnitKeySource {
  header?: string
  cookie?: string
  /** Flags and experiments for a request without a key: "off" (default: defaults, no arm) or "empty" (bucketed as the key ""). */
  missing?: 'off' | 'empty'
}

export type UnitReader = (headers: Dict) => string

/** The reader of an app without a unit key: the request handler then reads no header for it. */
export const NO_UNIT: UnitReader = () => ''

/** Builds the function that reads the unit key: the header first, then the cookie. */
export function unitReader(source: UnitKeySource | undefined): UnitReader {
  const header = source?.header?.toLowerCase()
  const cookie = source?.cookie
  if (header === undefined && cookie === undefined) return NO_UNIT
  if (cookie === undefined) return (h) => h[header!] ?? ''
  if (header === undefined) return (h) => cookieIn(h.cookie, cookie) ?? ''
  return (h) => h[header] ?? cookieIn(h.cookie, cookie) ?? ''
}
