/**
 * What an app (or serve()'s main thread) runs beside its requests, once it
 * listens: the admin listener with the telemetry routes, the dashboard's
 * series ring, the StatsD flusher. All of it reads the shared native
 * statistics; none of it touches the request path.
 */
import { AdminListener, type AdminRoute } from '../admin/listener.js'
import { telemetryRoutes, type TelemetryView } from './admin-routes.js'
import { debugRoutes } from '../admin/debug-routes.js'
import type { Debugger } from '../admin/debugger.js'
import type { StatsSnapshot } from './app-stats.js'
import type { TelemetryOptions } from './options.js'
import { SeriesRing } from './series.js'
import { StatsdFlusher } from './statsd.js'
import type { Stats } from './stats.js'
import type { Log } from '../server/logger.js'

export interface TelemetryAddress {
  /** The admin listener's port, when it runs. */
  admin?: { host: string, port: number }
}

export class Telemetry {
  readonly view: TelemetryView
  private admin: AdminListener | null = null
  private statsd: StatsdFlusher | null = null
  /** Routes other modules mount beside telemetry's (releases: lib/admin/release-routes.ts). */
  private readonly extra: AdminRoute[] = []
  /** Whose threads /debug/* reaches: the main thread only, unless serve() gives its cluster's. */
  private debug: Debugger | undefined

  constructor(private readonly o: TelemetryOptions, stats: Stats, snapshot: () => StatsSnapshot, private readonly log: Log | null = null) {
    this.view = { stats, snapshot, ring: new SeriesRing(stats) }
  }

  /** The StatsD flusher's own counters (datagrams, errors), or null without statsd. */
  statsdCounters(): StatsdFlusher['counters'] | null {
    return this.statsd?.counters ?? null
  }

  /** Adds admin routes, mounted when the listener starts (call before listen). */
  addRoutes(routes: readonly AdminRoute[]): void {
    this.extra.push(...routes)
    if (routes.some((r) => r.path === '/releases')) this.view.panels = { ...this.view.panels, releases: true }
  }

  /** Makes /debug/* reach these threads (serve(): the main thread and every worker); call before start. */
  useDebugger(debug: Debugger): void {
    this.debug = debug
  }

  async start(): Promise<TelemetryAddress> {
    const out: TelemetryAddress = {}
    if (this.o.statsd !== null) {
      const log = this.log
      // Counted always; logged rate-limited, so that a missing daemon costs a few lines per interval.
      const problem = log === null ? undefined : (detail: string) => log.limited('warn', `statsd ${detail}`, { statsd: `${this.o.statsd!.host}:${this.o.statsd!.port}`, detail }, 'statsd send failed')
      this.statsd = new StatsdFlusher(this.view.stats, this.o.statsd, () => this.view.snapshot().process, problem)
      this.statsd.start()
    }
    const a = this.o.admin
    // No token, no listener: it would hand statistics (and later, releases) to anyone who can connect.
    if (a !== null && a.token.length > 0) {
      this.admin = new AdminListener(a.token, [...telemetryRoutes(this.view), ...debugRoutes(this.debug), ...this.extra])
      out.admin = { host: a.host, port: await this.admin.listen(a.host, a.port) }
      this.view.ring.start()
    }
    return out
  }

  stop(): void {
    this.view.ring.stop()
    this.admin?.close()
    this.admin = null
    this.statsd?.stop()
    this.statsd = null
  }
}
