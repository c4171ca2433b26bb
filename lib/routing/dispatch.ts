/**
 * The TypeScript twin of native/dispatch.*: the server's one native call per
 * request (route lookup plus, for a cached route, the cache probe with the
 * body copied into `out`), and the cache operations keyed the same way.
 */
import { native, type Dispatch } from '../binding.js'
import type { Cache } from '../cache/cache.js'
import { GriddleError } from '../errors.js'
import type { Router } from './router.js'
import { kCacheHandle, kLookup } from '../symbols.js'

/** Slots of the io Int32Array (native/dispatch.h). */
export const IO = {
  METHOD: 0, FALLBACK: 1, ACCEPT: 2, ROUTE: 3, MATCHED: 4, HIT: 5, STATUS: 6, TYPE: 7, ENCODING: 8,
  NOT_MODIFIED: 9, STALE: 10,
  /** flags: the unit key's hash (low, high 32 bits) and whether a key was given. */
  UNIT_LO: 11, UNIT_HI: 12, UNIT_SET: 13,
} as const

/** Per-route cache modes. */
export const MODE = { NONE: 0, DEFAULT_KEY: 1, CUSTOM_KEY: 2 } as const

/** Encodings, as io and the variant bits use them. */
export const ENCODING = { IDENTITY: 0, GZIP: 1, BR: 2 } as const
export const VARIANT = { GZIP: 1 << 8, BR: 1 << 9 } as const

/** IO.HIT when the entry is larger than the output buffer. */
export const HIT_TOO_LARGE = -2

/** A hit's ETag text (`"` + 16 hex digits + `"`) starts `out`; its body follows. */
export const ETAG_TEXT = 18

/** Fresh-until times are deciseconds since this instant (native/dispatch.cc). */
const FRESH_EPOCH_MS = Date.UTC(2026, 0, 1)

export interface StoreOptions {
  ttlMs: number
  tags: string[] | null
  status: number
  /** The Content-Type header value (ASCII, at most 255 bytes). */
  type: string
  /** VARIANT bits: which compressed variants exist beside this identity entry. */
  variants: number
  /** When the entry turns stale (ms since the epoch), or 0 for no stale window. */
  freshUntilMs: number
}

export class Dispatcher {
  readonly io: Int32Array
  readonly out: Uint8Array
  /** The ETag of the last hit: a fixed view of the start of `out`. */
  readonly etagView: Uint8Array
  /** Views of the content type of a hit, by its length: windows on `out` made once each. */
  private readonly typeViews: Uint8Array[] = []
  private readonly typeBytes = new Map<string, Uint8Array>()
  /** hot path: (path, query?, ifNoneMatch?) → results in `io`, a hit's body in `out`. */
  readonly dispatch: Dispatch

  constructor(router: Router<unknown>, cache: Cache | null, outBytes: number) {
    this.io = new Int32Array(new ArrayBuffer(native.DISPATCH_IO_SIZE * 4))
    this.out = new Uint8Array(new ArrayBuffer(outBytes))
    this.etagView = this.out.subarray(0, ETAG_TEXT)
    const handle = cache === null ? null : cache[kCacheHandle]
    if (cache !== null && handle === null) throw new GriddleError('GRIDDLE_ERR_CACHE_CLOSED', 'the response cache is closed')
    this.dispatch = native.dispatchCreate(router[kLookup], handle, this.io, this.out)
  }

  setMode(routeId: number, mode: number): void {
    native.dispatchSetMode(this.dispatch, routeId, mode)
  }

  /** The default key: method code, path, and the query with its pairs sorted. */
  key(methodCode: number, path: string, query?: string): string {
    return native.dispatchKey(this.dispatch, methodCode, path, query)
  }

  /** The key of an application-chosen cache key (never equal to a default key). */
  customKey(key: string): string {
    return '\u0003' + key
  }

  /** Probes a key computed in JavaScript; results in io/out as for dispatch. */
  probe(key: string, ifNoneMatch?: string): void {
    native.dispatchProbe(this.dispatch, key, ifNoneMatch)
  }

  store(key: string, encoding: number, body: Uint8Array, o: StoreOptions): boolean {
    let type = this.typeBytes.get(o.type)
    if (type === undefined) {
      type = Buffer.from(o.type, 'latin1')
      if (type.byteLength > 255 || Buffer.from(type).toString('latin1') !== o.type) return false
      if (this.typeBytes.size < 64) this.typeBytes.set(o.type, type)
    }
    if (ETAG_TEXT + 1 + type.byteLength + body.byteLength > this.out.byteLength) return false
    const freshUntil = o.freshUntilMs > 0 ? Math.max(1, Math.ceil((o.freshUntilMs - FRESH_EPOCH_MS) / 100)) : 0
    return native.dispatchStore(this.dispatch, key, encoding, body, o.ttlMs, o.tags, o.status, type, o.variants, freshUntil)
  }

  /** Removes the entry and its compressed variants; returns how many were removed. */
  delete(key: string): number {
    return native.dispatchDelete(this.dispatch, key)
  }

  /** The content type of the last hit: a view of `out`, valid until the next dispatch or probe. */
  typeView(): Uint8Array {
    const n = this.io[IO.TYPE]! & 0xff
    return this.typeViews[n] ??= this.out.subarray(ETAG_TEXT + 1, ETAG_TEXT + 1 + n)
  }

  /** The body of the last hit: a view of `out`, valid until the next dispatch or probe. */
  body(): Uint8Array {
    const at = ETAG_TEXT + 1 + (this.io[IO.TYPE]! & 0xff)
    return this.out.subarray(at, at + this.io[IO.HIT]!)
  }

  /** The ETag of the last hit, as text. */
  etag(): string {
    return String.fromCharCode(...this.etagView)
  }
}
