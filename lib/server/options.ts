/** createApp's options, checked once with coded errors. */
import { GriddleTypeError } from '../errors.js'
import type { UnitKeySource } from './request.js'
import type { RouterOptions } from '../routing/router.js'
import type { AdmissionOptions } from './admission.js'
import { checkFlagsOptions, checkMissing, type FlagsOptions } from '../traffic/options.js'

export interface ResponseCacheOptions {
  /** Bytes the response cache may hold (default 64 MiB). */
  maxBytes?: number
  /** Share the store with every app in the process that names it (serve() sets this). */
  name?: string
  /** The largest cached body served from the cache; larger ones run the handler (default 1 MiB). */
  maxEntryBytes?: number
}

export interface AppOptions {
  /** Interface to bind (default "127.0.0.1"). */
  host?: string
  /** Port for listen() without an argument (default 3000; 0 picks a free one). */
  port?: number
  /** Largest request body in bytes (default 1 MiB); larger ones get 413. */
  bodyLimit?: number
  /** A request not answered within this many ms gets 503 (408 while its body is still arriving). Default 10,000. */
  requestTimeoutMs?: number
  /** Longest request target (path and query) in characters (default 8192); longer ones get 414. */
  maxUrlLength?: number
  /** How long close() waits for in-flight requests before closing connections (default 5,000 ms). */
  closeGraceMs?: number
  /** Where the unit key comes from: a request header, else a cookie. */
  unitKey?: UnitKeySource
  /** Share the port with other listeners (SO_REUSEPORT), for worker threads. Default false: a busy port is an error. */
  reusePort?: boolean
  /** Route matching options (case sensitivity, trailing slashes, parameter length). */
  router?: RouterOptions
  /** The off-heap response cache behind routes with a `cache` option. */
  cache?: ResponseCacheOptions
  /** Load shedding: 503 + Retry-After when overloaded; `false` turns it off. */
  admission?: AdmissionOptions | false
  /** Feature flags and experiments (docs/flags.md). */
  flags?: FlagsOptions
}

export interface ResolvedOptions {
  host: string
  port: number
  bodyLimit: number
  requestTimeoutMs: number
  maxUrlLength: number
  closeGraceMs: number
  unitKey: UnitKeySource | undefined
  reusePort: boolean
  router: RouterOptions
  cache: Required<Omit<ResponseCacheOptions, 'name'>> & { name: string | undefined }
  admission: AdmissionOptions | false
  flags: FlagsOptions | undefined
}

function fail(detail: string): never {
  throw new GriddleTypeError('GRIDDLE_ERR_INVALID_OPTION', detail)
}

function int(name: string, v: unknown, dflt: number, min: number, max = 2 ** 31 - 1): number {
  if (v === undefined) return dflt
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) fail(`${name} must be an integer from ${min} to ${max}`)
  return v
}

function unitKey(v: unknown): UnitKeySource | undefined {
  if (v === undefined) return undefined
  if (v === null || typeof v !== 'object') fail('unitKey must be an object { header?, cookie? }')
  const { header, cookie, missing } = v as UnitKeySource
  if (header !== undefined && (typeof header !== 'string' || header.length === 0)) fail('unitKey.header must be a non-empty string')
  if (cookie !== undefined && (typeof cookie !== 'string' || cookie.length === 0)) fail('unitKey.cookie must be a non-empty string')
  return { header, cookie, missing: checkMissing(missing) }
}

export function checkOptions(options: AppOptions): ResolvedOptions {
  if (options === null || typeof options !== 'object') fail('options must be an object')
  const host = options.host ?? '127.0.0.1'
  if (typeof host !== 'string' || host.length === 0) fail('host must be a non-empty string')
  if (options.reusePort !== undefined && typeof options.reusePort !== 'boolean') fail('reusePort must be a boolean')
  if (options.router !== undefined && (options.router === null || typeof options.router !== 'object')) fail('router must be an object')
  return {
    host,
    port: int('port', options.port, 3000, 0, 65535),
    bodyLimit: int('bodyLimit', options.bodyLimit, 1024 * 1024, 0),
    requestTimeoutMs: int('requestTimeoutMs', options.requestTimeoutMs, 10_000, 1),
    maxUrlLength: int('maxUrlLength', options.maxUrlLength, 8192, 1),
    closeGraceMs: int('closeGraceMs', options.closeGraceMs, 5000, 0),
    unitKey: unitKey(options.unitKey),
    reusePort: options.reusePort ?? false,
    router: options.router ?? {},
    cache: cacheOptions(options.cache),
    admission: admissionOptions(options.admission),
    flags: checkFlagsOptions(options.flags),
  }
}

function cacheOptions(v: unknown): ResolvedOptions['cache'] {
  if (v !== undefined && (v === null || typeof v !== 'object')) fail('cache must be an object')
  const c = (v ?? {}) as ResponseCacheOptions
  if (c.name !== undefined && (typeof c.name !== 'string' || c.name.length === 0)) fail('cache.name must be a non-empty string')
  return {
    maxBytes: int('cache.maxBytes', c.maxBytes, 64 * 1024 * 1024, 4096, Number.MAX_SAFE_INTEGER),
    maxEntryBytes: int('cache.maxEntryBytes', c.maxEntryBytes, 1024 * 1024, 64, 256 * 1024 * 1024),
    name: c.name,
  }
}

function admissionOptions(v: unknown): AdmissionOptions | false {
  if (v === false) return false
  if (v !== undefined && (v === null || typeof v !== 'object')) fail('admission must be an object or false')
  return (v ?? {}) as AdmissionOptions
}
