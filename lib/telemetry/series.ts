/**
 * The dashboard's live series: once a second, what happened in that second
 * (requests, errors, shed, cache hits and misses, and latency percentiles of
 * that second per route and arm), kept for the last 15 minutes in a ring.
 * Two native reads per tick, each against its own baseline: one per series
 * for the counts, one merged per route and arm for the percentiles.
 */
import type { Stats } from './stats.js'

export interface RoutePoint {
  requests: number
  errors: number
  shed: number
  p50: number
  p99: number
  p999: number
}

export interface Point {
  /** End of the second, ms since the epoch. */
  t: number
  requests: number
  errors: number
  shed: number
  hits: number
  misses: number
  /** Per "route arm" key ("/users/:id stable"); latencies in ms. */
  routes: Record<string, RoutePoint>
}

export const RING_SECONDS = 15 * 60

export function routeKey(route: string | null, arm: string): string {
  return `${route ?? '(no route)'} ${arm}`
}

export class SeriesRing {
  private readonly points: Point[] = []
  private readonly counts: ReturnType<Stats['baseline']>
  private readonly latencies: ReturnType<Stats['baseline']>
  private timer: NodeJS.Timeout | null = null

  constructor(private readonly stats: Stats, private readonly capacity = RING_SECONDS) {
    this.counts = stats.baseline()
    this.latencies = stats.baseline()
  }

  start(everyMs = 1000): void {
    this.timer ??= setInterval(() => this.tick(), everyMs)
    this.timer.unref()
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer)
    this.timer = null
  }

  /** Closes the current second: appends its point (public for tests). */
  tick(now = Date.now()): Point {
    const p: Point = { t: now, requests: 0, errors: 0, shed: 0, hits: 0, misses: 0, routes: {} }
    for (const s of this.stats.read(this.counts).series) {
      const r = (p.routes[routeKey(s.route, s.arm)] ??= { requests: 0, errors: 0, shed: 0, p50: 0, p99: 0, p999: 0 })
      const errors = s.status >= 500 && s.shed === 0 ? s.requests : 0
      r.requests += s.requests
      r.errors += errors
      r.shed += s.shed
      p.requests += s.requests
      p.errors += errors
      p.shed += s.shed
      p.hits += s.hits + s.stale
      p.misses += s.misses
    }
    for (const s of this.stats.read(this.latencies, [], true).series) {
      const r = p.routes[routeKey(s.route, s.arm)]
      if (r === undefined) continue
      r.p50 = s.latencyMs.p50
      r.p99 = s.latencyMs.p99
      r.p999 = s.latencyMs.p999
    }
    this.points.push(p)
    if (this.points.length > this.capacity) this.points.shift()
    return p
  }

  /** Points after `sinceMs` (all with 0), oldest first. */
  since(sinceMs = 0): Point[] {
    let i = this.points.length
    while (i > 0 && this.points[i - 1]!.t > sinceMs) i--
    return this.points.slice(i)
  }

  /** Mean requests per second over the last `seconds` points, per route key. */
  rates(seconds = 10): Map<string, number> {
    const out = new Map<string, number>()
    const last = this.points.slice(-seconds)
    for (const p of last) for (const [k, r] of Object.entries(p.routes)) out.set(k, (out.get(k) ?? 0) + r.requests / last.length)
    return out
  }
}
