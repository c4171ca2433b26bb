/**
 * Ghost runs: after the stable version has answered a client, the candidate
 * answers a frozen copy of the same request, and its output is compared
 * with what the client got (ghost-compare.ts). Nothing here runs on the
 * client's time: the end point only copies (ghost-capture.ts), and the runs
 * start in a setImmediate, after uWS has the client's bytes.
 *
 * A run goes through the request path's own background path, the one a
 * stale cache entry's refresh takes (lib/cache/cached-request.ts): a Reply
 * with no socket (`kRes` null) handed to run(), which validates, runs the
 * handler, serializes, and ends at endReply as kind 'refresh' without
 * writing anywhere. The end listener hands those ends back here through
 * ghostEnd(), which is how the candidate's status, headers and body are
 * captured. A ghost request carries no cache key, so it never stores.
 *
 * Wiring (what the release code does, and what test/traffic/ghost.test.ts
 * does by hand): the app's end listener (`app[kOnEnd]`) calls ghostEnd(e)
 * first, and for a request of the ghost sample, runner.capture(e); the
 * runner takes the app's Core (App's private `core`; the test reads it
 * through a cast, so no new API exists for it).
 */
import { performance } from 'node:perf_hooks'
import { GriddleTypeError } from '../errors.js'
import type { Core, Handler, RouteEntry } from '../server/core.js'
import type { Ended } from '../server/end.js'
import { httpStatus } from '../server/error-answer.js'
import { ABORTED, OPEN, Reply } from '../server/reply.js'
import type { Request } from '../server/request.js'
import { run } from '../server/run.js'
import { kController, kDeadline, kRequest, kState } from '../symbols.js'
import { checkGhostOptions, CpuMeter, noiseRun, type GhostRunOptions } from './ghost-budget.js'
import { copyOutput, described, failedRaw, freeze, thaw, toCaptured, type FrozenRequest, type RawOutput } from './ghost-capture.js'
import { createGhostComparison, matchRaw } from './ghost-compare.js'
import type { GhostComparison, GhostOptions } from './release-types.js'

/** One candidate run, as reported to the release (its per-arm histograms). */
export interface CandidateRun {
  /** From the start of the run to its answer (or to the timeout). */
  ms: number
  /** 0 when it threw or timed out. */
  status: number
  /** Why it counts as an error (threw, rejected, timed out), or null. */
  error: string | null
  /** An error, or a 5xx answer: what the error-rate guard counts. */
  failed: boolean
}

export interface GhostVersions {
  candidate: Handler
  /** The stable version, run a second time on the noise sample. */
  stable: Handler
}

export interface GhostRunnerHooks {
  /** The comparison the runs feed; by default a new one from options.compare. */
  comparison?: GhostComparison
  /** Told of each candidate run, after its comparison; a throwing callback is ignored. */
  onRun?: (run: CandidateRun) => void
}

/** Ghost runs' synchronous time on this thread, across every runner: what cpuShare limits. */
const meter = new CpuMeter()

/** One handler execution of a ghost run, found again at the end point through its request. */
interface Execution {
  readonly ghost: GhostRun
  readonly reply: Reply
  thrown: unknown
  /** Its answer as the end point saw it (parsed only if the comparison needs it), or its failure. */
  out: RawOutput | null
}

const executions = new WeakMap<Request, Execution>()

/**
 * The end listener's first call: true (and the answer taken) when the
 * request that ended is a ghost run's; false for every other request.
 * hot path: measure before changing (one field read for a client's request).
 */
export function ghostEnd(e: Ended): boolean {
  const req = e.req
  if (req === null || !req.ghost) return false
  const x = executions.get(req)
  if (x !== undefined && x.out === null) {
    const err = x.thrown
    // A thrown error without a 4xx status is the candidate failing; a 4xx is an answer like any other.
    const s = err === undefined ? 0 : httpStatus(err)
    x.out = err !== undefined && (s === 0 || s >= 500) ? failedRaw(`threw: ${err instanceof Error ? err.message : String(err)}`) : copyOutput(e)
    x.ghost.settle()
  }
  return true
}

