/**
 * Admission control: new requests get 503 with Retry-After before any handler
 * runs when too many handlers are in flight, when the event loop lagged, or
 * when a queue has stood for a whole interval (CoDel's rule, below), so the
 * requests that are admitted keep their latency. Bodies being read are counted
 * apart, by their own number and bytes: a slow upload holds a connection and
 * memory, not a handler. Routes marked `shedding: false` (health checks,
 * admin) are always admitted.
 */
import { performance } from 'node:perf_hooks'
import { GriddleTypeError } from '../errors.js'
import { READING } from './reply.js'
import { kState } from '../symbols.js'

export interface AdmissionOptions {
  /** Handlers running or awaited at once, bodies being read not counted (default 1024; 0 turns this bound off). */
  maxInFlight?: number
  /** Request bodies being read at once (default 1024; 0 turns this bound off). */
  maxBodiesInFlight?: number
  /**
   * Bytes of request bodies being read at once: the Content-Length of each,
   * or what has arrived of a chunked one (default 64 MiB; 0 turns this bound off).
   */
  maxBodyBytesInFlight?: number
  /**
   * Event-loop delay, sampled every 50 ms, past which requests are shed once
   * the loop has been that late for a whole `queueIntervalMs` (default 100 ms;
   * 0 turns this bound off).
   */
  maxEventLoopDelayMs?: number
  /**
   * The queue-delay target (default 10 ms; 0 turns this bound off). uWS hands
   * over, in one event-loop turn, every request that arrived since the last;
   * a turn that lasts longer than this left the requests arriving meanwhile
   * waiting as long. Once turns have lasted longer than the target, back to
   * back (no idle interval between them), for a whole `queueIntervalMs`, the
   * queue is standing, not a burst:
   * requests handled later than the target into a turn are shed. A turn that
   * ends within the target pauses shedding; the next turn past the target
   * resumes it at once, until an interval has passed since the last request
   * shed. This is what sees overload from handlers that answer synchronously,
   * which never count as in flight.
   */
  maxQueueDelayMs?: number
  /**
   * How long the queue delay must stay above its target before shedding
   * starts (default 500 ms). CoDel's 100 ms suits network queues; a server
   * burst (1,000 connections at once) takes a few hundred ms to serve, and
   * is better served late than refused.
   */
  queueIntervalMs?: number
  /** The Retry-After header of a shed request, in seconds (default 1). */
  retryAfterSeconds?: number
}

/** How often the event-loop delay is sampled. */
const SAMPLE_MS = 50

/** What the body accounting needs of a request: its state (READING while its body arrives). */
interface Reader {
  [kState]: number
}

