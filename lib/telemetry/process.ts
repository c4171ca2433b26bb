/**
 * Process figures beside the request statistics: this thread's event-loop
 * delay (published into its stats shard once a second, so that a reader on
 * any thread lists every thread), GC pauses, memory.
 */
import { createHistogram, monitorEventLoopDelay, type IntervalHistogram, type RecordableHistogram } from 'node:perf_hooks'
import { threadId } from 'node:worker_threads'
import type { Stats, ThreadSample } from './stats.js'
import { observeGc } from './gc-pauses.js'

/** What the app counts itself: read at each publish. */
export interface LiveFigures {
  openConnections(): number
  inFlight(): number
}

const NO_LIVE: LiveFigures = { openConnections: () => 0, inFlight: () => 0 }

export interface GcFigures {
  count: number
  /** Pause durations in ms. */
  p50Ms: number
  p99Ms: number
  maxMs: number
  totalMs: number
}

export interface MemoryFigures {
  rssBytes: number
  heapUsedBytes: number
  heapTotalBytes: number
  externalBytes: number
}

/** Samples this thread once a second while started; one per app. */
export class ProcessSampler {
  private loop: IntervalHistogram | null = null
  private gc: RecordableHistogram | null = null
  private gcTotalNs = 0
  private unobserve: (() => void) | null = null
  private timer: NodeJS.Timeout | null = null

  private lastLoop: ThreadSample['loop'] = { mean: 0, p50: 0, p99: 0, max: 0 }

  constructor(private readonly stats: Stats, private readonly live: LiveFigures = NO_LIVE) {}

  start(): void {
    if (this.timer !== null) return
    this.loop = monitorEventLoopDelay({ resolution: 10 })
    this.loop.enable()
    const gc = this.gc = createHistogram()
    // One observer per thread, shared with the /debug/gc histogram.
    this.unobserve = observeGc((e) => {
      const ns = Math.max(1, Math.round(e.duration * 1e6))
      gc.record(ns)
      this.gcTotalNs += ns
    })
    this.timer = setInterval(() => this.sample(), 1000)
    this.timer.unref()
    this.sample()
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer)
    this.timer = null
    this.loop?.disable()
    this.unobserve?.()
    this.unobserve = null
  }

  /** Closes the last second's event-loop delay, then publishes. */
  private sample(): void {
    const h = this.loop!
    const has = h.count > 0
    this.lastLoop = { mean: has ? h.mean : 0, p50: has ? h.percentile(50) : 0, p99: has ? h.percentile(99) : 0, max: has ? h.max : 0 }
    h.reset()
    this.publish()
  }

  /**
   * Writes this writer's figures into its shard: once a second, and before a
   * read on this thread, so that its own connection count is current there
   * (other threads' are at most a second old).
   */
  publish(): void {
    if (this.timer === null) return
    const live = this.live
    this.stats.setThread(threadId, {
      loop: this.lastLoop, heapUsed: process.memoryUsage().heapUsed, openConnections: live.openConnections(), inFlight: live.inFlight(),
    })
  }

  gcFigures(): GcFigures {
    const g = this.gc
    if (g === null || g.count === 0) return { count: 0, p50Ms: 0, p99Ms: 0, maxMs: 0, totalMs: 0 }
    return { count: g.count, p50Ms: g.percentile(50) / 1e6, p99Ms: g.percentile(99) / 1e6, maxMs: g.max / 1e6, totalMs: this.gcTotalNs / 1e6 }
  }
}

export function memoryFigures(): MemoryFigures {
  const m = process.memoryUsage()
  return { rssBytes: m.rss, heapUsedBytes: m.heapUsed, heapTotalBytes: m.heapTotal, externalBytes: m.external }
}