class GhostRun {
  readonly candidate: Execution
  readonly stable2: Execution | null
  start = 0
  private timer: NodeJS.Timeout | null = null
  private done = false

  constructor(readonly runner: GhostRunner, readonly frozen: FrozenRequest, readonly stable: RawOutput, noise: boolean) {
    this.candidate = this.execution()
    this.stable2 = noise ? this.execution() : null
  }

  private execution(): Execution {
    const reply = new Reply(null, this.runner.route, 0)
    // Not tracked as the app's pending request: the runner keeps its own deadline, and ghost runs must not count against admission.
    reply[kDeadline] = -1
    return { ghost: this, reply, thrown: undefined, out: null }
  }

  begin(timeoutMs: number): void {
    const t = this.start = performance.now()
    // The noise run's copy is taken first: the candidate is handed the frozen copy itself, and may change it.
    const stableReq = this.stable2 === null ? null : this.prepare(this.stable2, false)
    const candidateReq = this.prepare(this.candidate, true)
    this.exec(this.candidate, candidateReq, this.runner.candidateEntry)
    if (this.stable2 !== null) this.exec(this.stable2, stableReq, this.runner.stableEntry)
    this.settle()
    // Most handlers answer synchronously, and such a run is over here: only one still waiting needs a timer.
    if (this.done) return
    this.timer = setTimeout(() => this.expire(timeoutMs), Math.max(0, timeoutMs - (performance.now() - t)))
    this.timer.unref()
  }

  private prepare(x: Execution, last: boolean): Request | null {
    try {
      const req = thaw(this.frozen, x.reply, last)
      x.reply[kRequest] = req
      executions.set(req, x)
      return req
    } catch (err) {
      x.out = ownFailure(err)
      return null
    }
  }

  private exec(x: Execution, req: Request | null, entry: RouteEntry): void {
    if (req === null) return
    const t = performance.now()
    try {
      run(this.runner.core, entry, req, x.reply)
    } catch (err) {
      if (x.out === null) x.out = ownFailure(err)
    }
    meter.add(performance.now() - t)
  }

  private expire(timeoutMs: number): void {
    for (const x of [this.candidate, this.stable2]) {
      if (x === null || x.out !== null) continue
      x.out = failedRaw(`timed out after ${timeoutMs} ms`)
      // A late answer finds the reply closed and is dropped (run.ts checks OPEN).
      x.reply[kState] = ABORTED
      x.reply[kController]?.abort()
    }
    this.settle()
  }

  /** Called as each execution ends, and once both have started: when all have ended, compares and reports. */
  settle(): void {
    if (this.done || this.candidate.out === null || (this.stable2 !== null && this.stable2.out === null)) return
    this.done = true
    if (this.timer !== null) clearTimeout(this.timer)
    this.runner.finish(this, performance.now() - this.start)
  }
}

/**
 * The ghost runs of one release: created by the release with both versions
 * of the route and the ghost options; capture() is called for each request
 * of the ghost sample as it ends.
 */
export class GhostRunner {
  readonly comparison: GhostComparison
  readonly candidateEntry: RouteEntry
  readonly stableEntry: RouteEntry
  private readonly o: GhostRunOptions
  private readonly onRun: ((run: CandidateRun) => void) | null
  private inFlight = 0
  private started = 0
  private stopped = false
  /** Runs captured and not yet begun: one setImmediate begins them all (swapped with `spare` so that a capture during the flush waits for the next). */
  private queue: GhostRun[] = []
  private spare: GhostRun[] = []
  private readonly flush = (): void => {
    const q = this.queue
    this.queue = this.spare
    this.spare = q
    for (let i = 0; i < q.length; i++) this.begin(q[i]!)
    q.length = 0
  }

  constructor(readonly core: Core, readonly route: number, versions: GhostVersions, options: GhostOptions, hooks: GhostRunnerHooks = {}) {
    this.o = checkGhostOptions(options)
    const entry = core.entries[route]
    if (entry === undefined) throw new GriddleTypeError('GRIDDLE_ERR_INVALID_ARG', `no route with id ${route}`)
    if (typeof versions?.candidate !== 'function' || typeof versions.stable !== 'function') {
      throw new GriddleTypeError('GRIDDLE_ERR_INVALID_ARG', 'versions.candidate and versions.stable must be handlers')
    }
    this.candidateEntry = { ...entry, handler: watched(versions.candidate) }
    this.stableEntry = { ...entry, handler: watched(versions.stable) }
    this.comparison = hooks.comparison ?? createGhostComparison(options.compare ?? {})
    this.onRun = hooks.onRun ?? null
  }

