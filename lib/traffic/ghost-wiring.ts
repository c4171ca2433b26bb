/**
 * Ghost mode wired into an app: the end listener that hands a request of
 * the ghost sample (the bit dispatch set, reply[kGhost]) to its route's
 * ghost runner once the stable answer has been written, and hands the ghost
 * runs' own ends back to the runner (ghostEnd). A candidate run's latency
 * and outcome go to the candidate's arm as KIND_GHOST, so ghost mode
 * predicts the ramp's guards.
 * hot path: measure before changing (a client's request pays two field reads).
 */
import type { Core, RouteEntry } from '../server/core.js'
import type { Ended, EndListener } from '../server/end.js'
import type { StatsListener } from '../telemetry/record.js'
import { kGhost, kReply } from '../symbols.js'
import { KIND, methodIndex, type Stats } from '../telemetry/stats.js'
import { ghostEnd, GhostRunner } from './ghost.js'
import { createGhostComparison } from './ghost-compare.js'
import type { GhostComparison, GhostOptions } from './release-types.js'

export class GhostWiring implements EndListener {
  /** The running ghost runner of each route id. */
  private readonly runners: Array<GhostRunner | undefined> = []

  /** Routes with a running ghost runner. */
  private running = 0

  /**
   * `next` is the statistics listener: while no route has a ghost runner, the
   * end point hands it each end directly (core.lean) and skips this one.
   */
  constructor(private readonly core: Core, private readonly stats: Stats, private readonly next: StatsListener) {}

  onEnd(e: Ended): void {
    const req = e.req
    if (req !== null && req.ghost) {
      ghostEnd(e)
      return
    }
    this.next.onEnd(e)
    if (req !== null && req[kReply][kGhost] === 1) this.runners[e.route]?.capture(e)
  }

  /**
   * Starts ghost runs of a candidate on these routes (ids with their
   * entries), against the stable handlers; options null stops them. Returns
   * the comparison every route's runs feed.
   */
  switch(routes: Array<[number, RouteEntry]>, stableArm: number, candidateArm: number, options: GhostOptions | null): GhostComparison | null {
    for (const [id] of routes) {
      if (this.runners[id] !== undefined) this.running--
      this.runners[id]?.stop()
      this.runners[id] = undefined
    }
    if (options === null) {
      this.publish()
      return null
    }
    const comparison = createGhostComparison(options.compare ?? {})
    for (const [id, entry] of routes) {
      const candidate = entry.versions[candidateArm]
      const stable = entry.versions[stableArm] ?? entry.handler
      if (candidate === undefined) continue
      const method = methodIndex(entry.method)
      this.runners[id] = new GhostRunner(this.core, id, { candidate, stable }, options, {
        comparison,
        onRun: (run) => this.stats.record(id, method, run.status === 0 ? 500 : run.status, candidateArm, KIND.GHOST, run.ms * 1e6, 0),
      })
      this.running++
    }
    this.publish()
    return comparison
  }

  stopAll(): void {
    for (const r of this.runners) r?.stop()
  }

  /** The end point skips this listener while no runner needs a capture, unless another listener replaced it. */
  private publish(): void {
    if (this.core.onEnd === this) this.core.lean = this.running === 0 ? this.next : null
  }
}
