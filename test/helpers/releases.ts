/**
 * An in-test implementation of the releases contract (lib/traffic/release-types.ts)
 * for the admin routes, the CLI and the dashboard: a small state machine that
 * records every call, refuses the moves the real one refuses (409
 * GRIDDLE_ERR_RELEASE_STATE), and audits each change with its actor.
 */
import { GriddleError, GriddleTypeError } from '../../lib/errors.js'
import type {
  ArmFigures, AuditAction, AuditEntry, GhostOptions, GhostStatus, RampGuards, RampOptions, Release, Releases, ReleaseState, ReleaseStatus,
} from '../../lib/traffic/release-types.js'

const GUARDS: Required<RampGuards> = { p99Ratio: 1.25, p99AbsMs: 2, errorRateDelta: 0.005, mismatchRate: 0.001 }

function arm(version: string): ArmFigures {
  return { version, requests: 0, errors: 0, errorRate: 0, p50Ms: 0, p99Ms: 0 }
}

export class TestRelease implements Release {
  readonly calls: unknown[][] = []
  state: ReleaseState = 'loaded'
  percent = 0
  step = -1
  steps: number[] = []
  reason: string | null = null
  guards: Required<RampGuards> | null = null
  ghostFigures: GhostStatus = { runs: 0, mismatches: 0, errors: 0, shed: 0, paths: {}, noise: {}, examples: [] }
  stable: ArmFigures
  candidate: ArmFigures
  readonly ready: Promise<this>
  actor = 'api'

  constructor(readonly route: string, readonly version: string, private readonly log: AuditEntry[]) {
    this.stable = arm('v1')
    this.candidate = arm(version)
    this.ready = Promise.resolve(this)
  }

  private move(action: AuditAction, from: readonly ReleaseState[], to: ReleaseState, percent: number, evidence: Record<string, unknown> = {}): void {
    if (!from.includes(this.state)) throw new GriddleError('GRIDDLE_ERR_RELEASE_STATE', `${action} from ${this.state}`)
    const before = { state: this.state, percent: this.percent }
    this.state = to
    this.percent = percent
    this.log.push({ at: new Date().toISOString(), actor: this.actor, action, route: this.route, version: this.version, from: before, to: { state: to, percent }, evidence })
  }

  ghost(options: GhostOptions): this {
    this.calls.push(['ghost', options])
    this.move('ghost', ['loaded', 'ghost'], 'ghost', 0, { sample: options.sample })
    return this
  }

  ramp(options: RampOptions = {}): this {
    this.calls.push(['ramp', options])
    const steps = options.steps ?? [1, 5, 25, 50, 100]
    // The real release checks its own options too; this one refuses a first step over 50 %.
    if (steps[0]! > 50) throw new GriddleTypeError('GRIDDLE_ERR_INVALID_OPTION', 'ramp: the first step must be at most 50')
    this.move('ramp', ['loaded', 'ghost'], 'ramping', steps[0]!)
    this.steps = steps
    this.step = 0
    this.guards = { ...GUARDS, ...options.guards }
    return this
  }

  pause(): this {
    this.calls.push(['pause'])
    this.move('pause', ['ramping'], 'paused', this.percent)
    return this
  }

  resume(): this {
    this.calls.push(['resume'])
    this.move('resume', ['paused'], 'ramping', this.percent)
    return this
  }

  promote(): this {
    this.calls.push(['promote'])
    this.move('promote', ['ghost', 'ramping', 'paused'], 'promoted', 100)
    this.step = -1
    return this
  }

  rollback(reason?: string): this {
    this.calls.push(reason === undefined ? ['rollback'] : ['rollback', reason])
    this.move('rollback', ['ghost', 'ramping', 'paused', 'promoted'], 'rolled-back', 0, { reason: reason ?? null })
    this.reason = reason ?? 'rolled back'
    this.step = -1
    return this
  }

  drop(): void {
    this.calls.push(['drop'])
  }

  status(): ReleaseStatus {
    return {
      route: this.route, version: this.version, stableVersion: this.stable.version, state: this.state, percent: this.percent, step: this.step,
      ghost: this.ghostFigures, stable: this.stable, candidate: this.candidate, guards: this.guards,
      audit: this.log.filter((e) => e.route === this.route && e.version === this.version), reason: this.reason,
    }
  }
}

export class TestReleases implements Releases {
  readonly all: TestRelease[] = []
  private readonly log: AuditEntry[] = []

  add(route: string, version: string): TestRelease {
    const r = new TestRelease(route, version, this.log)
    this.all.push(r)
    return r
  }

  list(): ReleaseStatus[] {
    return this.all.map((r) => r.status())
  }

  get(route: string, version?: string): TestRelease | undefined {
    return this.all.find((r) => r.route === route && (version === undefined || r.version === version))
  }

  audit(limit = 1000): AuditEntry[] {
    return this.log.slice(-limit)
  }

  /** Every change made through the view is audited as `actor`. */
  withActor(actor: string): Releases {
    return {
      list: () => this.list(),
      audit: (limit) => this.audit(limit),
      get: (route, version) => {
        const r = this.get(route, version)
        return r === undefined ? undefined : actingAs(r, actor)
      },
    }
  }
}

/** The release, with its changes audited as `actor`. */
function actingAs(r: TestRelease, actor: string): Release {
  return new Proxy(r, {
    get(target, key, receiver) {
      const v = Reflect.get(target, key, receiver) as unknown
      if (typeof v !== 'function' || key === 'status') return v
      return (...args: unknown[]) => {
        const before = target.actor
        target.actor = actor
        try {
          return (v as (...a: unknown[]) => unknown).apply(target, args)
        } finally {
          target.actor = before
        }
      }
    },
  })
}
