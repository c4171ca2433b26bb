/**
 * `app.stats`: the app's view of the shared statistics (every thread that
 * shares its registry), the process figures, and the recorder its request
 * path writes into.
 */
import type { Dispatcher } from '../routing/dispatch.js'
import type { CacheStats } from '../cache/cache.js'
import { ProcessSampler, memoryFigures, type GcFigures, type MemoryFigures } from './process.js'
import { Recorder, Stats, type SeriesStats, type ThreadFigures } from './stats.js'

export interface StatsSnapshot {
  /** When it was taken (ms since the epoch). */
  time: number
  uptimeSeconds: number
  series: Array<Omit<SeriesStats, 'buckets'>>
  /** Outcomes not recorded because the series table was full. */
  dropped: number
  process: {
    memory: MemoryFigures
    /** This thread's GC pauses since the app started listening. */
    gc: GcFigures
    /** Every thread recording into these statistics. */
    threads: ThreadFigures[]
    cache: { bytes: number, entries: number, hits: number, misses: number }
    /** Requests of this app waiting for their body or handler. */
    inFlight: number
    /**
     * Open connections of every app recording into these statistics (under
     * serve(), every worker): this thread's count is current, other threads'
     * are at most a second old. Per app in `threads`.
     */
    openConnections: number
  }
}

export interface AppStatsSources {
  cache(): CacheStats
  inFlight(): number
  openConnections(): number
}

export class AppStats {
  /** The shared native statistics (one writer: this app on this thread). */
  readonly native: Stats
  readonly recorder: Recorder
  private readonly sampler: ProcessSampler
  private readonly started = Date.now()

  constructor(name: string | null, dispatcher: Dispatcher, private readonly sources: AppStatsSources) {
    this.native = new Stats(name)
    this.recorder = new Recorder(dispatcher.dispatch, dispatcher.io, this.native)
    this.sampler = new ProcessSampler(this.native, { openConnections: sources.openConnections, inFlight: sources.inFlight })
  }

  /** Everything recorded so far, as a plain object. */
  snapshot(): StatsSnapshot {
    this.recorder.flush()
    this.sampler.publish()
    return statsSnapshot(this.native, this.sampler, this.started, this.sources.cache(), this.sources.inFlight())
  }

  /** The q-quantile (0 < q ≤ 1) of a route pattern's latency in ms for one arm, or null without requests. */
  percentile(route: string, arm: string, q: number): number | null {
    this.recorder.flush()
    return this.native.percentile(route, arm, q)
  }

  /** @internal */
  start(): void {
    this.recorder.start()
    this.sampler.start()
  }

  /** @internal */
  stop(): void {
    this.recorder.stop()
    this.sampler.stop()
  }

  /** @internal */
  gc(): GcFigures {
    return this.sampler.gcFigures()
  }
}

/**
 * A snapshot of `stats` (every thread's shard merged) with the process
 * figures: an app's own, or serve()'s main thread over its workers.
 * inFlight: the app's count, or null to sum the threads' published ones.
 */
export function statsSnapshot(stats: Stats, sampler: ProcessSampler, started: number,
  c: { bytes: number, entries: number, hits: number, misses: number }, inFlight: number | null): StatsSnapshot {
  const reading = stats.read()
  const threads = stats.threads()
  return {
    time: Date.now(),
    uptimeSeconds: (Date.now() - started) / 1000,
    series: reading.series.map(({ buckets: _, ...s }) => s),
    dropped: reading.dropped,
    process: {
      memory: memoryFigures(),
      gc: sampler.gcFigures(),
      threads,
      cache: { bytes: c.bytes, entries: c.entries, hits: c.hits, misses: c.misses },
      inFlight: inFlight ?? threads.reduce((n, t) => n + t.inFlight, 0),
      openConnections: threads.reduce((n, t) => n + t.openConnections, 0),
    },
  }
}
