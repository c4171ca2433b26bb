/**
 * The telemetry listener at the end point of every request (lib/server/end.ts):
 * turns an `Ended` (or, while it is the only listener, the end point's own
 * arguments) into one outcome in the dispatcher's io slots, recorded natively
 * by the next dispatch call.
 * hot path: measure before changing.
 */
import type { Ended, EndKind, EndListener } from '../server/end.js'
import type { RouteEntry } from '../server/core.js'
import { KIND, type Recorder } from './stats.js'

export class StatsListener implements EndListener {
  constructor(private readonly recorder: Recorder, private readonly entries: readonly RouteEntry[]) {}

  onEnd(e: Ended): void {
    this.end(e.route, e.methodIndex, e.status, e.kind, e.start, e.bytes, e.arm)
  }

  /**
   * hot path: one outcome, without an `Ended` record (lib/server/end.ts calls
   * it directly while statistics are the only listener: core.lean).
   */
  end(route: number, method: number, status: number, kind: EndKind, start: number, bytes: number, arm: number): void {
    // A background refresh answers nobody: its request was counted as the stale hit.
    if (kind === 'refresh') return
    let k: number = KIND.HANDLER
    if (kind === 'hit') k = KIND.HIT
    else if (kind === 'stale') k = KIND.STALE
    else if (kind === 'shed') k = KIND.SHED
    else if (kind === 'miss' && route >= 0 && this.entries[route]?.cache != null) k = KIND.MISS
    this.recorder.end(route, method, status, k, start, bytes, arm)
  }
}
