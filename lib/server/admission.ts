/**
 * Admission control: new requests get 503 with Retry-After before any handler
 * runs when too many are in flight, when the event loop lagged, or when a
 * request has already waited too long behind the others of its loop turn, so
 * the requests that are admitted keep their latency. Routes marked
 * `shedding: false` (health checks, admin) are always admitted.
 */
import { performance } from 'node:perf_hooks'
import { GriddleTypeError } from '../errors.js'

export interface AdmissionOptions {
  /** Requests waiting for a handler or a body at once (default 1024; 0 turns this bound off). */
  maxInFlight?: number
  /** Event-loop delay, over the last sampling period, past which requests are shed (default 100 ms; 0 turns this bound off). */
  maxEventLoopDelayMs?: number
  /**
   * uWS hands over, in one event-loop turn, every request that arrived since
   * the last: one handled this long after the turn's first waited that long
   * behind the others, and is shed (default 10 ms; 0 turns this bound off).
   * This is what sees overload from handlers that answer synchronously, which
   * never count as in flight.
   */
  maxQueueDelayMs?: number
  /** The Retry-After header of a shed request, in seconds (default 1). */
  retryAfterSeconds?: number
}

/** How often the event-loop delay is sampled. */
const SAMPLE_MS = 50

export class Admission {
  readonly maxInFlight: number
  readonly maxDelayNs: number
  readonly retryAfter: string
  readonly maxQueueMs: number
  /** Set by the sampler; read on every request. */
  lagging = false
  private inTurn = false
  private turnStart = 0
  private readonly endTurn = (): void => { this.inTurn = false }
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
    this.maxQueueMs = int('maxQueueDelayMs', o.maxQueueDelayMs, 10, 60_000)
  }

  /** hot path: whether a new request must be shed, given the requests in flight. */
  overloaded(inFlight: number): boolean {
    if (this.lagging || (this.maxInFlight > 0 && inFlight >= this.maxInFlight)) return true
    if (this.maxQueueMs === 0) return false
    const now = performance.now()
    if (!this.inTurn) {
      // The first request of a loop turn: the turn ends when the check phase runs.
      this.inTurn = true
      this.turnStart = now
      setImmediate(this.endTurn)
      return false
    }
    return now - this.turnStart > this.maxQueueMs
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
