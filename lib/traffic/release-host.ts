/**
 * What a release needs from where it runs: an app on one thread
 * (app-releases.ts), or the main thread of a serve() cluster
 * (lib/workers/releases-main.ts), which loads versions in every worker.
 */
import type { Stats } from '../telemetry/stats.js'
import type { AuditLog } from './audit.js'
import type { ReleaseTable } from './release-table.js'
import type { GhostComparison, GhostOptions } from './release-types.js'
import type { VersionSource } from './versions.js'

export interface ReleaseHost {
  readonly table: ReleaseTable
  /** The shared statistics: per-arm windows are read here, arm names set here. */
  readonly stats: Stats
  readonly audit: AuditLog
  /** Records what this thread has waiting, before a read. */
  flush(): void
  /** The route's stable version now, or undefined when the app has no such route. */
  stableOf(route: string): string | undefined
  /** Sets the route's stable version (a promotion, a rollback of one, a drop). */
  setStable(route: string, version: string): void
  /** Loads a version on every thread serving the route; rejects with GRIDDLE_ERR_RELEASE_LOAD. */
  load(route: string, source: VersionSource, arm: number): Promise<void>
  /** Forgets a version's handler on every thread (drop). */
  unload(route: string, arm: number): void
  /** Starts or stops ghost runs of a candidate (null: stop); returns the comparison they feed, or null where ghost runs are not wired. */
  ghost(route: string, candidateArm: number, options: GhostOptions | null): GhostComparison | null
}
