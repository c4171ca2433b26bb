/**
 * The off-heap response cache (native/cache.*): values live outside V8's heap,
 * bounded by bytes, evicted with S3-FIFO, optionally shared by name between
 * every worker thread of the process. See native/cache.h for the design.
 */
import { native, type CacheGetInto } from '../binding.js'
import { CACHE_OPEN_STATUS, GriddleError, GriddleTypeError } from '../errors.js'
import { kCacheHandle, kCacheMeta, kOut } from '../symbols.js'

export interface CacheOptions {
  /** Upper bound on keys + values + per-entry bookkeeping, in bytes. */
  maxBytes: number
  /** Default time to live of entries set through this handle, in ms (0, or over 10^12: none). */
  ttlMs?: number
  /** Attach to the process-wide store of this name (shared by worker threads). */
  name?: string
}

/**
 * A small fixed header stored beside an entry's body, for griddle's server:
 * it answers a cache hit without another lookup. The cache never reads it.
 */
export interface CacheEntryMeta {
  /** HTTP status, 0..65535. */
  status?: number
  /** Which compressed variants exist beside this entry (the server's VARIANT bits), 0..65535. */
  variants?: number
  /** When the entry turns stale, in the server's units (native/dispatch.h), 0..2^32-1; 0: never. */
  freshUntil?: number
  /** Strong validator, 0..2^64-1. */
  etag?: bigint
}

export interface CacheSetOptions {
  /** Time to live in ms, overriding the handle's default (0, or over 10^12: never expires). */
  ttlMs?: number
  /** Tags for invalidateTag (non-empty strings, at most 64). */
  tags?: string[]
  /** For griddle's server; see CacheEntryMeta. */
  meta?: CacheEntryMeta
}

export interface CacheStats {
  entries: number
  bytes: number
  maxBytes: number
  hits: number
  misses: number
  evictions: number
  expirations: number
  /** Entries refused by set because they could never fit. */
  rejected: number
}

const MAX_TAGS = 64
const U64 = (1n << 64n) - 1n

/** Slots of a handle's out array and of the meta array (native/cache.cc CacheOut). */
const L = native.CACHE
// The meta array is the out array from OUT_STATUS on.
const META = L.OUT_STATUS

// Scratch shared by every handle of this thread: set and stats are not
// re-entrant, so one of each is enough.
const metaScratch = new Int32Array(L.META_SIZE)
const statsScratch = new Float64Array(L.STATS_SIZE)

function checkMs(name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) {
    throw new GriddleTypeError('GRIDDLE_ERR_INVALID_OPTION', `${name} must be a non-negative integer (ms)`)
  }
  return v
}

function checkKey(key: unknown): asserts key is string {
  if (typeof key !== 'string') throw new GriddleTypeError('GRIDDLE_ERR_INVALID_ARG', 'key must be a string')
}

function checkUint(name: string, v: unknown, max: number): number {
  if (v === undefined) return 0
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > max) {
    throw new GriddleTypeError('GRIDDLE_ERR_INVALID_OPTION', `meta.${name} must be an integer in 0..${max}`)
  }
  return v
}

function fillMeta(meta: CacheEntryMeta): Int32Array {
  if (meta === null || typeof meta !== 'object') {
    throw new GriddleTypeError('GRIDDLE_ERR_INVALID_OPTION', 'meta must be an object')
  }
  const etag = meta.etag ?? 0n
  if (typeof etag !== 'bigint' || etag < 0n || etag > U64) {
    throw new GriddleTypeError('GRIDDLE_ERR_INVALID_OPTION', 'meta.etag must be a bigint in 0..2^64-1')
  }
  metaScratch[L.OUT_STATUS - META] = checkUint('status', meta.status, 0xffff)
  metaScratch[L.OUT_VARIANTS - META] = checkUint('variants', meta.variants, 0xffff)
  metaScratch[L.OUT_FRESH_UNTIL - META] = checkUint('freshUntil', meta.freshUntil, 0xffffffff)
  metaScratch[L.OUT_ETAG_LO - META] = Number(etag & 0xffffffffn)
  metaScratch[L.OUT_ETAG_HI - META] = Number(etag >> 32n)
  return metaScratch
}

function checkTags(tags: unknown): string[] | null {
  if (tags === undefined) return null
  if (!Array.isArray(tags) || tags.length > MAX_TAGS) {
    throw new GriddleTypeError('GRIDDLE_ERR_INVALID_OPTION', `tags must be an array of at most ${MAX_TAGS} strings`)
  }
  for (const t of tags) {
    if (typeof t !== 'string' || t.length === 0) {
      throw new GriddleTypeError('GRIDDLE_ERR_INVALID_OPTION', 'each tag must be a non-empty string')
    }
  }
  // The native tag index links each entry once per tag: no duplicates.
  return tags.length > 1 ? [...new Set(tags)] : tags
}

export class Cache {
  /** The native handle (its hot getInto function); null once closed. */
  [kCacheHandle]: CacheGetInto | null
  /** Length and metadata of the last getInto hit (or too-small result). */
  readonly [kOut]: Int32Array
  private readonly defaultTtl: number

