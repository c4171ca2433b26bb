/**
 * A route's `cache` option, compiled once when the route is added: freshness,
 * the key and tag functions, the statuses to keep, the headers its answers carry.
 */
import { GriddleTypeError } from '../errors.js'
import type { Request } from '../server/request.js'

export interface RouteCacheOptions {
  /** How long an entry is fresh, in ms. */
  ttlMs: number
  /** The cache key; default: method, path, query (pair order ignored) and the response encoding. */
  key?: (req: Request) => string
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
    tags: o.tags ?? null,
    statuses: o.statuses === undefined ? null : new Set(o.statuses),
    headers,
    headersVary: ['vary', 'accept-encoding', ...(headers ?? [])],
  }
}

export function cacheable(cache: RouteCache, status: number): boolean {
  return cache.statuses === null ? status >= 200 && status < 300 : cache.statuses.has(status)
}
