/**
 * The `logger` option: `false`, pino options, or a pino instance. What is
 * logged: 5xx errors (route, status, code, request id, stack), lifecycle
 * (listening, closing; serve()'s worker restarts), telemetry problems
 * (StatsD errors). Nothing per request on the hot path: a request is logged
 * only when it fails.
 *
 * Repeated identical lines are rate-limited: the first `burst` of a key in
 * each interval are written, then one summary line per interval says how
 * many were suppressed. A failing route at 50k req/s then costs a handful of
 * lines a second, not 50k.
 */
import { pino, type LoggerOptions } from 'pino'
import { GriddleTypeError } from '../errors.js'
import { escapeControls } from './error-log.js'
import { knownKeys } from '../util/check.js'

/** The pino methods griddle calls (a pino instance, or anything with its shape). */
export interface LogSink {
  error(obj: object, msg: string): void
  warn(obj: object, msg: string): void
  info(obj: object, msg: string): void
}

/** A pino instance is a LogSink. */
export type LoggerOption = false | LoggerOptions | LogSink

export interface LogRateLimit {
  /** Identical lines written per interval before suppression (default 5). */
  burst?: number
  /** The interval, and how often a summary of suppressed lines is written (default 10,000 ms). */
  intervalMs?: number
}

const SILENT: LogSink = { error() {}, warn() {}, info() {} }

/** Without the option: no lifecycle lines (as before), problems as one escaped line on stderr. */
const STDERR: LogSink = {
  error: (obj, msg) => console.error(escapeControls(`griddle: ${msg} ${JSON.stringify(obj)}`)),
  warn: (obj, msg) => console.error(escapeControls(`griddle: ${msg} ${JSON.stringify(obj)}`)),
  info() {},
}

function isSink(v: object): v is LogSink {
  const o = v as Record<string, unknown>
  return typeof o.error === 'function' && typeof o.warn === 'function' && typeof o.info === 'function'
}

/** The sink for an option value; throws GRIDDLE_ERR_INVALID_OPTION on anything else. */
export function logSink(v: unknown): LogSink {
  if (v === undefined) return STDERR
  if (v === false) return SILENT
  if (v === null || typeof v !== 'object' || Array.isArray(v)) {
    throw new GriddleTypeError('GRIDDLE_ERR_INVALID_OPTION', 'logger must be false, pino options or a pino instance')
  }
  if (isSink(v)) return v
  try {
    return pino(v as LoggerOptions)
  } catch (err) {
    throw new GriddleTypeError('GRIDDLE_ERR_INVALID_OPTION', `logger: pino refused these options: ${(err as Error).message}`)
  }
}

export function rateLimitOptions(v: unknown): Required<LogRateLimit> {
  if (v === undefined) return { burst: 5, intervalMs: 10_000 }
  if (v === null || typeof v !== 'object') throw new GriddleTypeError('GRIDDLE_ERR_INVALID_OPTION', 'logRateLimit must be an object')
  knownKeys(v, ['burst', 'intervalMs'], 'createApp', 'logRateLimit.')
  const o = v as LogRateLimit
  const int = (name: string, x: unknown, d: number, min: number, max: number): number => {
    if (x === undefined) return d
    if (typeof x !== 'number' || !Number.isInteger(x) || x < min || x > max) {
      throw new GriddleTypeError('GRIDDLE_ERR_INVALID_OPTION', `logRateLimit.${name} must be an integer from ${min} to ${max}`)
    }
    return x
  }
  return { burst: int('burst', o.burst, 5, 1, 1_000_000), intervalMs: int('intervalMs', o.intervalMs, 10_000, 10, 3_600_000) }
}

type Level = 'error' | 'warn' | 'info'

/** A sink with per-key rate limiting; one per app (or per serve() main thread). */
export class Log {
  private readonly seen = new Map<string, { level: Level, n: number, suppressed: number, msg: string }>()
  private timer: NodeJS.Timeout | null = null

  constructor(readonly sink: LogSink, private readonly limit: Required<LogRateLimit> = { burst: 5, intervalMs: 10_000 }) {}

  /** Writes `msg` unless `key` was written `burst` times this interval (then counts it for the summary). */
  limited(level: Level, key: string, obj: object, msg: string): void {
    let e = this.seen.get(key)
    if (e === undefined) this.seen.set(key, e = { level, n: 0, suppressed: 0, msg })
    if (++e.n <= this.limit.burst) this.write(level, obj, msg)
    else e.suppressed++
    if (this.timer === null) {
      this.timer = setInterval(() => this.summarize(), this.limit.intervalMs)
      this.timer.unref()
    }
  }

  info(obj: object, msg: string): void {
    this.write('info', obj, msg)
  }

  /** Writes the last summaries and stops the timer. */
  close(): void {
    this.summarize()
    if (this.timer !== null) clearInterval(this.timer)
    this.timer = null
  }

  /** One line per key with suppressed lines; the window then starts again. */
  private summarize(): void {
    for (const [key, e] of this.seen) {
      if (e.suppressed > 0) this.write(e.level, { key, suppressed: e.suppressed, intervalMs: this.limit.intervalMs }, `${e.suppressed} more "${e.msg}" suppressed`)
    }
    this.seen.clear()
    if (this.timer !== null) {
      clearInterval(this.timer)
      this.timer = null
    }
  }

  private write(level: Level, obj: object, msg: string): void {
    try {
      this.sink[level](obj, msg)
    } catch {
      // A logger that throws must not take the request (or the flusher) with it.
    }
  }
}

let ids = 0

/**
 * A 5xx as one log line: route pattern, method, status, error code, request
 * id (the client's x-request-id, else one made now: nothing is made for
 * requests that do not fail) and the error with its stack. Rate-limited by
 * route, status, code and message.
 */
export function logRequestError(log: Log, err: unknown, req: { method: string, path: string, headers: Record<string, string> } | null,
  route: string | null, status: number): void {
  const e = (err ?? {}) as { code?: unknown, message?: unknown }
  const code = typeof e.code === 'string' ? e.code : undefined
  const message = typeof e.message === 'string' ? e.message : String(err)
  const reqId = req?.headers['x-request-id'] ?? `${process.pid}-${++ids}`
  const obj = { route, method: req?.method, path: req?.path, status, code, reqId, err }
  log.limited('error', `request ${route} ${status} ${code ?? ''} ${message}`, obj, 'request failed')
}
