/**
 * Exposure events for `onExposure(batch)`: req.experiment() only pushes onto
 * an array (no I/O, no await); a timer hands deduplicated
 * (unit, experiment, arm) batches to the callback off the request path.
 */

export interface ExposureEvent {
  unit: string
  experiment: string
  arm: string
}

export type ExposureListener = (batch: ExposureEvent[]) => void

/** Units remembered per window for deduplication; past it, a unit may be reported again in a later batch. */
const SEEN_LIMIT = 100_000
/** Events queued between flushes; past it, the newest are dropped and counted. */
const QUEUE_LIMIT = 100_000

export class ExposureBatcher {
  private queue: ExposureEvent[] = []
  private seen = new Set<string>()
  private timer: NodeJS.Timeout | null = null
  dropped = 0

  constructor(private readonly listener: ExposureListener, private readonly intervalMs: number, private readonly report: (err: unknown) => void) {}

  /** hot path: remembers one exposure. */
  push(unit: string, experiment: string, arm: string): void {
    const id = `${experiment}\u0000${arm}\u0000${unit}`
    if (this.seen.has(id)) return
    if (this.queue.length >= QUEUE_LIMIT) {
      this.dropped++
      return
    }
    if (this.seen.size >= SEEN_LIMIT) this.seen.clear()
    this.seen.add(id)
    this.queue.push({ unit, experiment, arm })
    if (this.timer === null) {
      this.timer = setTimeout(() => this.flush(), this.intervalMs)
      this.timer.unref()
    }
  }

  /** Hands the queued events to the listener now. */
  flush(): void {
    if (this.timer !== null) clearTimeout(this.timer)
    this.timer = null
    if (this.queue.length === 0) return
    const batch = this.queue
    this.queue = []
    try {
      this.listener(batch)
    } catch (err) {
      this.report(err)
    }
  }
}
