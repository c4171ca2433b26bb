/** createApp's options, checked once with coded errors. */
import { boolOption, intOption, knownKeys, objectOption, optionError, stringOption } from '../util/check.js'
import type { UnitKeySource } from './request.js'
import type { RouterOptions } from '../routing/router.js'
import type { AdmissionOptions } from './admission.js'
import { telemetryOptions, type AdminOptions, type MetricsOptions, type StatsdOptions, type TelemetryOptions } from '../telemetry/options.js'
import { checkFlagsOptions, checkMissing, type FlagsOptions } from '../traffic/options.js'
import { rateLimitOptions, type LoggerOption, type LogRateLimit } from './logger.js'

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
  /** The admin listener (statistics, /metrics, the dashboard); needs a token. See docs/telemetry.md. */
  admin?: AdminOptions
  /** Send aggregates to a StatsD daemon over UDP every interval. */
  statsd?: StatsdOptions
  /** Serve Prometheus text on the app itself too (no token: for private networks). */
  metrics?: MetricsOptions
  /** Feature flags and experiments (docs/flags.md). */
  flags?: FlagsOptions
  /** pino options, a pino instance, or false for no logging (default: 5xx errors as one line on stderr). See docs/telemetry.md. */
  logger?: LoggerOption
  /** How repeated identical log lines are limited (default: 5 per 10 s per key, then one summary). */
  logRateLimit?: LogRateLimit
  /** Live upgrades (docs/releases.md): where the audit log is appended, one JSON object per line. */
  releases?: { auditLog?: string }
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
  telemetry: TelemetryOptions
  flags: FlagsOptions | undefined
  /** Checked for its shape; the pino instance is made by the app. */
  logger: LoggerOption | undefined
  logRateLimit: Required<LogRateLimit>
  releases: { auditLog: string | null }
}

const APP_OPTIONS = ['host', 'port', 'bodyLimit', 'requestTimeoutMs', 'maxUrlLength', 'closeGraceMs', 'unitKey', 'reusePort',
  'router', 'cache', 'admission', 'admin', 'statsd', 'metrics', 'flags',
  'logger', 'logRateLimit', 'releases'] as const satisfies ReadonlyArray<keyof AppOptions>
const ROUTER_OPTIONS = ['caseSensitive', 'ignoreTrailingSlash', 'ignoreDuplicateSlashes', 'maxParamLength'] as const satisfies ReadonlyArray<keyof RouterOptions>
const CACHE_OPTIONS = ['maxBytes', 'name', 'maxEntryBytes'] as const satisfies ReadonlyArray<keyof ResponseCacheOptions>
const UNIT_KEY_OPTIONS = ['header', 'cookie', 'missing'] as const satisfies ReadonlyArray<keyof UnitKeySource>

function unitKey(v: unknown): UnitKeySource | undefined {
  if (v === undefined) return undefined
  const o = objectOption('unitKey', v)
  knownKeys(o, UNIT_KEY_OPTIONS, 'createApp', 'unitKey.')
  return {
    header: stringOption('unitKey.header', o.header, undefined),
    cookie: stringOption('unitKey.cookie', o.cookie, undefined),
    missing: checkMissing(o.missing),
  }
}

/** Checks createApp's options: each value, and no option griddle does not know. */
export function checkOptions(options: AppOptions): ResolvedOptions {
  if (options === null || typeof options !== 'object') optionError('options must be an object')
  knownKeys(options, APP_OPTIONS, 'createApp')
  const router = objectOption('router', options.router)
  knownKeys(router, ROUTER_OPTIONS, 'createApp', 'router.')
  return {
    host: stringOption('host', options.host, '127.0.0.1'),
    port: intOption('port', options.port, 3000, 0, 65535),
    bodyLimit: intOption('bodyLimit', options.bodyLimit, 1024 * 1024, 0),
    requestTimeoutMs: intOption('requestTimeoutMs', options.requestTimeoutMs, 10_000, 1),
    maxUrlLength: intOption('maxUrlLength', options.maxUrlLength, 8192, 1),
    closeGraceMs: intOption('closeGraceMs', options.closeGraceMs, 5000, 0),
    unitKey: unitKey(options.unitKey),
    reusePort: boolOption('reusePort', options.reusePort, false),
    router: router as RouterOptions,
    cache: cacheOptions(options.cache),
    admission: admissionOptions(options.admission),
    telemetry: telemetryOptions(options),
    flags: checkFlagsOptions(options.flags),
    logger: loggerOption(options.logger),
    logRateLimit: rateLimitOptions(options.logRateLimit),
    releases: releasesOptions(options.releases),
  }
}

function releasesOptions(v: unknown): ResolvedOptions['releases'] {
  const r = objectOption('releases', v)
  knownKeys(r, ['auditLog'], 'createApp', 'releases.')
  return { auditLog: stringOption('releases.auditLog', r.auditLog, undefined) ?? null }
}

function loggerOption(v: unknown): LoggerOption | undefined {
  if (v === undefined || v === false) return v
  if (v === null || typeof v !== 'object' || Array.isArray(v)) optionError('logger must be false, pino options or a pino instance')
  return v as LoggerOption
}

function cacheOptions(v: unknown): ResolvedOptions['cache'] {
  const c = objectOption('cache', v)
  knownKeys(c, CACHE_OPTIONS, 'createApp', 'cache.')
  return {
    maxBytes: intOption('cache.maxBytes', c.maxBytes, 64 * 1024 * 1024, 4096, Number.MAX_SAFE_INTEGER),
    maxEntryBytes: intOption('cache.maxEntryBytes', c.maxEntryBytes, 1024 * 1024, 64, 256 * 1024 * 1024),
    name: stringOption('cache.name', c.name, undefined),
  }
}

/** admission's own fields are checked by Admission, which owns their list. */
function admissionOptions(v: unknown): AdmissionOptions | false {
  if (v === false) return false
  if (v !== undefined && (v === null || typeof v !== 'object')) optionError('admission must be an object or false')
  return (v ?? {}) as AdmissionOptions
}
