/**
 * This thread's GC pauses as a histogram (GET /debug/gc): fixed buckets in
 * ms, a count and total per kind of collection, and percentiles. One
 * PerformanceObserver per thread, shared by every reader (the app's process
 * sampler, the debug routes): it costs something per collection, never per
 * request, and it runs only while someone holds it.
 */
import { PerformanceObserver, constants, createHistogram, type PerformanceEntry, type RecordableHistogram } from 'node:perf_hooks'

/** Upper bounds of the buckets in ms; a last, open bucket takes the rest. Minor GCs sit under 1 ms, full ones above. */
export const GC_BUCKETS_MS = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 1000] as const

export type GcKind = 'minor' | 'major' | 'incremental' | 'weakcb' | 'other'

export interface GcHistogram {
  /** Since when this thread's pauses are counted (ISO 8601). */
  since: string
  count: number
  totalMs: number
  p50Ms: number
  p90Ms: number
  p99Ms: number
  maxMs: number
  /** `leMs` null is the open bucket above the last bound. Counts are per bucket, not cumulative. */
  buckets: Array<{ leMs: number | null, count: number }>
  byKind: Record<GcKind, { count: number, totalMs: number }>
}

type Listener = (entry: PerformanceEntry) => void

const KINDS: Record<number, GcKind> = {
  [constants.NODE_PERFORMANCE_GC_MINOR]: 'minor',
  [constants.NODE_PERFORMANCE_GC_MAJOR]: 'major',
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weakcb',
}

const listeners = new Set<Listener>()
let observer: PerformanceObserver | null = null
let since = 0
let hist: RecordableHistogram = createHistogram()
let totalNs = 0
let buckets = new Array<number>(GC_BUCKETS_MS.length + 1).fill(0)
let kinds = freshKinds()

function freshKinds(): GcHistogram['byKind'] {
  const z = (): { count: number, totalMs: number } => ({ count: 0, totalMs: 0 })
  return { minor: z(), major: z(), incremental: z(), weakcb: z(), other: z() }
}

function record(e: PerformanceEntry): void {
  const ms = e.duration
  const ns = Math.max(1, Math.round(ms * 1e6))
  hist.record(ns)
  totalNs += ns
  let i = 0
  while (i < GC_BUCKETS_MS.length && ms > GC_BUCKETS_MS[i]!) i++
  buckets[i]!++
  const kind = KINDS[((e as { detail?: { kind?: number } }).detail)?.kind ?? -1] ?? 'other'
  kinds[kind].count++
  kinds[kind].totalMs += ms
  for (const l of listeners) l(e)
}

/**
 * Starts counting this thread's GC pauses (if nothing did yet) and calls
 * `listener` with each one; the returned function lets go, and the last to
 * let go stops the observer. Counts run on from the first start.
 */
export function observeGc(listener: Listener = () => {}): () => void {
  listeners.add(listener)
  if (observer === null) {
    if (since === 0) since = Date.now()
    observer = new PerformanceObserver((list) => { for (const e of list.getEntries()) record(e) })
    observer.observe({ entryTypes: ['gc'] })
  }
  return () => {
    if (!listeners.delete(listener) || listeners.size > 0) return
    observer?.disconnect()
    observer = null
  }
}

/** True while something observes this thread's GC. */
export function gcObserved(): boolean {
  return observer !== null
}

/** The histogram so far (all zeros when nothing has observed this thread). */
export function gcHistogram(): GcHistogram {
  const has = hist.count > 0
  const p = (q: number): number => has ? hist.percentile(q) / 1e6 : 0
  const byKind = freshKinds()
  for (const k of Object.keys(kinds) as GcKind[]) byKind[k] = { count: kinds[k].count, totalMs: round(kinds[k].totalMs) }
  return {
    since: new Date(since === 0 ? Date.now() : since).toISOString(),
    count: hist.count, totalMs: round(totalNs / 1e6), p50Ms: p(50), p90Ms: p(90), p99Ms: p(99), maxMs: has ? hist.max / 1e6 : 0,
    buckets: buckets.map((count, i) => ({ leMs: GC_BUCKETS_MS[i] ?? null, count })),
    byKind,
  }
}

/** Forgets the counts (tests). */
export function resetGcHistogram(): void {
  hist = createHistogram()
  totalNs = 0
  buckets = new Array<number>(GC_BUCKETS_MS.length + 1).fill(0)
  kinds = freshKinds()
  since = observer === null ? 0 : Date.now()
}

const round = (ms: number): number => Math.round(ms * 1000) / 1000