export class Admission {
  readonly maxInFlight: number
  readonly maxBodies: number
  readonly maxBodyBytes: number
  readonly maxDelayNs: number
  readonly retryAfter: string
  readonly maxQueueMs: number
  readonly intervalMs: number
  /** Set by the sampler; read on every request. */
  lagging = false
  private inTurn = false
  private turnStart = 0
  private turnEnd = 0
  /** When the current run of turns longer than the target began (0: none). */
  private aboveSince = 0
  /** True while a standing queue is being shed. */
  private dropping = false
  /**
   * Until when a turn past the target sheds again at once: an interval after
   * the last shed request (CoDel's re-entry while it was dropping recently).
   * Shedding makes turns short, and one short turn ends the dropping state;
   * without this, the queue would have to stand a whole interval again.
   */
  private resumeUntil = 0
  private readonly scheduledEnd = (): void => this.endTurn(performance.now())
  /** Bodies being read, with the bytes each counts for. */
  private readonly readers = new Map<Reader, number>()
  private readerBytes = 0
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
    this.maxBodies = int('maxBodiesInFlight', o.maxBodiesInFlight, 1024, 2 ** 31 - 1)
    this.maxBodyBytes = int('maxBodyBytesInFlight', o.maxBodyBytesInFlight, 64 * 1024 * 1024, Number.MAX_SAFE_INTEGER)
    this.maxDelayNs = int('maxEventLoopDelayMs', o.maxEventLoopDelayMs, 100, 60_000) * 1e6
    this.retryAfter = String(int('retryAfterSeconds', o.retryAfterSeconds, 1, 86_400))
    this.maxQueueMs = int('maxQueueDelayMs', o.maxQueueDelayMs, 10, 60_000)
    this.intervalMs = int('queueIntervalMs', o.queueIntervalMs, 500, 60_000)
  }

  /**
   * hot path: whether a new request must be shed, given the requests pending
   * (handlers in flight plus bodies being read) and the time it was taken up.
   */
  overloaded(pending: number, now = performance.now()): boolean {
    if (this.lagging || (this.maxInFlight > 0 && pending - this.readers.size >= this.maxInFlight)) return true
    if (this.maxQueueMs === 0) return false
    if (!this.inTurn) {
      // The first request of a loop turn: the turn ends when the check phase runs.
      this.inTurn = true
      // No turn for a whole interval: the queue had emptied.
      if (now - this.turnEnd > this.intervalMs) {
        this.aboveSince = 0
        this.dropping = false
      }
      this.turnStart = now
      setImmediate(this.scheduledEnd)
      return false
    }
    if (now - this.turnStart <= this.maxQueueMs) return false
    if (!this.dropping && (now < this.resumeUntil ||
      (this.aboveSince !== 0 && now - this.aboveSince >= this.intervalMs))) this.dropping = true
    if (this.dropping) this.resumeUntil = now + this.intervalMs
    return this.dropping
  }

  /**
   * The end of the loop turn (the check phase calls it; tests, with given
   * times): a turn within the target means the queue had cleared, so shedding
   * pauses, and resumes at once in the next turn past the target.
   */
  endTurn(now: number): void {
    this.inTurn = false
    this.turnEnd = now
    if (now - this.turnStart <= this.maxQueueMs) {
      this.aboveSince = 0
      this.dropping = false
    } else if (this.aboveSince === 0) {
      this.aboveSince = this.turnStart
    }
  }

  /**
   * Side-effect free, for work that may be dropped (ghost runs): true while
   * requests are shed or soon may be: the loop lags, a loop turn has run
   * past the queue-delay target, or handlers in flight have passed half
   * their bound. Ghost runs are skipped on it, so they go before any client.
   */
  busy(pending: number): boolean {
    return this.lagging || this.dropping || this.aboveSince !== 0 ||
      (this.maxInFlight > 0 && pending - this.readers.size >= this.maxInFlight / 2)
  }

  /** Bodies being read now. */
  get bodies(): number {
    return this.readers.size
  }

  /** Bytes of the bodies being read now. */
  get bodyBytes(): number {
    return this.readerBytes
  }

  /** Counts a body about to be read (`bytes`: its Content-Length, 0 when chunked); false when it must be shed. */
  admitBody(reader: Reader, bytes: number): boolean {
    if ((this.maxBodies > 0 && this.readers.size >= this.maxBodies) || !this.fits(bytes)) {
      this.prune()
      if ((this.maxBodies > 0 && this.readers.size >= this.maxBodies) || !this.fits(bytes)) return false
    }
    this.readers.set(reader, bytes)
    this.readerBytes += bytes
    return true
  }

  /** Counts `bytes` more of a chunked body; false when the bytes bound is reached (the body must be shed). */
  growBody(reader: Reader, bytes: number): boolean {
    const held = this.readers.get(reader)
    if (held === undefined) return true
    if (!this.fits(bytes)) {
      this.prune()
      if (!this.fits(bytes)) return false
    }
    this.readers.set(reader, held + bytes)
    this.readerBytes += bytes
    return true
  }

  /** The body has arrived, or its request has ended. */
  releaseBody(reader: Reader): void {
    const held = this.readers.get(reader)
    if (held === undefined) return
    this.readers.delete(reader)
    this.readerBytes -= held
  }

  private fits(bytes: number): boolean {
    return this.maxBodyBytes === 0 || this.readerBytes + bytes <= this.maxBodyBytes
  }

  /** Forgets the bodies whose request ended without them (aborted, timed out). */
  private prune(): void {
    for (const reader of this.readers.keys()) if (reader[kState] !== READING) this.releaseBody(reader)
  }

  start(): void {
    if (this.timer !== null) return
    // The sampler's own lateness is the delay: it is known in the first tick
    // after a stall, so the requests queued behind the stall are the ones shed.
    // Each tick also forgets bodies whose request ended unread.
    // As with the queue, one stall is not overload: the loop must have been
    // late, sample after sample, for a whole interval (a stall that long
    // counts by itself).
    let last = performance.now()
    let lateSince = 0
    this.timer = setInterval(() => {
      const now = performance.now()
      const late = now - last - SAMPLE_MS
      if (this.maxDelayNs > 0 && late * 1e6 > this.maxDelayNs) {
        if (lateSince === 0) lateSince = now - late
        this.lagging = now - lateSince >= this.intervalMs
      } else {
        lateSince = 0
        this.lagging = false
      }
      last = now
      if (this.readers.size > 0) this.prune()
    }, SAMPLE_MS)
    this.timer.unref()
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer)
    this.timer = null
    this.lagging = false
  }
}
