/**
 * The cache store: a handler's answer kept under its key, compressed once
 * (gzip and brotli) when its body is large enough to gain from it.
 */
import { brotliCompressSync, constants as zlib, gzipSync } from 'node:zlib'
import { ENCODING, VARIANT, type Dispatcher } from '../routing/dispatch.js'
import { COMPRESS_MIN_BYTES, cacheable, type RouteCache } from './route-options.js'
import type { Core, RouteEntry } from '../server/core.js'
import type { Reply } from '../server/reply.js'
import type { Request } from '../server/request.js'
import { kCacheKey, kHeaders } from '../symbols.js'
import { kArmsSeq } from '../traffic/request-flags.js'

export interface StoredResponse {
  status: number
  type: string
  payload: string | Uint8Array | ArrayBuffer
  tags: string[] | null
}

/**
 * Stores a response under key, with compressed variants for large bodies:
 * all of them or none, each marked with the variants that exist, so every
 * hit of the key (identity, gzip, br) carries `Vary: Accept-Encoding`.
 * Returns the identity entry's ETag (what its hits will send), or null when
 * nothing was stored (a body over maxEntryBytes, or a store that failed).
 */
export function storeResponse(d: Dispatcher, cache: RouteCache, key: string, r: StoredResponse, maxEntryBytes: number): string | null {
  const body = typeof r.payload === 'string' ? Buffer.from(r.payload) : new Uint8Array(r.payload as ArrayBuffer)
  if (body.byteLength > maxEntryBytes) return null
  const ttlMs = cache.ttlMs + cache.swrMs
  const freshUntilMs = cache.swrMs > 0 ? Date.now() + cache.ttlMs : 0
  const large = body.byteLength >= COMPRESS_MIN_BYTES
  const variants = large ? VARIANT.GZIP | VARIANT.BR : 0
  const base = { ttlMs, tags: r.tags, status: r.status, type: r.type, variants, freshUntilMs }
  // Identity first: when it is refused (its content type, the cache's size), nothing is compressed in vain.
  if (!d.store(key, ENCODING.IDENTITY, body, base)) return null
  const etag = d.etag()
  if (!large) return etag
  const gz = gzipSync(body, { level: 6 })
  const br = brotliCompressSync(body, { params: { [zlib.BROTLI_PARAM_QUALITY]: 5, [zlib.BROTLI_PARAM_SIZE_HINT]: body.byteLength } })
  if (d.store(key, ENCODING.GZIP, gz, base) && d.store(key, ENCODING.BR, br, base)) return etag
  d.delete(key)
  return null
}

/**
 * Stores a successful response of a cached route (before waiters are resumed).
 * Returns the stored entry's ETag, or null when nothing was stored.
 */
export function remember(core: Core, entry: RouteEntry, req: Request, reply: Reply, value: unknown, type: string | null,
  payload: string | Uint8Array | ArrayBuffer): string | null {
  const cache = entry.cache!
  const status = reply.statusCode
  if (!cacheable(cache, status) || type === null || reply[kHeaders] !== null) return null
  // experiments: a reload since dispatch may have moved the unit's arm; its body would land under the old arm's key.
  if (entry.experiments !== null && entry.experiments.store.seq() !== req[kArmsSeq]) return null
  try {
    const tags = cache.tags === null ? null : cache.tags(req, value)
    return storeResponse(core.dispatcher, cache, req[kCacheKey]!, { status, type, payload, tags }, core.maxEntryBytes)
  } catch (err) {
    core.report(err, req)
    return null
  }
}