  /** Ghost runs in flight now. */
  get running(): number {
    return this.inFlight
  }

  /**
   * Called at the end point for a stable answer of the ghost sample: copies
   * what the run needs now, and starts it later. Returns false when it was
   * not taken (not an answer of a handler, or shed: counted).
   */
  capture(e: Ended): boolean {
    const req = e.req
    if (req === null || req.ghost || e.route !== this.route || (e.kind !== 'miss' && e.kind !== 'error')) return false
    if (this.stopped || this.core.closing) return false
    if (this.shedding()) return false
    let run: GhostRun
    try {
      run = new GhostRun(this, freeze(req), copyOutput(e), this.o.noise && noiseRun(this.started))
    } catch (err) {
      // A body the handler left uncloneable (a function put on req.body): that request is not ghosted.
      this.core.report(err, req)
      return false
    }
    this.started++
    this.inFlight++
    if (this.queue.push(run) === 1) setImmediate(this.flush)
    return true
  }

  /** No new runs from now on (the release left ghost mode, or the app closes); runs in flight finish. */
  stop(): void {
    this.stopped = true
  }

  private shedding(): boolean {
    const admission = this.core.admission
    if (this.inFlight >= this.o.maxConcurrent || meter.share() > this.o.cpuShare ||
      (admission !== null && admission.busy(this.core.pending.size))) {
      this.comparison.shed()
      return true
    }
    return false
  }

  private begin(run: GhostRun): void {
    // The load may have risen since the capture: ghost runs are the first thing dropped.
    const admission = this.core.admission
    if (this.stopped || (admission !== null && admission.busy(this.core.pending.size)) || meter.share() > this.o.cpuShare) {
      this.inFlight--
      this.comparison.shed()
      return
    }
    run.begin(this.o.timeoutMs)
  }

  /** A run whose executions have all ended: compare, then report the candidate. */
  finish(run: GhostRun, ms: number): void {
    this.inFlight--
    const t = performance.now()
    const out = run.candidate.out!
    const stable2 = run.stable2 === null ? null : run.stable2.out
    try {
      // Equal bytes are a match, counted without parsing; only a difference is parsed and walked path by path.
      const c = this.comparison
      if (!matchRaw(c, run.stable, out, stable2)) {
        c.observe(described(run.frozen), toCaptured(run.stable), toCaptured(out), stable2 === null ? undefined : toCaptured(stable2))
      }
    } catch (err) {
      this.core.report(err, null)
    }
    meter.add(performance.now() - t)
    if (this.onRun === null) return
    try {
      this.onRun({ ms, status: out.error === null ? out.status : 0, error: out.error, failed: out.error !== null || out.status >= 500 })
    } catch {
      // The release's bookkeeping must not break the runs.
    }
  }
}

/** The handler, remembering what it threw or rejected with on its execution (ghostEnd reads it). */
function watched(handler: Handler): Handler {
  return (req, reply) => {
    let value: unknown
    try {
      value = handler(req, reply)
    } catch (err) {
      note(req, err)
      throw err
    }
    if (typeof value === 'object' && value !== null && typeof (value as PromiseLike<unknown>).then === 'function') {
      return Promise.resolve(value).then(undefined, (err: unknown) => {
        note(req, err)
        throw err
      })
    }
    return value
  }
}

/** run() answers a handler's errors itself; this is griddle's own failure, and it must not escape a setImmediate. */
function ownFailure(err: unknown): RawOutput {
  return failedRaw(`ghost run failed: ${err instanceof Error ? err.message : String(err)}`)
}

function note(req: Request, err: unknown): void {
  const x = executions.get(req)
  if (x !== undefined && x.reply[kState] === OPEN) x.thrown = err ?? new Error(String(err))
}
