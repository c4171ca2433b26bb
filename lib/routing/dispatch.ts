/**
 * The TypeScript twin of native/dispatch.*: the server's one native call per
 * request (route lookup plus, for a cached route, the cache probe with the
 * body copied into `out`), and the cache operations keyed the same way.
 */
import { performance } from 'node:perf_hooks'
import { native, type Dispatch, type FlagsEval } from '../binding.js'
import type { Cache } from '../cache/cache.js'
import { GriddleError } from '../errors.js'
import type { Router } from './router.js'
import { kCacheHandle, kLookup } from '../symbols.js'

const L = native.DISPATCH

/** Slots of the io Int32Array, read from native/dispatch.h. */
export const IO = {
  METHOD: L.IO_METHOD, FALLBACK: L.IO_FALLBACK, ACCEPT: L.IO_ACCEPT, ROUTE: L.IO_ROUTE, MATCHED: L.IO_MATCHED,
  HIT: L.IO_HIT, STATUS: L.IO_STATUS, TYPE: L.IO_TYPE, ENCODING: L.IO_ENCODING, NOT_MODIFIED: L.IO_NOT_MODIFIED,
  STALE: L.IO_STALE, SIZE: L.IO_SIZE,
  /** flags: the unit key's hash (low, high 32 bits) and whether a key was given. */
  UNIT_LO: L.IO_UNIT_LO, UNIT_HI: L.IO_UNIT_HI, UNIT_SET: L.IO_UNIT_SET,
  /** experiments on cached routes: the route's packed arms (0: none, ARMS_UNCACHED: bypass the cache), their snapshot. */
  EXP_ARM: L.IO_EXP_ARM, EXP_SEQ: L.IO_EXP_SEQ,
  /** releases: the arm id of the version to run (0: no release on the route), and the ghost bit. */
  ARM: L.IO_ARM, GHOST: L.IO_GHOST,
  /** statistics: when the dispatch call began (a double over two slots): read it through Dispatcher.start. */
  START: L.IO_START,
} as const

/** IO.EXP_ARM when an arm needs JavaScript (an audience): the request neither probes nor stores. */
export const ARMS_UNCACHED = L.ARMS_UNCACHED

/** The cache key's suffix for packed arms, as native/dispatch-key.cc appends it. */
export function armsSuffix(packed: number): string {
  return packed <= 0 ? '' : String.fromCharCode(L.KEY_ARMS, packed >>> 16, packed & 0xffff)
}

/**
 * Per-route cache modes: none, the default key, an application key scoped
 * to the route, an application key shared by every route that asks so.
 */
export const MODE = {
  NONE: L.MODE_NONE, DEFAULT_KEY: L.MODE_DEFAULT_KEY, CUSTOM_KEY: L.MODE_CUSTOM_KEY, SHARED_KEY: L.MODE_SHARED_KEY,
} as const

/** Encodings, as io and the variant bits use them. */
export const ENCODING = { IDENTITY: L.ENCODING_IDENTITY, GZIP: L.ENCODING_GZIP, BR: L.ENCODING_BR } as const
export const VARIANT = { GZIP: L.VARIANT_GZIP, BR: L.VARIANT_BR } as const

/** The prefix of a key cached for one release arm (native/dispatch-key.h). */
const KEY_ARM = String.fromCharCode(L.KEY_ARM)

/** IO.HIT when the entry is larger than the output buffer. */
export const HIT_TOO_LARGE = L.HIT_TOO_LARGE

/** A hit's ETag text (`"` + 16 hex digits + `"`) starts `out`; its body follows. */
export const ETAG_TEXT = L.ETAG_TEXT

/** IO.TYPE: the content type's length in these bits, VARIANT bits above. */
const TYPE_LENGTH = L.TYPE_LENGTH_MASK

/** Fresh-until times count FRESH_UNIT_MS since this instant (native/dispatch.h). */
const FRESH_EPOCH_MS = L.FRESH_EPOCH_S * 1000
const FRESH_UNIT_MS = L.FRESH_UNIT_MS

export interface StoreOptions {
  ttlMs: number
  tags: string[] | null
  status: number
  /** The Content-Type header value (latin1, at most native.DISPATCH.TYPE_MAX bytes). */
  type: string
  /** VARIANT bits: which compressed variants exist beside this identity entry. */
  variants: number
  /** When the entry turns stale (ms since the epoch), or 0 for no stale window. */
  freshUntilMs: number
}

export class Dispatcher {
  readonly io: Int32Array
  /** `clock[0]`: performance.now() when the last dispatch call began, written natively (io[IO.START]). */
  readonly clock: Float64Array
  readonly out: Uint8Array
  /** The ETag of the last hit: a fixed view of the start of `out`. */
  readonly etagView: Uint8Array
  /** Views of the content type of a hit, by its length: windows on `out` made once each. */
  private readonly typeViews: Uint8Array[] = []
  private readonly typeBytes = new Map<string, Uint8Array>()
  /** hot path: (path, query?, ifNoneMatch?) → results in `io`, a hit's body in `out`. */
  readonly dispatch: Dispatch

