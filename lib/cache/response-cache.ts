/**
 * Response caching for routes that ask for it: hits answered from the native
 * dispatch call's output buffer (the handler does not run), misses stored
 * after the handler answers, compressed once when stored, concurrent misses
 * for one key served by one handler run (single flight, per thread).
 */
import { brotliCompressSync, constants as zlib, gzipSync } from 'node:zlib'
import { GriddleTypeError } from '../errors.js'
import { ENCODING, IO, VARIANT, type Dispatcher } from '../routing/dispatch.js'
import { STATUS_LINES, endEmpty, endHead } from '../server/reply.js'
import type { Request } from '../server/request.js'
import type { UwsResponse } from '../uws.js'

export interface RouteCacheOptions {
  /** How long an entry is fresh, in ms. */
  ttlMs: number
  /** The cache key; default: method, path, query (pair order ignored) and the response encoding. */
  key?: (req: Request) => string
  /** With `key`: share entries with every other route whose key says `shared: true` (default: this route's own). */
  shared?: boolean
  /** Tags for `app.cache.invalidateTag`. */
  tags?: (req: Request, value: unknown) => string[]
  /** After ttlMs, serve the stale entry for this long while one background refresh runs. */
  staleWhileRevalidateMs?: number
  /** Cache-Control header sent with the route's responses. */
  cacheControl?: string
  /** Statuses to cache (default: every 2xx). Errors are never cached. */
  statuses?: number[]
}

export interface RouteCache {
  readonly ttlMs: number
  readonly swrMs: number
  readonly key: ((req: Request) => string) | null
  /** The key's entries are shared with other routes that share theirs. */
  readonly shared: boolean
  readonly tags: ((req: Request, value: unknown) => string[]) | null
  readonly statuses: ReadonlySet<number> | null
  /** Headers every response of the route carries (Cache-Control), or null. */
  readonly headers: string[] | null
  /** The same plus `Vary: Accept-Encoding`, for bodies that have compressed variants. */
  readonly headersVary: string[]
}

/** Bodies at least this long get gzip and brotli variants when stored. */
export const COMPRESS_MIN_BYTES = 1024

function fail(where: string, detail: string): never {
  throw new GriddleTypeError('GRIDDLE_ERR_INVALID_OPTION', `${where}: cache.${detail}`)
}

export function compileRouteCache(o: RouteCacheOptions | undefined, where: string): RouteCache | null {
  if (o === undefined) return null
  if (o === null || typeof o !== 'object') fail(where, 'must be an object')
  const ms = (name: string, v: unknown, dflt: number) => {
    if (v === undefined) return dflt
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 1e12) fail(where, `${name} must be a whole number of ms`)
    return v
  }
  const ttlMs = ms('ttlMs', o.ttlMs, -1)
  if (ttlMs <= 0) fail(where, 'ttlMs must be a positive whole number of ms')
  if (o.key !== undefined && typeof o.key !== 'function') fail(where, 'key must be a function')
  if (o.shared !== undefined && (typeof o.shared !== 'boolean' || o.key === undefined)) fail(where, 'shared must be a boolean, with a key function')
  if (o.tags !== undefined && typeof o.tags !== 'function') fail(where, 'tags must be a function')
  if (o.cacheControl !== undefined && (typeof o.cacheControl !== 'string' || /[\r\n\0]/.test(o.cacheControl))) {
    fail(where, 'cacheControl must be a header value')
  }
  if (o.statuses !== undefined && (!Array.isArray(o.statuses) || o.statuses.some((s) => !Number.isInteger(s) || s < 200 || s > 399))) {
    fail(where, 'statuses must be status codes from 200 to 399')
  }
  const headers = o.cacheControl === undefined ? null : ['cache-control', o.cacheControl]
  return {
    ttlMs,
    swrMs: ms('staleWhileRevalidateMs', o.staleWhileRevalidateMs, 0),
    key: o.key ?? null,
    shared: o.shared === true,
    tags: o.tags ?? null,
    statuses: o.statuses === undefined ? null : new Set(o.statuses),
    headers,
    headersVary: ['vary', 'accept-encoding', ...(headers ?? [])],
  }
}

export function cacheable(cache: RouteCache, status: number): boolean {
  return cache.statuses === null ? status >= 200 && status < 300 : cache.statuses.has(status)
}

// Accept-Encoding values repeat across requests; parse each distinct one once.
const acceptMemo = new Map<string, number>()

