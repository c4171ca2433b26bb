/**
 * The telemetry routes of the admin listener: /stats.json (what the
 * dashboard polls), /metrics (Prometheus) and / (the dashboard page).
 */
import { json, type AdminRoute } from '../admin/listener.js'
import type { StatsSnapshot } from './app-stats.js'
import { dashboardPage, loginPage } from './dashboard-page.js'
import { flagsPanel, type FlagsPanelSource } from './dashboard-flags.js'
import { CONTENT_TYPE, renderMetrics } from './prometheus.js'
import { routeKey, type SeriesRing } from './series.js'
import type { Stats } from './stats.js'

/** What the routes read: the shared statistics, the process figures, the ring. */
export interface TelemetryView {
  readonly stats: Stats
  snapshot(): StatsSnapshot
  readonly ring: SeriesRing
  /** Panels whose routes are mounted beside these (set by Telemetry.addRoutes). */
  panels?: { releases?: boolean }
  /** The app's flags (lib/telemetry/dashboard-flags.ts), once it has them. */
  flags?: FlagsPanelSource
}

export interface TableRow {
  route: string
  arm: string
  requests: number
  /** Mean over the last 10 seconds. */
  rps: number
  p50: number
  p99: number
  p999: number
  /** 5xx answers (shed requests are counted apart). */
  errors: number
}

/** One row per route and arm: totals since start, percentiles over everything recorded. */
export function routeTable(view: TelemetryView, snap: StatsSnapshot): TableRow[] {
  const rates = view.ring.rates()
  const errors = new Map<string, number>()
  for (const s of snap.series) {
    if (s.status >= 500 && s.shed === 0) errors.set(routeKey(s.route, s.arm), (errors.get(routeKey(s.route, s.arm)) ?? 0) + s.requests)
  }
  return view.stats.read(null, [], true).series.map((s) => {
    const key = routeKey(s.route, s.arm)
    return {
      route: s.route ?? '(no route)', arm: s.arm, requests: s.requests, rps: rates.get(key) ?? 0,
      p50: s.latencyMs.p50, p99: s.latencyMs.p99, p999: s.latencyMs.p999, errors: errors.get(key) ?? 0,
    }
  })
}

export function telemetryRoutes(view: TelemetryView): AdminRoute[] {
  return [
    {
      method: 'GET', path: '/stats.json', handler: (req) => {
        const since = Number(req.query.get('since') ?? 0)
        const snapshot = view.snapshot()
        return json({
          snapshot,
          table: routeTable(view, snapshot),
          series: view.ring.since(Number.isFinite(since) ? since : 0),
          // Filled by later issues (flags and experiments, releases).
          panels: { experiments: view.flags === undefined ? null : flagsPanel(view.flags), releases: [] },
        })
      },
    },
    { method: 'GET', path: '/metrics', handler: () => ({ type: CONTENT_TYPE, body: renderMetrics(view.stats, view.snapshot()) }) },
    {
      method: 'GET', path: '/', handler: () => ({ type: 'text/html; charset=utf-8', body: dashboardPage(view.panels) }),
      unauthorized: () => ({ status: 401, type: 'text/html; charset=utf-8', body: loginPage() }),
    },
  ]
}
