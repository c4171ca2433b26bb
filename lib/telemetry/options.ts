/** The admin, statsd, metrics and logger options of createApp, checked with coded errors. */
import { GriddleTypeError } from '../errors.js'
import { knownKeys } from '../util/check.js'

export interface AdminOptions {
  /** Port of the admin listener (default 0: a free port, reported by listen()). */
  port?: number
  /** Interface to bind (default "127.0.0.1": keep it off public networks). */
  host?: string
  /** Bearer token every admin request must carry (16 characters or more). Without one the admin listener does not start. */
  token?: string
}

export interface StatsdOptions {
  host?: string
  port?: number
  /** Prepended to every metric name (default "griddle."). */
  prefix?: string
  /** Flush interval (default 10,000 ms, StatsD's own default). */
  intervalMs?: number
  /** 'dogstatsd': route, method and status as tags; 'none' (default): in the name, for the reference daemon. */
  tags?: 'dogstatsd' | 'none'
  /** Largest datagram in bytes (default 1432: fits a 1500-byte MTU with IPv6 and UDP headers). */
  mtu?: number
  /**
   * Tags added to every line (`{ host: 'web-1' }`), so that processes sending
   * to one daemon stay apart. Needs `tags: 'dogstatsd'`; with 'none', put the
   * host in `prefix` instead.
   */
  globalTags?: Record<string, string>
}

export interface MetricsOptions {
  /** Also serve Prometheus text on the app itself, at this path, without a token. */
  path: string
}

export interface TelemetryOptions {
  admin: Required<AdminOptions> | null
  statsd: Required<StatsdOptions> | null
  metrics: MetricsOptions | null
}

function fail(detail: string): never {
  throw new GriddleTypeError('GRIDDLE_ERR_INVALID_OPTION', detail)
}

function object(name: string, v: unknown): Record<string, unknown> | null {
  if (v === undefined || v === false) return null
  if (v === null || typeof v !== 'object' || Array.isArray(v)) fail(`${name} must be an object`)
  return v as Record<string, unknown>
}

function int(name: string, v: unknown, dflt: number, min: number, max: number): number {
  if (v === undefined) return dflt
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) fail(`${name} must be an integer from ${min} to ${max}`)
  return v
}

function str(name: string, v: unknown, dflt: string): string {
  if (v === undefined) return dflt
  if (typeof v !== 'string' || v.length === 0) fail(`${name} must be a non-empty string`)
  return v
}

function admin(v: unknown): TelemetryOptions['admin'] {
  const o = object('admin', v)
  if (o === null) return null
  knownKeys(o, ['port', 'host', 'token'], 'createApp', 'admin.')
  const token = o.token === undefined ? '' : o.token
  if (typeof token !== 'string') fail('admin.token must be a string')
  if (token.length > 0 && token.length < 16) fail('admin.token must have at least 16 characters')
  return { port: int('admin.port', o.port, 0, 0, 65535), host: str('admin.host', o.host, '127.0.0.1'), token }
}

const TAG_NAME = /^[A-Za-z][A-Za-z0-9_.-]*$/
// The dogstatsd line separators (",", "|", "#") and line breaks would split or forge a tag.
const TAG_VALUE = /^[^,|#\s]+$/

function globalTags(v: unknown, tags: string): Record<string, string> {
  if (v === undefined) return {}
  if (v === null || typeof v !== 'object' || Array.isArray(v)) fail('statsd.globalTags must be an object of strings')
  const out: Record<string, string> = {}
  for (const [k, value] of Object.entries(v)) {
    if (!TAG_NAME.test(k)) fail(`statsd.globalTags: "${k}" is not a tag name (a letter, then letters, digits, "_", ".", "-")`)
    if (typeof value !== 'string' || !TAG_VALUE.test(value)) fail(`statsd.globalTags.${k} must be a non-empty string without ",", "|", "#" or spaces`)
    out[k] = value
  }
  if (Object.keys(out).length > 0 && tags !== 'dogstatsd') fail("statsd.globalTags needs tags: 'dogstatsd' (with 'none', put the host in prefix)")
  return out
}

function statsd(v: unknown): TelemetryOptions['statsd'] {
  const o = object('statsd', v)
  if (o === null) return null
  knownKeys(o, ['host', 'port', 'prefix', 'intervalMs', 'tags', 'mtu', 'globalTags'], 'createApp', 'statsd.')
  const tags = o.tags ?? 'none'
  if (tags !== 'none' && tags !== 'dogstatsd') fail("statsd.tags must be 'dogstatsd' or 'none'")
  const prefix = o.prefix ?? 'griddle.'
  if (typeof prefix !== 'string' || /[:|@#\s]/.test(prefix)) fail('statsd.prefix must be a string without ":", "|", "@", "#" or spaces')
  return {
    host: str('statsd.host', o.host, '127.0.0.1'),
    port: int('statsd.port', o.port, 8125, 1, 65535),
    prefix,
    intervalMs: int('statsd.intervalMs', o.intervalMs, 10_000, 10, 3_600_000),
    tags,
    mtu: int('statsd.mtu', o.mtu, 1432, 512, 65507),
    globalTags: globalTags(o.globalTags, tags),
  }
}

function metrics(v: unknown): TelemetryOptions['metrics'] {
  const o = object('metrics', v)
  if (o === null) return null
  knownKeys(o, ['path'], 'createApp', 'metrics.')
  if (typeof o.path !== 'string' || !o.path.startsWith('/')) fail('metrics.path must be a path starting with "/"')
  return { path: o.path }
}

export function telemetryOptions(o: { admin?: unknown, statsd?: unknown, metrics?: unknown }): TelemetryOptions {
  return { admin: admin(o.admin), statsd: statsd(o.statsd), metrics: metrics(o.metrics) }
}
