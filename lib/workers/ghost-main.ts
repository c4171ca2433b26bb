/**
 * Ghost mode under serve(), the main thread's half: every worker runs its
 * own ghost runner on the requests it served (the ghost bit comes from the
 * shared native release table), and reports its comparison's raw counts
 * here every REPORT_MS (ghost-worker.ts). A release reads one comparison
 * judged on the sums of every worker's counts: its status(), the ramp's
 * mismatchRate guard, the admin API and the dashboard.
 *
 * Why raw counts and not verdicts: the noise filter judges a path on how
 * often the candidate differed there against how often two stable runs
 * did. Two workers that each saw 5 paired stable runs have no verdict
 * alone (10 are needed); their sums have one. Averaging verdicts or rates
 * would also weigh a worker that ran 3 runs like one that ran 3,000.
 *
 * Why full counts and not deltas: a report is then complete on its own, so
 * the main thread keeps the last one of each worker thread and re-merges;
 * nothing is lost or counted twice if a report is late, and a worker that
 * crashed keeps the figures of its last report (up to REPORT_MS of its runs
 * are lost). A worker's counts are bounded (MAX_PATHS paths, 4,096 sets of
 * paths), and only a comparison that changed is sent. Kept examples are the
 * exception: each carries whole answers, so a report carries only those
 * kept since the previous one.
 *
 * Why messages and not native counters: paths are open-ended strings
 * (JSON Pointers found at run time) and runs are counted per set of paths,
 * which has no fixed slot layout; and nothing here is on the request path.
 */
import { GriddleTypeError } from '../errors.js'
import { checkCompareOptions, mergeGhostCounts, type GhostComparisonOptions, type GhostCounts, type Kept } from '../traffic/ghost-compare.js'
import type { GhostComparison, GhostOptions, GhostStatus } from '../traffic/release-types.js'

/** How often a worker sends a comparison that changed: under the ramp's default tickMs (1,000), so a tick sees figures at most this old. */
export const REPORT_MS = 250

/** One ghost phase of one route, as every worker runs it. */
export interface GhostSpec {
  route: string
  /** Numbers the ghost() calls of the cluster: a report of an older phase is dropped. */
  phase: number
  stableArm: number
  candidateArm: number
  options: GhostOptions
}

/** Main thread to workers: start (spec) or stop (null) ghost runs of a route. */
export interface GhostMessage { type: 'release-ghost', id: number, route: string, spec: GhostSpec | null }

/** Worker to main thread: a comparison's counts, every REPORT_MS while it changes. */
export interface GhostReport { type: 'ghost-report', route: string, phase: number, counts: GhostCounts }

export function isGhostReport(m: unknown): m is GhostReport {
  return typeof m === 'object' && m !== null && (m as { type?: unknown }).type === 'ghost-report'
}

/** The comparison a release reads under serve(): the merge of every worker thread's last report. */
export class ClusterGhost implements GhostComparison {
  private readonly keep: number
  /** By worker thread id: a replacement thread has a new id, so a crashed worker's last figures stay. */
  private parts = new Map<number, GhostCounts>()
  private kept = new Map<number, Kept[]>()
  private merged: GhostComparison | null = null

  constructor(readonly phase: number, private readonly compare: GhostComparisonOptions) {
    this.keep = checkCompareOptions(compare).examples
  }

  /** A worker thread's report: its counts replace its previous ones; its new kept runs join the others. */
  onReport(thread: number, counts: GhostCounts): void {
    this.parts.set(thread, { ...counts, examples: [] })
    const kept = (this.kept.get(thread) ?? []).concat(counts.examples)
    this.kept.set(thread, kept.slice(Math.max(0, kept.length - this.keep)))
    this.merged = null
  }

  observe(): string[] {
    throw new GriddleTypeError('GRIDDLE_ERR_INVALID_ARG', 'under serve() ghost runs are observed in the worker threads')
  }

  shed(): void {
    throw new GriddleTypeError('GRIDDLE_ERR_INVALID_ARG', 'under serve() ghost runs are shed in the worker threads')
  }

  mismatchRate(): number {
    return this.view().mismatchRate()
  }

  status(): GhostStatus {
    return this.view().status()
  }

  reset(): void {
    this.parts = new Map()
    this.kept = new Map()
    this.merged = null
  }

  /** Merged once per batch of reports, when read. */
  private view(): GhostComparison {
    if (this.merged === null) {
      const kept = [...this.kept.values()].flat().sort((a, b) => a.at - b.at)
      this.merged = mergeGhostCounts(this.compare, [...this.parts.values()], kept.slice(Math.max(0, kept.length - this.keep)))
    }
    return this.merged
  }
}
