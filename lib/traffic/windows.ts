/**
 * Per-arm figures over a window (a ramp step), from the shared native
 * statistics: one cumulative read per tick, with fine latency bounds, minus
 * the same read taken when the window opened. Percentiles come from the
 * difference of the cumulative bucket counts, interpolated inside a bucket
 * (bounds 5 % apart: far finer than the guards' 25 % ratio).
 */
import type { Stats } from '../telemetry/stats.js'
import type { ArmFigures } from './release-types.js'

/** Latency bounds in ms: 5 µs to 120 s, each 5 % above the one before. */
const BOUNDS_MS: number[] = []
for (let v = 0.005; v < 120_000; v *= 1.05) BOUNDS_MS.push(v)
const BOUNDS_S = BOUNDS_MS.map((ms) => ms / 1000)

export interface Counts {
  requests: number
  errors: number
  /** Requests at or below each bound of BOUNDS_MS. */
  below: Float64Array
}

function empty(): Counts {
  return { requests: 0, errors: 0, below: new Float64Array(BOUNDS_MS.length) }
}

/** The key of one arm of one route: "GET /users/:id" + NUL + version. */
export function armKey(route: string, version: string): string {
  return `${route}\u0000${version}`
}

/** Reads every route's arms, cumulatively: HEAD requests count with their GET route. */
export function readCounts(stats: Stats): Map<string, Counts> {
  const out = new Map<string, Counts>()
  for (const s of stats.read(null, BOUNDS_S).series) {
    if (s.route === null) continue
    const method = s.method === 'HEAD' ? 'GET' : s.method
    const key = armKey(`${method} ${s.route}`, s.arm)
    let c = out.get(key)
    if (c === undefined) out.set(key, c = empty())
    c.requests += s.requests
    // 5xx answers and thrown errors; a shed request (503) is the server's doing, not the version's.
    if (s.status >= 500) c.errors += s.requests - s.shed
    for (let i = 0; i < BOUNDS_MS.length; i++) c.below[i]! += s.buckets[i]!
  }
  return out
}

function quantile(below: Float64Array, count: number, q: number): number {
  if (count <= 0) return 0
  const rank = Math.max(1, Math.ceil(q * count))
  for (let i = 0; i < below.length; i++) {
    if (below[i]! < rank) continue
    const lo = i === 0 ? 0 : BOUNDS_MS[i - 1]!
    const before = i === 0 ? 0 : below[i - 1]!
    const inBucket = below[i]! - before
    return inBucket <= 0 ? BOUNDS_MS[i]! : lo + (BOUNDS_MS[i]! - lo) * ((rank - before) / inBucket)
  }
  return BOUNDS_MS[BOUNDS_MS.length - 1]!
}

/** An arm's figures between two cumulative reads (`start` undefined: since the beginning). */
export function figures(version: string, now: Counts | undefined, start: Counts | undefined): ArmFigures {
  const n = now ?? empty()
  const s = start ?? empty()
  const requests = Math.max(0, n.requests - s.requests)
  const errors = Math.max(0, n.errors - s.errors)
  const below = new Float64Array(BOUNDS_MS.length)
  for (let i = 0; i < below.length; i++) below[i] = Math.max(0, n.below[i]! - s.below[i]!)
  const round = (v: number): number => Math.round(v * 1000) / 1000
  return {
    version, requests, errors, errorRate: requests === 0 ? 0 : errors / requests,
    p50Ms: round(quantile(below, requests, 0.5)), p99Ms: round(quantile(below, requests, 0.99)),
  }
}