/** 1 gzip, 2 br: the encodings an Accept-Encoding header allows (q=0 refuses). */
export function acceptMask(header: string): number {
  if (header.length === 0) return 0
  let mask = acceptMemo.get(header)
  if (mask !== undefined) return mask
  mask = 0
  for (const part of header.split(',')) {
    const [name, ...params] = part.split(';')
    const token = name!.trim().toLowerCase()
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='))
    if (q !== undefined && !(Number(q.slice(2)) > 0)) continue
    if (token === 'gzip' || token === '*') mask |= ENCODING.GZIP
    if (token === 'br' || token === '*') mask |= ENCODING.BR
  }
  if (acceptMemo.size >= 256) acceptMemo.clear()
  acceptMemo.set(header, mask)
  return mask
}

const CONTENT_ENCODING = ['', 'gzip', 'br']

/**
 * Answers from the hit in the dispatcher's buffer: 304 when If-None-Match
 * named its ETag.
 */
export function sendHit(d: Dispatcher, res: UwsResponse, cache: RouteCache, head: boolean, close: boolean): void {
  const io = d.io
  const etag = d.etagView
  const type = io[IO.TYPE]!
  // Bodies too small to compress have no variants, so their answer does not vary.
  const h = (type & (VARIANT.GZIP | VARIANT.BR)) !== 0 ? cache.headersVary : cache.headers
  if (io[IO.NOT_MODIFIED] === 1) {
    res.writeStatus('304 Not Modified')
    res.writeHeader('etag', etag)
    if (h !== null) for (let i = 0; i < h.length; i += 2) res.writeHeader(h[i]!, h[i + 1]!)
    endEmpty(res, close)
    return
  }
  const status = io[IO.STATUS]!
  if (status !== 200) res.writeStatus(STATUS_LINES[status]!)
  res.writeHeader('content-type', d.typeView())
  res.writeHeader('etag', etag)
  const encoding = io[IO.ENCODING]!
  if (encoding !== 0) res.writeHeader('content-encoding', CONTENT_ENCODING[encoding]!)
  if (h !== null) for (let i = 0; i < h.length; i += 2) res.writeHeader(h[i]!, h[i + 1]!)
  if (head) {
    endHead(res, io[IO.HIT]!, close)
  } else {
    res.end(d.body(), close)
  }
}

export interface StoredResponse {
  status: number
  type: string
  payload: string | Uint8Array | ArrayBuffer
  tags: string[] | null
}

/**
 * Stores a response under key, with compressed variants for large bodies.
 * Returns the identity entry's ETag (what its hits will send), or null when
 * it was not stored.
 */
export function storeResponse(d: Dispatcher, cache: RouteCache, key: string, r: StoredResponse): string | null {
  const body = typeof r.payload === 'string' ? Buffer.from(r.payload) : new Uint8Array(r.payload as ArrayBuffer)
  const ttlMs = cache.ttlMs + cache.swrMs
  const freshUntilMs = cache.swrMs > 0 ? Date.now() + cache.ttlMs : 0
  const base = { ttlMs, tags: r.tags, status: r.status, type: r.type, variants: 0, freshUntilMs }
  if (body.byteLength >= COMPRESS_MIN_BYTES) {
    const gz = gzipSync(body, { level: 6 })
    const br = brotliCompressSync(body, { params: { [zlib.BROTLI_PARAM_QUALITY]: 5, [zlib.BROTLI_PARAM_SIZE_HINT]: body.byteLength } })
    if (d.store(key, ENCODING.GZIP, gz, base)) base.variants |= VARIANT.GZIP
    if (d.store(key, ENCODING.BR, br, base)) base.variants |= VARIANT.BR
  }
  return d.store(key, ENCODING.IDENTITY, body, base) ? d.etag() : null
}

/** One handler run per key at a time; later misses wait for it. */
export class Flights {
  private readonly waiting = new Map<string, Array<() => void>>()

  /** True when a run for key is under way (the caller waits with `then`). */
  busy(key: string): boolean {
    return this.waiting.has(key)
  }

  begin(key: string): void {
    this.waiting.set(key, [])
  }

  then(key: string, resume: () => void): void {
    this.waiting.get(key)!.push(resume)
  }

  end(key: string): void {
    const list = this.waiting.get(key)
    if (list === undefined) return
    this.waiting.delete(key)
    for (const resume of list) resume()
  }
}
