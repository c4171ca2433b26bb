/**
 * A route's `cache` option, compiled once when the route is added: freshness,
 * the key and tag functions, the statuses to keep, the headers its answers carry.
 */
import { functionOption, intOption, knownKeys, optionError } from '../util/check.js'
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

const ROUTE_CACHE_OPTIONS = ['ttlMs', 'key', 'tags', 'staleWhileRevalidateMs', 'cacheControl', 'statuses'] as const satisfies
  ReadonlyArray<keyof RouteCacheOptions>

function fail(where: string, detail: string): never {
  optionError(`${where}: cache.${detail}`)
}

export function compileRouteCache(options: RouteCacheOptions | undefined, where: string): RouteCache | null {
  if (options === undefined) return null
  if (options === null || typeof options !== 'object') fail(where, 'must be an object')
  knownKeys(options, ROUTE_CACHE_OPTIONS, where, 'cache.')
  const o = options as unknown as Record<string, unknown>
  const ms = (name: string, v: unknown, dflt: number) => intOption(`${where}: cache.${name}`, v, dflt, 0, 1e12)
  const ttlMs = ms('ttlMs', o.ttlMs, -1)
  if (ttlMs <= 0) fail(where, 'ttlMs must be a positive whole number of ms')
  const key = functionOption<(req: Request) => string>(`${where}: cache.key`, o.key)
  const tags = functionOption<(req: Request, value: unknown) => string[]>(`${where}: cache.tags`, o.tags)
  const cacheControl = o.cacheControl
  if (cacheControl !== undefined && (typeof cacheControl !== 'string' || /[\r\n\0]/.test(cacheControl))) {
    fail(where, 'cacheControl must be a header value')
  }
  const statuses = o.statuses
  if (statuses !== undefined && (!Array.isArray(statuses) || statuses.some((s) => !Number.isInteger(s) || s < 200 || s > 399))) {
    fail(where, 'statuses must be status codes from 200 to 399')
  }
  const headers = cacheControl === undefined ? null : ['cache-control', cacheControl as string]
  return {
    ttlMs,
    swrMs: ms('staleWhileRevalidateMs', o.staleWhileRevalidateMs, 0),
    key,
    tags,
    statuses: statuses === undefined ? null : new Set(statuses as number[]),
    headers,
    headersVary: ['vary', 'accept-encoding', ...(headers ?? [])],
  }
}

export function cacheable(cache: RouteCache, status: number): boolean {
  return cache.statuses === null ? status >= 200 && status < 300 : cache.statuses.has(status)
}
