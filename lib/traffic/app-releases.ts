/**
 * The release host of one app on one thread: binds every route to its slot
 * in the release table (so a release can start at any time), keeps each
 * route's handlers by arm id, and loads versions into them.
 */
import type { Handler, RouteEntry } from '../server/core.js'
import type { Dispatcher } from '../routing/dispatch.js'
import type { Router } from '../routing/router.js'
import type { Recorder, Stats } from '../telemetry/stats.js'
import { AuditLog } from './audit.js'
import type { ReleaseHost } from './release-host.js'
import { ReleaseTable } from './release-table.js'
import type { GhostComparison, GhostOptions } from './release-types.js'
import { loadVersion, type VersionSource } from './versions.js'

interface RouteVersions {
  stable: string
  entries: RouteEntry[]
  ids: Array<[number, RouteEntry]>
}

/** Starts and stops a route's ghost runs (lib/traffic/ghost-wiring.ts); null where none is wired. */
export type GhostSwitch = (routes: Array<[number, RouteEntry]>, stableArm: number, candidateArm: number, options: GhostOptions | null) => GhostComparison | null

export class AppReleaseHost implements ReleaseHost {
  readonly table: ReleaseTable
  readonly audit: AuditLog
  private readonly routes = new Map<string, RouteVersions>()
  ghostSwitch: GhostSwitch = () => null

  constructor(name: string | null, readonly stats: Stats, private readonly recorder: Recorder, private readonly router: Router<unknown>,
    dispatcher: Dispatcher, auditLog: string | null) {
    this.table = new ReleaseTable(name)
    this.table.attach(dispatcher)
    this.audit = new AuditLog(auditLog)
  }

  /** A route was added: its release slot, and its stable version's arm. */
  bindRoute(id: number, method: string, pattern: string, entry: RouteEntry): void {
    const key = `${method} ${pattern}`
    this.table.bindRoute(this.router, id, key)
    const arm = this.table.arm(entry.version)
    this.stats.nameArm(arm, entry.version)
    entry.versions[arm] = entry.handler
    let r = this.routes.get(key)
    if (r === undefined) this.routes.set(key, r = { stable: entry.version, entries: [], ids: [] })
    r.entries.push(entry)
    r.ids.push([id, entry])
  }

  flush(): void {
    this.recorder.flush()
  }

  stableOf(route: string): string | undefined {
    return this.routes.get(route)?.stable
  }

  setStable(route: string, version: string): void {
    const r = this.routes.get(route)
    if (r !== undefined) r.stable = version
  }

  async load(route: string, source: VersionSource, arm: number): Promise<void> {
    const handler: Handler = await loadVersion(source)
    this.install(route, arm, handler, source.version)
  }

  /** Sets a version's handler on the route's entries (also the worker side of serve()). */
  install(route: string, arm: number, handler: Handler, version: string): void {
    this.stats.nameArm(arm, version)
    for (const e of this.routes.get(route)?.entries ?? []) e.versions[arm] = handler
  }

  /** Every route key with its stable version now. */
  routeVersions(): Array<[string, string]> {
    return [...this.routes].map(([key, r]) => [key, r.stable])
  }

  unload(route: string, arm: number): void {
    for (const e of this.routes.get(route)?.entries ?? []) e.versions[arm] = undefined
  }

  ghost(route: string, candidateArm: number, options: GhostOptions | null): GhostComparison | null {
    const r = this.routes.get(route)
    if (r === undefined) return null
    return this.ghostSwitch(r.ids, this.table.arm(r.stable), candidateArm, options)
  }

  /**
   * The worker side of serve()'s ghost mode: the main thread names the
   * stable arm, since a worker's own stable version is the one it started
   * with (promotions are the main thread's).
   */
  ghostAgainst(route: string, stableArm: number, candidateArm: number, options: GhostOptions | null): GhostComparison | null {
    const r = this.routes.get(route)
    return r === undefined ? null : this.ghostSwitch(r.ids, stableArm, candidateArm, options)
  }
}
