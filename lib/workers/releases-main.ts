/**
 * Releases under serve(): the main thread runs every release's controller
 * (reading the cluster's shared statistics) and publishes its state to the
 * cluster's shared native release table, which every worker's dispatch
 * reads. A module version is loaded by every worker (a message each, one
 * answer each); the release is ready once all of them have it. A worker
 * started later (a crash's replacement) loads the current versions before
 * it listens. Ghost runs happen in the workers; the main thread merges their
 * comparisons (ghost-main.ts).
 */
import type { Worker } from 'node:worker_threads'
import { GriddleError } from '../errors.js'
import { Stats } from '../telemetry/stats.js'
import { AuditLog } from '../traffic/audit.js'
import type { ReleaseHost } from '../traffic/release-host.js'
import { ReleaseTable } from '../traffic/release-table.js'
import { checkGhostOptions } from '../traffic/ghost-budget.js'
import type { GhostComparison, GhostOptions } from '../traffic/release-types.js'
import type { VersionSource } from '../traffic/versions.js'
import { ClusterGhost, isGhostReport, type GhostMessage, type GhostReport, type GhostSpec } from './ghost-main.js'

/** A version every worker has loaded. */
export interface LoadedVersion { route: string, version: string, module: string, export: string, arm: number }

export type ReleaseMessage =
  | { type: 'release-load', id: number, version: LoadedVersion }
  | { type: 'release-unload', id: number, route: string, arm: number }
  | GhostMessage

export interface ReleaseReply { type: 'release-done', id: number, ok: boolean, message?: string }

interface Wait {
  waiting: Set<Worker>
  errors: string[]
  done: () => void
}

export class ClusterReleaseHost implements ReleaseHost {
  readonly table: ReleaseTable
  readonly stats: Stats
  readonly audit: AuditLog
  private readonly stable = new Map<string, string>()
  private loaded: LoadedVersion[] = []
  private readonly waits = new Map<number, Wait>()
  private nextId = 0
  /** Each route's last ghost phase (spec null once stopped: its comparison is still read, and late reports still land). */
  private readonly ghosts = new Map<string, { spec: GhostSpec | null, view: ClusterGhost }>()
  private phases = 0

  /** name: the cluster's cache name, which the workers' apps name their table and statistics after. */
  constructor(name: string, auditLog: string | null, private readonly workers: () => Iterable<Worker>) {
    this.table = new ReleaseTable(`releases:${name}`)
    this.stats = new Stats(`stats:${name}`)
    this.audit = new AuditLog(auditLog)
  }

  /** What a worker starting now must load before it listens. */
  current(): LoadedVersion[] {
    return this.loaded.map((v) => ({ ...v }))
  }

  /** The ghost phases a worker starting now joins. */
  currentGhosts(): GhostSpec[] {
    return [...this.ghosts.values()].flatMap((g) => (g.spec === null ? [] : [g.spec]))
  }

  /** A worker listens: the routes it registered, with their stable versions (the first worker's word stands). */
  onListening(routes: Array<[string, string]> | undefined): void {
    for (const [key, version] of routes ?? []) if (!this.stable.has(key)) this.stable.set(key, version)
  }

  onMessage(worker: Worker, m: ReleaseReply | GhostReport): void {
    if (isGhostReport(m)) {
      const g = this.ghosts.get(m.route)
      if (g !== undefined && g.view.phase === m.phase) g.view.onReport(worker.threadId, m.counts)
      return
    }
    if (m?.type !== 'release-done') return
    const w = this.waits.get(m.id)
    if (w === undefined) return
    if (!m.ok) w.errors.push(m.message ?? 'failed')
    w.waiting.delete(worker)
    if (w.waiting.size === 0) w.done()
  }

  /** A worker is gone: it answers nothing more (its replacement loads the current versions itself). */
  onExit(worker: Worker): void {
    for (const w of this.waits.values()) {
      if (w.waiting.delete(worker) && w.waiting.size === 0) w.done()
    }
  }

  flush(): void {
    // The workers' recorders flush on their own timers (every 100 ms).
  }

  stableOf(route: string): string | undefined {
    return this.stable.get(route)
  }

  setStable(route: string, version: string): void {
    this.stable.set(route, version)
  }

  async load(route: string, source: VersionSource, arm: number): Promise<void> {
    if (source.module === null) {
      throw new GriddleError('GRIDDLE_ERR_RELEASE_LOAD', `${source.version}: under serve() a version is a module (a handler function cannot reach the worker threads)`)
    }
    const v: LoadedVersion = { route, version: source.version, module: source.module, export: source.export, arm }
    this.stats.nameArm(arm, source.version)
    const errors = await this.broadcast((id) => ({ type: 'release-load', id, version: v }))
    if (errors.length > 0) {
      // Some workers may have it: forget it everywhere, so none serves a version the others refused.
      void this.broadcast((id) => ({ type: 'release-unload', id, route, arm }))
      throw new GriddleError('GRIDDLE_ERR_RELEASE_LOAD', errors[0]!)
    }
    this.loaded.push(v)
  }

  unload(route: string, arm: number): void {
    this.loaded = this.loaded.filter((v) => v.route !== route || v.arm !== arm)
    void this.broadcast((id) => ({ type: 'release-unload', id, route, arm }))
  }

  /** Starts a ghost phase in every worker (options null: stops it); returns the merge of their comparisons. */
  ghost(route: string, candidateArm: number, options: GhostOptions | null): GhostComparison | null {
    let spec: GhostSpec | null = null
    if (options !== null) {
      // Checked here too, so a bad option throws from r.ghost() as in one app, not once per worker.
      checkGhostOptions(options)
      const stable = this.stable.get(route)
      if (stable === undefined) return null
      spec = { route, phase: ++this.phases, stableArm: this.table.arm(stable), candidateArm, options }
      this.ghosts.set(route, { spec, view: new ClusterGhost(spec.phase, options.compare ?? {}) })
    } else {
      const g = this.ghosts.get(route)
      if (g === undefined) return null
      g.spec = null
    }
    void this.broadcast((id) => ({ type: 'release-ghost', id, route, spec }))
    return spec === null ? null : this.ghosts.get(route)!.view
  }

  /** Sends one message to every live worker; resolves with the errors once each has answered or gone. */
  private broadcast(message: (id: number) => ReleaseMessage): Promise<string[]> {
    const id = ++this.nextId
    const waiting = new Set(this.workers())
    return new Promise((resolve) => {
      const w: Wait = { waiting, errors: [], done: () => { this.waits.delete(id); resolve(w.errors) } }
      if (waiting.size === 0) return w.done()
      this.waits.set(id, w)
      const m = message(id)
      for (const worker of waiting) worker.postMessage(m)
    })
  }
}
