/**
 * The public shapes of live upgrades (releases, ghost mode, ramp-up, audit):
 * the contract between the release controller (release.ts, releases.ts,
 * ramp.ts, audit.ts), the ghost comparison (diff.ts, noise.ts), the admin
 * routes and the CLI. docs/releases.md documents each field.
 */

/** Where a release is in its life. */
export type ReleaseState = 'loaded' | 'ghost' | 'ramping' | 'paused' | 'promoted' | 'rolled-back'

export interface GhostCompareOptions {
  /** JSON Pointers (RFC 6901) never compared; a trailing "/*" ignores everything under a path, "*" matches one segment. */
  ignore?: string[]
  /** Response headers compared (lower-case names); default ['content-type']. */
  headers?: string[]
  /** Run the stable version twice on a sample and discount paths that differ between the two (default true). */
  noise?: boolean
}

export interface GhostOptions {
  /** Share of the route's stable requests that also run the candidate, 0 to 1. */
  sample: number
  compare?: GhostCompareOptions
  /** Ghost runs in flight at most (default 32); more are shed and counted. */
  maxConcurrent?: number
  /** Share of one thread's CPU time ghost runs may take (default 0.1). */
  cpuShare?: number
  /** A candidate run slower than this is an error (default 1000 ms). */
  timeoutMs?: number
}

export interface RampGuards {
  /** Breach when candidate p99 > stable p99 × p99Ratio (and p99AbsMs below). Default 1.25. */
  p99Ratio?: number
  /** ... and candidate p99 − stable p99 > p99AbsMs. Default 2. */
  p99AbsMs?: number
  /** Breach when the candidate's error rate exceeds stable's by more than this (0 to 1). Default 0.005. */
  errorRateDelta?: number
  /** Breach when the ghost mismatch rate exceeds this (0 to 1). Default 0.001. */
  mismatchRate?: number
}

export interface RampOptions {
  /** Percentages of live traffic, increasing, each in (0, 100]; the last one promotes when it passes. Default [1, 5, 25, 50, 100]. */
  steps?: number[]
  /** Requests each arm needs in the step's window before the step can pass. Default 1000. */
  minSamples?: number
  /** Time a step lasts at least. Default 30000. */
  minStepMs?: number
  /** How often the controller compares the arms. Default 1000. */
  tickMs?: number
  guards?: RampGuards
}

/** One arm's figures over the current window (a ramp step, or the ghost run so far). */
export interface ArmFigures {
  version: string
  requests: number
  errors: number
  errorRate: number
  p50Ms: number
  p99Ms: number
}

/** One kept mismatch: the frozen request, both outputs and the differing paths. */
export interface GhostExample {
  at: string
  request: { method: string, url: string, headers: Record<string, string> }
  stable: { status: number, headers: Record<string, string>, body: unknown }
  candidate: { status: number, headers: Record<string, string>, body: unknown } | { error: string }
  diff: Array<{ path: string, stable: unknown, candidate: unknown }>
}

export interface GhostStatus {
  /** Candidate runs compared. */
  runs: number
  /** Runs with at least one flagged path. */
  mismatches: number
  /** Candidate runs that threw or timed out. */
  errors: number
  /** Ghost runs not started because of the budget or overload. */
  shed: number
  /** Flagged mismatches per JSON Pointer path (plus "status" and "header:<name>"). */
  paths: Record<string, number>
  /** Paths found noisy (they differ between two stable runs): not counted as mismatches. */
  noise: Record<string, number>
  examples: GhostExample[]
}

export interface ReleaseStatus {
  /** "GET /users/:id" */
  route: string
  version: string
  /** The version serving the rest of the traffic. */
  stableVersion: string
  state: ReleaseState
  /** Share of live traffic the candidate serves now, 0 to 100. */
  percent: number
  /** Index of the current ramp step, or -1 outside a ramp. */
  step: number
  ghost: GhostStatus
  stable: ArmFigures
  candidate: ArmFigures
  /** The guard limits in force, beside the figures they apply to. */
  guards: Required<RampGuards> | null
  /** The last audit entries for this release, oldest first. */
  audit: AuditEntry[]
  /** Why the last rollback happened, or null. */
  reason: string | null
}

export type AuditAction = 'load' | 'ghost' | 'ramp' | 'step' | 'hold' | 'pause' | 'resume' | 'promote' | 'rollback' | 'drop' | 'refuse'

/** One line of the audit log. */
export interface AuditEntry {
  at: string
  /** 'api' (a call in the app), 'admin' (the admin API), 'controller' (automatic), or a name the caller gave. */
  actor: string
  action: AuditAction
  route: string
  version: string
  from: { state: ReleaseState | null, percent: number }
  to: { state: ReleaseState | null, percent: number }
  /** The figures that decided it (arms, guard limits, ghost mismatch rate), or a reason. */
  evidence: Record<string, unknown>
}

/** `app.release(...)`'s result: one candidate version of one route. */
export interface Release {
  readonly route: string
  readonly version: string
  /** Resolves once the version is loaded (at once for a handler; after import() in every thread for a module); rejects with GRIDDLE_ERR_RELEASE_LOAD. Calls made before then apply once it is loaded. */
  readonly ready: Promise<this>
  ghost(options: GhostOptions): this
  ramp(options?: RampOptions): this
  pause(): this
  resume(): this
  promote(): this
  rollback(reason?: string): this
  drop(): void
  status(): ReleaseStatus
}

/** `app.releases`: every release of the app (of the cluster under serve()). */
export interface Releases {
  list(): ReleaseStatus[]
  /** The release of a route ("GET /users/:id"), or of one version of it; undefined when there is none. */
  get(route: string, version?: string): Release | undefined
  /** The audit log's entries in memory, oldest first (at most `limit`, default 1000). */
  audit(limit?: number): AuditEntry[]
  /**
   * The same releases, with every change made through them audited as
   * `actor` (the admin API passes 'admin'). Optional: without it, changes
   * are audited as the implementation's default actor.
   */
  withActor?(actor: string): Releases
}

// --- ghost comparison (diff.ts, noise.ts): what a ghost run hands over ---------

/** One version's answer to a request, captured at the end point (end.ts) or from a detached run. */
export interface CapturedOutput {
  status: number
  /** Lower-case header names; only those the comparison asks for need be present. */
  headers: Record<string, string>
  /** The body: parsed JSON when the content type is JSON and it parses, else the text (latin1 for bytes). */
  body: unknown
  /** Set when the run threw or timed out; status and body are then meaningless. */
  error: string | null
}

/**
 * Compares ghost runs and keeps their figures. The release feeds it one
 * observation per ghost run; status() is ReleaseStatus.ghost (with `shed`
 * counted by the caller through shed()).
 */
export interface GhostComparison {
  /**
   * stable: what the client got; candidate: the candidate's run on the same
   * frozen request; stable2: a second stable run on that request, given on
   * the noise sample only. Returns the flagged paths of this run (empty when it matched).
   */
  observe(request: GhostExample['request'], stable: CapturedOutput, candidate: CapturedOutput, stable2?: CapturedOutput): string[]
  /** Counts a ghost run that was not started (budget, overload). */
  shed(): void
  /** Mismatched runs / runs, 0 when none ran. */
  mismatchRate(): number
  status(): GhostStatus
  /** Forgets every figure (a new ghost phase). */
  reset(): void
}