  constructor(options: CacheOptions) {
    if (options === null || typeof options !== 'object') {
      throw new GriddleTypeError('GRIDDLE_ERR_INVALID_OPTION', 'options must be an object')
    }
    const { maxBytes, name } = options
    if (typeof maxBytes !== 'number' || !Number.isSafeInteger(maxBytes) || maxBytes < 1) {
      throw new GriddleTypeError('GRIDDLE_ERR_INVALID_OPTION', 'maxBytes must be a positive integer')
    }
    this.defaultTtl = options.ttlMs === undefined ? 0 : checkMs('ttlMs', options.ttlMs)
    if (name !== undefined && (typeof name !== 'string' || name.length === 0)) {
      throw new GriddleTypeError('GRIDDLE_ERR_INVALID_OPTION', 'name must be a non-empty string')
    }
    // An explicit ArrayBuffer keeps the memory off the V8 heap, so the native
    // side can keep its address.
    this[kOut] = new Int32Array(new ArrayBuffer(L.OUT_SIZE * 4))
    const handle = native.cacheOpen(name ?? null, maxBytes, this[kOut])
    if (typeof handle === 'number') {
      if (handle === CACHE_OPEN_STATUS.CONFLICT) {
        throw new GriddleError('GRIDDLE_ERR_CACHE_CONFLICT', `cache '${name}' exists with a different maxBytes`)
      }
      throw new GriddleTypeError('GRIDDLE_ERR_INVALID_OPTION', `maxBytes ${maxBytes} was refused`)
    }
    this[kCacheHandle] = handle
  }

  private handle(): CacheGetInto {
    const h = this[kCacheHandle]
    if (h === null) throw new GriddleError('GRIDDLE_ERR_CACHE_CLOSED', 'call close() only when done with the cache')
    return h
  }

  /** Stores a copy of value (a string is stored as UTF-8); false when it can never fit. */
  set(key: string, value: string | Uint8Array, opts?: CacheSetOptions): boolean {
    const h = this.handle()
    checkKey(key)
    if (typeof value !== 'string' && !(value instanceof Uint8Array)) {
      throw new GriddleTypeError('GRIDDLE_ERR_INVALID_ARG', 'value must be a string or a Uint8Array')
    }
    if (opts === undefined) return native.cacheSet(h, key, value, this.defaultTtl, null, null)
    if (opts === null || typeof opts !== 'object') {
      throw new GriddleTypeError('GRIDDLE_ERR_INVALID_OPTION', 'set options must be an object')
    }
    const ttl = opts.ttlMs === undefined ? this.defaultTtl : checkMs('ttlMs', opts.ttlMs)
    const tags = checkTags(opts.tags)
    const meta = opts.meta === undefined ? null : fillMeta(opts.meta)
    return native.cacheSet(h, key, value, ttl, tags, meta)
  }

  /** A copy of the value in a new Buffer, or undefined. Convenience: getInto is the fast path. */
  get(key: string): Buffer | undefined {
    const h = this.handle()
    checkKey(key)
    return native.cacheGet(h, key)
  }

  /**
   * hot path: measure before changing.
   * Copies the value into target and returns its length; CACHE_STATUS.MISS
   * (-1) when absent or expired; CACHE_STATUS.TOO_SMALL (-2) when target is
   * shorter than the value (nothing copied, counted as neither hit nor miss;
   * retry with a larger target, or use get).
   */
  getInto(key: string, target: Uint8Array): number {
    const h = this[kCacheHandle]
    if (typeof key !== 'string') checkKey(key)
    if (!(target instanceof Uint8Array)) {
      throw new GriddleTypeError('GRIDDLE_ERR_INVALID_ARG', 'target must be a Uint8Array')
    }
    if (h === null) return this.handle()(key, target)
    return h(key, target)
  }

  has(key: string): boolean {
    const h = this.handle()
    checkKey(key)
    return native.cacheHas(h, key)
  }

  delete(key: string): boolean {
    const h = this.handle()
    checkKey(key)
    return native.cacheDelete(h, key)
  }

  /** Removes every entry carrying tag; returns how many. */
  invalidateTag(tag: string): number {
    const h = this.handle()
    if (typeof tag !== 'string') throw new GriddleTypeError('GRIDDLE_ERR_INVALID_ARG', 'tag must be a string')
    return native.cacheInvalidateTag(h, tag)
  }

  clear(): void {
    native.cacheClear(this.handle())
  }

  stats(): CacheStats {
    native.cacheStats(this.handle(), statsScratch)
    const s = statsScratch
    return {
      entries: s[0]!, bytes: s[1]!, maxBytes: s[2]!, hits: s[3]!, misses: s[4]!,
      evictions: s[5]!, expirations: s[6]!, rejected: s[7]!,
    }
  }

  /** The largest value a short, untagged key can store in this cache. */
  get maxEntryBytes(): number {
    return native.cacheMaxEntryBytes(this.handle())
  }

  /**
   * Detaches this handle. A private cache frees its memory now; a named one
   * stays for the process's other handles. Later calls throw
   * GRIDDLE_ERR_CACHE_CLOSED; closing twice is harmless.
   */
  close(): void {
    const h = this[kCacheHandle]
    if (h === null) return
    native.cacheClose(h)
    this[kCacheHandle] = null
  }

  /** Length and metadata of the entry the last getInto found, for the server. */
  [kCacheMeta](): { length: number } & Required<CacheEntryMeta> {
    const o = this[kOut]
    return {
      length: o[L.OUT_LENGTH]!, status: o[L.OUT_STATUS]!, variants: o[L.OUT_VARIANTS]!,
      freshUntil: o[L.OUT_FRESH_UNTIL]! >>> 0,
      etag: (BigInt(o[L.OUT_ETAG_HI]! >>> 0) << 32n) | BigInt(o[L.OUT_ETAG_LO]! >>> 0),
    }
  }
}
