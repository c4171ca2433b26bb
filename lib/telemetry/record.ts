/**
 * The telemetry listener at the end point of every request (lib/server/end.ts):
 * turns an `Ended` into one outcome in the dispatcher's io slots, recorded
 * natively by the next dispatch call.
 * hot path: measure before changing.
 */
import type { Ended, EndListener } from '../server/end.js'
import type { RouteEntry } from '../server/core.js'
import { KIND, type Recorder } from './stats.js'

export class StatsListener implements EndListener {
  constructor(private readonly recorder: Recorder, private readonly entries: readonly RouteEntry[]) {}

  onEnd(e: Ended): void {
    // A background refresh answers nobody: its request was counted as the stale hit.
    if (e.kind === 'refresh') return
    let kind: number = KIND.HANDLER
    if (e.kind === 'hit') kind = KIND.HIT
    else if (e.kind === 'stale') kind = KIND.STALE
    else if (e.kind === 'shed') kind = KIND.SHED
    else if (e.kind === 'miss' && e.route >= 0 && this.entries[e.route]?.cache != null) kind = KIND.MISS
    this.recorder.end(e.route, e.methodIndex, e.status, kind, e.start, e.bytes, e.arm)
  }
}
