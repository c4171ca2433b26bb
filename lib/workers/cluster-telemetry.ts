/**
 * serve()'s telemetry: one admin listener and one StatsD flusher per
 * process, in the main thread, over the statistics every worker records
 * into (the registry named after the cluster's cache, as lib/server/app.ts
 * names it). One per worker would fight over the admin port and send every
 * count once per worker. Workers get their options without admin and statsd.
 */
import { Cache } from '../cache/cache.js'
import { telemetryOptions, type TelemetryOptions } from '../telemetry/options.js'
import { statsSnapshot, type StatsSnapshot } from '../telemetry/app-stats.js'
import { ProcessSampler } from '../telemetry/process.js'
import { Stats } from '../telemetry/stats.js'
import { Telemetry, type TelemetryAddress } from '../telemetry/telemetry.js'
import type { TelemetryView } from '../telemetry/admin-routes.js'
import type { Debugger } from '../admin/debugger.js'
import type { AdminRoute } from '../admin/listener.js'
import { Log, logSink, rateLimitOptions } from '../server/logger.js'

/** Takes admin and statsd out of serve()'s app options (checked, with coded errors); logger stays for the workers too. */
export function splitTelemetry(options: object): { worker: object, telemetry: TelemetryOptions } {
  const { admin, statsd, ...worker } = options as { admin?: unknown, statsd?: unknown }
  return { worker, telemetry: { ...telemetryOptions({ admin, statsd }), metrics: null } }
}

/**
 * The main thread's log, from the workers' own `logger` option (pino
 * options: a pino instance cannot cross to a worker): lifecycle lines
 * (worker restarts) and StatsD problems.
 */
export function clusterLog(options: object): Log {
  const o = options as { logger?: unknown, logRateLimit?: unknown }
  return new Log(logSink(o.logger), rateLimitOptions(o.logRateLimit))
}

/** serve()'s `log` when none is given: the logger's warn with its rate limit, else stderr as before. */
export function lifecycleLine(log: Log, options: object): (line: string) => void {
  if ((options as { logger?: unknown }).logger === undefined) return (line) => console.error(line)
  return (line) => log.limited('warn', line, {}, line)
}

export class ClusterTelemetry {
  private readonly stats: Stats
  private readonly sampler: ProcessSampler
  private readonly telemetry: Telemetry
  private readonly started = Date.now()
  private cache: Cache | null = null
  private watching = false

  /**
   * `cacheName`: the cluster's shared cache (and, prefixed "stats:", its
   * statistics); `maxBytes` must be the workers' own, since a named store
   * is opened with one size.
   */
  constructor(private readonly cacheName: string, private readonly maxBytes: number, private readonly o: TelemetryOptions, readonly log: Log) {
    // Opened before any worker listens, so that the flusher misses nothing.
    this.stats = new Stats(`stats:${cacheName}`)
    this.sampler = new ProcessSampler(this.stats)
    this.telemetry = new Telemetry(o, this.stats, () => this.snapshot(), log)
  }

  /** What the telemetry admin routes read (the supervisor mounts them on its own listener). */
  get view(): TelemetryView {
    return this.telemetry.view
  }

  /** The whole process, merged over every worker; GC pauses are the main thread's. */
  snapshot(): StatsSnapshot {
    this.sampler.publish()
    return statsSnapshot(this.stats, this.sampler, this.started, this.openCache().stats(), null)
  }

  /** Admin routes beside telemetry's (the cluster's releases); call before start. */
  addRoutes(routes: readonly AdminRoute[]): void {
    this.telemetry.addRoutes(routes)
  }

  /** /debug/* on the admin listener reaches every thread of the cluster. */
  useDebugger(debug: Debugger): void {
    this.telemetry.useDebugger(debug)
  }

  /** Starts what the options ask for: the StatsD flusher, the admin listener (with the dashboard's ring). */
  async start(): Promise<TelemetryAddress> {
    if (this.o.statsd !== null || this.o.admin !== null) this.sampler.start()
    return this.telemetry.start()
  }

  /** Keeps the dashboard's ring and the main thread's figures for a listener outside this cluster. */
  watch(): void {
    if (this.watching) return
    this.watching = true
    this.sampler.start()
    this.view.ring.start()
  }

  /** After the workers closed: the last StatsD flush then counts everything they recorded. */
  stop(): void {
    this.telemetry.stop()
    this.sampler.stop()
    this.cache?.close()
    this.cache = null
    this.log.close()
  }

  private openCache(): Cache {
    // Lazily: the workers create the store; opening it here first would only duplicate their checks.
    this.cache ??= new Cache({ maxBytes: this.maxBytes, name: this.cacheName })
    return this.cache
  }
}
