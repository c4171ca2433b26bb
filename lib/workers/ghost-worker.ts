/**
 * Ghost mode under serve(), a worker's half: starts and stops the ghost
 * runs of a route on this thread's app when the main thread says so (or,
 * for a replacement worker, from the phases running when it started), and
 * reports each comparison's raw counts to the main thread every REPORT_MS
 * while they change (ghost-main.ts says why counts, and why whole).
 * Off the request path: a timer reads the comparison; requests only feed
 * the runner, as in a single-thread app.
 */
import type { MessagePort } from 'node:worker_threads'
import type { App } from '../server/app.js'
import { kReleaseHost } from '../symbols.js'
import { ghostCounts } from '../traffic/ghost-compare.js'
import type { GhostComparison } from '../traffic/release-types.js'
import { REPORT_MS, type GhostReport, type GhostSpec } from './ghost-main.js'

interface Phase {
  readonly spec: GhostSpec
  readonly comparison: GhostComparison
  sentChanges: number
  sentExample: number
  /** Once stopped, runs in flight still end (each within timeoutMs): reported until then. */
  stoppedAt: number | null
}

export class WorkerGhosts {
  private readonly phases = new Map<string, Phase>()
  private timer: NodeJS.Timeout | null = null

  constructor(private readonly app: App, private readonly port: MessagePort) {}

  /** Starts the runs of a phase (spec), or stops the route's runs (null). A phase already running is left as it is. */
  apply(route: string, spec: GhostSpec | null): void {
    const old = this.phases.get(route)
    if (spec !== null && old?.spec.phase === spec.phase) return
    const host = this.app[kReleaseHost]()
    if (spec === null) {
      host.ghostAgainst(route, 0, 0, null)
      if (old !== undefined && old.stoppedAt === null) old.stoppedAt = Date.now()
    } else {
      if (old !== undefined) this.report(old)
      const comparison = host.ghostAgainst(route, spec.stableArm, spec.candidateArm, spec.options)
      if (comparison === null) this.phases.delete(route)
      else this.phases.set(route, { spec, comparison, sentChanges: -1, sentExample: 0, stoppedAt: null })
    }
    this.schedule()
  }

  private schedule(): void {
    if (this.phases.size > 0 && this.timer === null) {
      this.timer = setInterval(() => this.reportAll(), REPORT_MS)
      this.timer.unref()
    } else if (this.phases.size === 0 && this.timer !== null) {
      clearInterval(this.timer)
      this.timer = null
    }
  }

  private reportAll(): void {
    const now = Date.now()
    for (const [route, p] of this.phases) {
      this.report(p)
      const timeoutMs = p.spec.options.timeoutMs ?? 1000
      // Past the timeout every run of the stopped phase has ended, and the report above carried it.
      if (p.stoppedAt !== null && now - p.stoppedAt > timeoutMs + REPORT_MS) this.phases.delete(route)
    }
    this.schedule()
  }

  /** Sends a phase's counts if they changed since the last report, with the runs kept since then. */
  private report(p: Phase): void {
    const counts = ghostCounts(p.comparison, p.sentExample)
    if (counts.changes === p.sentChanges) return
    p.sentChanges = counts.changes
    p.sentExample = counts.lastExample
    this.port.postMessage({ type: 'ghost-report', route: p.spec.route, phase: p.spec.phase, counts } satisfies GhostReport)
  }
}