  private readonly router: Router<unknown>
  /** Per route id, the native prefix of its application keys: built once, so a key costs no extra crossing. */
  private readonly keyPrefixes: Array<string | undefined> = []

  /**
   * maxBodyBytes: the largest body a hit can answer with. The output buffer
   * adds the ETag, the content type's length byte and the longest content
   * type (native.DISPATCH.OUT_HEADER_MAX), so any body up to it fits.
   */
  constructor(router: Router<unknown>, cache: Cache | null, maxBodyBytes: number) {
    this.router = router
    // The dispatch slots, then the statistics slots where finished requests wait to be recorded (native/dispatch.h).
    this.io = new Int32Array(new ArrayBuffer(L.IO_TOTAL * 4))
    this.clock = new Float64Array(this.io.buffer, L.IO_START * 4, 1)
    this.out = new Uint8Array(new ArrayBuffer(L.OUT_HEADER_MAX + maxBodyBytes))
    this.etagView = this.out.subarray(0, ETAG_TEXT)
    const handle = cache === null ? null : cache[kCacheHandle]
    if (cache !== null && handle === null) throw new GriddleError('GRIDDLE_ERR_CACHE_CLOSED', 'the response cache is closed')
    // The native clock's origin is calibrated against this one reading (native/dispatch.cc).
    this.dispatch = native.dispatchCreate(router[kLookup], handle, this.io, this.out, performance.now())
  }

  /** Sets a route's cache mode, published with the router's other changes (Router [kPublish]). */
  setMode(routeId: number, mode: number): void {
    native.routerSetCacheMode(this.router[kLookup], routeId, mode)
    this.keyPrefixes[routeId] = undefined
  }

  /** experiments: route `routeId` is cached per arm of these experiments of `flags`' store. */
  setExperiments(routeId: number, flags: FlagsEval, names: string[], missingEmpty: boolean): void {
    native.dispatchSetExperiments(this.dispatch, routeId, flags, names, missingEmpty)
  }

  /** The default key: method code, path, and the query with its pairs ordered by name (values of one name keep their order). */
  key(methodCode: number, path: string, query?: string, arm = 0): string {
    return native.dispatchKey(this.dispatch, methodCode, path, query, arm)
  }

  /**
   * The cache key of an application-chosen key on a route: scoped to the
   * route unless it shares its keys (MODE.SHARED_KEY); never a default key.
   */
  customKey(routeId: number, key: string, arm = 0): string {
    const prefix = this.keyPrefixes[routeId] ??= native.dispatchCustomKey(this.dispatch, routeId, '')
    // releases: each version caches apart (native/dispatch-key.h KEY_ARM).
    return arm === 0 ? prefix + key : KEY_ARM + String.fromCharCode(arm) + prefix + key
  }

  /** Probes a key computed in JavaScript; results in io/out as for dispatch. */
  probe(key: string, ifNoneMatch?: string): void {
    native.dispatchProbe(this.dispatch, key, ifNoneMatch)
  }

  store(key: string, encoding: number, body: Uint8Array, o: StoreOptions): boolean {
    let type = this.typeBytes.get(o.type)
    if (type === undefined) {
      type = Buffer.from(o.type, 'latin1')
      if (type.byteLength > L.TYPE_MAX || Buffer.from(type).toString('latin1') !== o.type) return false
      if (this.typeBytes.size < 64) this.typeBytes.set(o.type, type)
    }
    if (ETAG_TEXT + 1 + type.byteLength + body.byteLength > this.out.byteLength) return false
    // Rounded down, one unit below: native/dispatch.cc calls an entry stale once the current unit is past
    // this one, so it is never fresh beyond freshUntilMs (it turns stale up to one unit before).
    const freshUntil = o.freshUntilMs > 0 ? Math.max(1, Math.floor((o.freshUntilMs - FRESH_EPOCH_MS) / FRESH_UNIT_MS) - 1) : 0
    return native.dispatchStore(this.dispatch, key, encoding, body, o.ttlMs, o.tags, o.status, type, o.variants, freshUntil)
  }

  /** Removes the entry and its compressed variants; returns how many were removed. */
  delete(key: string): number {
    return native.dispatchDelete(this.dispatch, key)
  }

  /** Removes an application key under every route that uses application keys; returns how many entries. */
  deleteCustom(key: string): number {
    return native.dispatchDeleteCustom(this.dispatch, key)
  }

  /** The content type of the last hit: a view of `out`, valid until the next dispatch or probe. */
  typeView(): Uint8Array {
    const n = this.io[IO.TYPE]! & TYPE_LENGTH
    return this.typeViews[n] ??= this.out.subarray(ETAG_TEXT + 1, ETAG_TEXT + 1 + n)
  }

  /** The body of the last hit: a view of `out`, valid until the next dispatch or probe. */
  body(): Uint8Array {
    const at = ETAG_TEXT + 1 + (this.io[IO.TYPE]! & TYPE_LENGTH)
    return this.out.subarray(at, at + this.io[IO.HIT]!)
  }

  /** The ETag of the last hit, as text. */
  etag(): string {
    return String.fromCharCode(...this.etagView)
  }
}
