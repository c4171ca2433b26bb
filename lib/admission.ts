/**
 * Admission control: when too many requests are in flight or the event loop
 * lags, new requests get 503 with Retry-After before any handler runs, so the
 * requests that are admitted keep their latency. Routes marked
 * `shedding: false` (health checks, admin) are always admitted.
 */
import { performance } from 'node:perf_hooks'
import { GriddleTypeError } from './errors.js'

export interface AdmissionOptions {
  /** Requests waiting for a handler or a body at once (default 1024; 0 turns this bound off). */
  maxInFlight?: number
  /** Event-loop delay, over the last sampling period, past which requests are shed (default 100 ms; 0 turns this bound off). */
  maxEventLoopDelayMs?: number
  /** The Retry-After header of a shed request, in seconds (default 1). */
  retryAfterSeconds?: number
}

/** How often the event-loop delay is sampled. */
const SAMPLE_MS = 50

export class Admission {
  readonly maxInFlight: number
  readonly maxDelayNs: number
  readonly retryAfter: string
  /** Set by the sampler; read on every request. */
  lagging = false
  /** Requests shed so far. */
  shed = 0
  private timer: NodeJS.Timeout | null = null

  constructor(o: AdmissionOptions = {}) {
    const int = (name: string, v: unknown, dflt: number, max: number) => {
      if (v === undefined) return dflt
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > max) {
        throw new GriddleTypeError('GRIDDLE_ERR_INVALID_OPTION', `admission.${name} must be an integer from 0 to ${max}`)
      }
      return v
    }
    this.maxInFlight = int('maxInFlight', o.maxInFlight, 1024, 2 ** 31 - 1)
    this.maxDelayNs = int('maxEventLoopDelayMs', o.maxEventLoopDelayMs, 100, 60_000) * 1e6
    this.retryAfter = String(int('retryAfterSeconds', o.retryAfterSeconds, 1, 86_400))
  }

  /** hot path: whether a new request must be shed, given the requests in flight. */
  overloaded(inFlight: number): boolean {
    return this.lagging || (this.maxInFlight > 0 && inFlight >= this.maxInFlight)
  }

  start(): void {
    if (this.maxDelayNs === 0 || this.timer !== null) return
    // The sampler's own lateness is the delay: it is known in the first tick
    // after a stall, so the requests queued behind the stall are the ones shed.
    let last = performance.now()
    this.timer = setInterval(() => {
      const now = performance.now()
      this.lagging = (now - last - SAMPLE_MS) * 1e6 > this.maxDelayNs
      last = now
    }, SAMPLE_MS)
    this.timer.unref()
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer)
    this.timer = null
    this.lagging = false
  }
}
