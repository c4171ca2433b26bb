/**
 * One candidate version of one route (the `Release` of release-types.ts):
 * its state machine, the native state it publishes (percent, ghost sample,
 * arms), the ramp controller's ticks, and the audit entries of every change.
 */
import { GriddleError, GriddleTypeError } from '../errors.js'
import type { ReleaseHost } from './release-host.js'
import { releaseSeed } from './release-table.js'
import type {
  ArmFigures, AuditAction, AuditEntry, GhostComparison, GhostOptions, GhostStatus, Release, ReleaseState, ReleaseStatus, RampOptions,
} from './release-types.js'
import { checkRamp, judge, type ResolvedRamp } from './ramp.js'
import { armKey, figures, readCounts, type Counts } from './windows.js'
import type { VersionSource } from './versions.js'

const EMPTY_GHOST: GhostStatus = { runs: 0, mismatches: 0, errors: 0, shed: 0, paths: {}, noise: {}, examples: [] }

function checkGhost(o: GhostOptions): GhostOptions {
  if (o === null || typeof o !== 'object') throw new GriddleTypeError('GRIDDLE_ERR_RELEASE_OPTION', 'ghost: options must be an object')
  if (typeof o.sample !== 'number' || !(o.sample >= 0 && o.sample <= 1)) {
    throw new GriddleTypeError('GRIDDLE_ERR_RELEASE_OPTION', `ghost: sample must be a number from 0 to 1, got ${JSON.stringify(o.sample)}`)
  }
  return o
}

export class ReleaseImpl implements Release {
  readonly version: string
  readonly ready: Promise<this>
  private state: ReleaseState = 'loaded'
  private percent = 0
  private step = -1
  private ghostBp = 0
  private ramping: ResolvedRamp | null = null
  private windowAt = Date.now()
  private windowStart = new Map<string, Counts>()
  private heldStep = -1
  /**
   * The stable arm's figures over the last window that had stable traffic: a
   * step at 100 % leaves stable none, so the candidate is judged against these.
   */
  private lastStable: ArmFigures | null = null
  private reason: string | null = null
  private comparison: GhostComparison | null = null
  private loaded = false
  private refused: string | null = null
  private queue: Array<() => void> = []
  private timer: NodeJS.Timeout | null = null
  private readonly seed: [number, number]
  private readonly slot: number
  private stableVersion: string
  /** The version serving the rest of the traffic before a promotion (kept for an instant rollback). */
  private readonly previous: string
  readonly candidateArm: number
  private readonly previousArm: number

  constructor(private readonly host: ReleaseHost, readonly route: string, private readonly source: VersionSource,
    private readonly onDrop: (r: ReleaseImpl) => void, actor: string) {
    this.version = source.version
    const stable = host.stableOf(route)
    if (stable === undefined) throw new GriddleError('GRIDDLE_ERR_RELEASE_NOT_FOUND', `the app has no route ${route}`)
    if (stable === source.version) throw new GriddleError('GRIDDLE_ERR_RELEASE_STATE', `${route}: ${source.version} is already the stable version`)
    this.stableVersion = this.previous = stable
    this.slot = host.table.slot(route)
    this.previousArm = host.table.arm(stable)
    this.candidateArm = host.table.arm(source.version)
    this.seed = releaseSeed(route, source.version)
    this.ready = this.load(actor)
    // An unhandled rejection would end the process; the reason is in status() and the audit log.
    this.ready.catch(() => undefined)
  }

  private async load(actor: string): Promise<this> {
    try {
      await this.host.load(this.route, this.source, this.candidateArm)
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err)
      this.refused = this.reason = reason
      this.queue = []
      this.audit(actor, 'refuse', null, 0, { reason })
      this.onDrop(this)
      throw err instanceof GriddleError ? err : new GriddleError('GRIDDLE_ERR_RELEASE_LOAD', reason, { cause: err })
    }
    this.loaded = true
    this.publish()
    this.audit(actor, 'load', 'loaded', 0, { module: this.source.module, export: this.source.module === null ? null : this.source.export })
    for (const f of this.queue.splice(0)) f()
    return this
  }

  /** Runs f now once loaded, or once the load completes; refuses after a failed load. */
  private when(f: () => void): this {
    if (this.refused !== null) throw new GriddleError('GRIDDLE_ERR_RELEASE_STATE', `${this.route} ${this.version} was refused: ${this.refused}`)
    if (this.loaded) f()
    else this.queue.push(f)
    return this
  }

  private need(allowed: ReleaseState[], what: string): void {
    if (!allowed.includes(this.state)) {
      throw new GriddleError('GRIDDLE_ERR_RELEASE_STATE', `${this.route} ${this.version}: cannot ${what} while ${this.state}`)
    }
  }

  ghost(options: GhostOptions, actor = 'api'): this {
    const o = checkGhost(options)
    return this.when(() => {
      this.need(['loaded', 'ghost', 'ramping', 'paused', 'rolled-back'], 'ghost')
      const from = this.state
      const fromPct = this.percent
      this.ghostBp = Math.round(o.sample * 10000)
      this.comparison = this.host.ghost(this.route, this.candidateArm, o)
      this.comparison?.reset()
      if (from === 'loaded' || from === 'rolled-back') {
        this.state = 'ghost'
        this.percent = 0
        this.openWindow()
      }
      this.publish()
      this.audit(actor, 'ghost', from, fromPct, { sample: o.sample, maxConcurrent: o.maxConcurrent ?? 32 })
    })
  }

  ramp(options?: RampOptions, actor = 'api'): this {
    const r = checkRamp(options)
    return this.when(() => {
      this.need(['loaded', 'ghost', 'paused', 'rolled-back'], 'ramp')
      const from = this.state
      const fromPct = this.percent
      this.ramping = r
      this.state = 'ramping'
      this.step = 0
      this.percent = r.steps[0]!
      this.reason = null
      const counts = this.readNow()
      this.lastStable = this.armFigures(this.stableVersion, counts)
      this.openWindow(counts)
      this.publish()
      this.startTimer()
      this.audit(actor, 'ramp', from, fromPct, { steps: r.steps, minSamples: r.minSamples, minStepMs: r.minStepMs, tickMs: r.tickMs, guards: r.guards })
    })
  }

  pause(actor = 'api'): this {
    return this.when(() => {
      this.need(['ramping', 'ghost'], 'pause')
      const from = this.state
      this.state = 'paused'
      this.stopTimer()
      this.audit(actor, 'pause', from, this.percent, {})
    })
  }

  resume(actor = 'api'): this {
    return this.when(() => {
      this.need(['paused'], 'resume')
      this.state = this.ramping !== null ? 'ramping' : 'ghost'
      // The step's window starts again: figures from before the pause are not this step's.
      this.openWindow()
      if (this.ramping !== null) this.startTimer()
      this.audit(actor, 'resume', 'paused', this.percent, {})
    })
  }

  promote(actor = 'api', evidence: Record<string, unknown> = {}): this {
    return this.when(() => {
      this.need(['loaded', 'ghost', 'ramping', 'paused'], 'promote')
      const from = this.state
      const fromPct = this.percent
      this.stopTimer()
      this.state = 'promoted'
      this.percent = 100
      this.ghostBp = 0
      this.stopGhost()
      this.stableVersion = this.version
      this.host.setStable(this.route, this.version)
      this.publish()
      this.audit(actor, 'promote', from, fromPct, { ...evidence, previous: this.previous })
    })
  }

  rollback(reason?: string, actor = 'api', evidence: Record<string, unknown> = {}): this {
    if (reason !== undefined && typeof reason !== 'string') throw new GriddleTypeError('GRIDDLE_ERR_RELEASE_OPTION', 'rollback: reason must be a string')
    return this.when(() => {
      this.need(['loaded', 'ghost', 'ramping', 'paused', 'promoted'], 'roll back')
      const from = this.state
      const fromPct = this.percent
      this.stopTimer()
      this.state = 'rolled-back'
      this.percent = 0
      this.ghostBp = 0
      this.stopGhost()
      this.reason = reason ?? 'rolled back by hand'
      if (this.stableVersion !== this.previous) {
        this.stableVersion = this.previous
        this.host.setStable(this.route, this.previous)
      }
      this.publish()
      this.audit(actor, 'rollback', from, fromPct, { ...evidence, reason: this.reason })
    })
  }

  drop(actor = 'api'): void {
    this.stopTimer()
    this.stopGhost()
    const from = this.state
    const fromPct = this.percent
    this.queue = []
    if (this.loaded) {
      // The version no longer serving goes; the route keeps its per-arm state (and cache keys).
      const gone = this.state === 'promoted' ? this.previousArm : this.candidateArm
      this.ghostBp = 0
      this.percent = this.state === 'promoted' ? 100 : 0
      this.publish()
      this.host.unload(this.route, gone)
    }
    this.onDrop(this)
    this.audit(actor, 'drop', from, fromPct, { stable: this.stableVersion }, null)
  }

  status(): ReleaseStatus {
    const counts = this.readNow()
    const start = this.windowStart
    const arm = (v: string) => figures(v, counts.get(armKey(this.route, v)), start.get(armKey(this.route, v)))
    return {
      route: this.route, version: this.version, stableVersion: this.stableVersion, state: this.state, percent: this.percent,
      step: this.state === 'ramping' || this.state === 'paused' ? this.step : -1,
      ghost: this.comparison?.status() ?? EMPTY_GHOST,
      stable: arm(this.state === 'promoted' ? this.previous : this.stableVersion), candidate: arm(this.version),
      guards: this.ramping?.guards ?? null,
      audit: this.host.audit.entries(50, this.route, this.version),
      reason: this.reason,
    }
  }

  /** One controller tick (public for tests): judges the step's window and acts. */
  tick(now = Date.now()): void {
    const r = this.ramping
    if (r === null || this.state !== 'ramping') return
    const counts = this.readNow()
    const live = this.armFigures(this.stableVersion, counts)
    const stable = this.percent >= 100 && this.lastStable !== null ? this.lastStable : live
    const candidate = this.armFigures(this.version, counts)
    const v = judge(r, stable, candidate, this.comparison?.mismatchRate() ?? 0, now - this.windowAt)
    const evidence = { ...v.evidence, step: this.step, percent: this.percent }
    if (v.kind === 'breach') {
      this.rollback(`guard breached: ${v.reasons.join('; ')}`, 'controller', evidence)
    } else if (v.kind === 'hold') {
      // Missing data after the step's time: said once per step, and the step holds.
      if (v.why === 'samples' && now - this.windowAt >= r.minStepMs && this.heldStep !== this.step) {
        this.heldStep = this.step
        this.audit('controller', 'hold', 'ramping', this.percent, { ...evidence, why: `fewer than ${r.minSamples} requests in an arm` })
      }
    } else if (this.step + 1 >= r.steps.length) {
      this.promote('controller', evidence)
    } else {
      const fromPct = this.percent
      this.step++
      this.lastStable = stable
      this.percent = r.steps[this.step]!
      this.openWindow(counts, now)
      this.publish()
      this.audit('controller', 'step', 'ramping', fromPct, evidence)
    }
  }

  /** One arm's figures over the current window. */
  private armFigures(version: string, counts: Map<string, Counts>): ArmFigures {
    const key = armKey(this.route, version)
    return figures(version, counts.get(key), this.windowStart.get(key))
  }

  private readNow(): Map<string, Counts> {
    this.host.flush()
    return readCounts(this.host.stats)
  }

  private openWindow(counts = this.readNow(), now = Date.now()): void {
    this.windowStart = counts
    this.windowAt = now
  }

  private startTimer(): void {
    this.stopTimer()
    const t = this.timer = setInterval(() => {
      try {
        this.tick()
      } catch (err) {
        console.error(`griddle: release ${this.route} ${this.version}: ${err instanceof Error ? err.stack : String(err)}`)
      }
    }, this.ramping!.tickMs)
    t.unref()
  }

  /** The app closes: no more ticks. */
  stopTimers(): void {
    this.stopTimer()
  }

  private stopTimer(): void {
    if (this.timer !== null) clearInterval(this.timer)
    this.timer = null
  }

  private stopGhost(): void {
    if (this.comparison !== null) this.host.ghost(this.route, this.candidateArm, null)
  }

  /** The native state every dispatcher reads: one publish, seen by every thread at once. */
  private publish(): void {
    const promoted = this.state === 'promoted'
    this.host.table.set(this.slot, {
      active: true,
      percentBp: promoted ? 0 : Math.round(this.percent * 100),
      ghostBp: promoted ? 0 : this.ghostBp,
      seed: this.seed,
      stableArm: promoted ? this.candidateArm : this.host.table.arm(this.stableVersion),
      candidateArm: promoted ? this.previousArm : this.candidateArm,
    })
  }

  private audit(actor: string, action: AuditAction, from: ReleaseState | null, fromPct: number, evidence: Record<string, unknown>,
    to: ReleaseState | null = this.state): void {
    const e: AuditEntry = {
      at: new Date().toISOString(), actor, action, route: this.route, version: this.version,
      from: { state: from, percent: fromPct }, to: { state: to, percent: to === null ? 0 : this.percent }, evidence,
    }
    this.host.audit.write(e)
  }
}
