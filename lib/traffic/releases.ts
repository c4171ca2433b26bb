/**
 * `app.releases` (and `cluster.releases` under serve()): every release of
 * the app, one live release per route at a time, and the audit log.
 */
import { GriddleError } from '../errors.js'
import { ReleaseImpl } from './release.js'
import type { ReleaseHost } from './release-host.js'
import type { AuditEntry, GhostOptions, Release, Releases, ReleaseStatus, RampOptions } from './release-types.js'
import { checkVersion, parseRouteKey, type VersionDefinition } from './versions.js'

export class ReleaseRegistry implements Releases {
  private readonly byRoute = new Map<string, ReleaseImpl>()

  constructor(private readonly host: ReleaseHost) {}

  /** Starts a release of `route` ("GET /users/:id"): loads the version; see Release. */
  create(route: string, def: VersionDefinition, actor = 'api'): ReleaseImpl {
    parseRouteKey(route)
    const source = checkVersion(def, `release ${route}`)
    const live = this.byRoute.get(route)
    if (live !== undefined) {
      throw new GriddleError('GRIDDLE_ERR_RELEASE_STATE', `${route} already has release ${live.version}; drop() it first`)
    }
    const r = new ReleaseImpl(this.host, route, source, (gone) => {
      if (this.byRoute.get(route) === gone) this.byRoute.delete(route)
    }, actor)
    this.byRoute.set(route, r)
    return r
  }

  list(): ReleaseStatus[] {
    return [...this.byRoute.values()].map((r) => r.status())
  }

  get(route: string, version?: string): ReleaseImpl | undefined {
    const r = this.byRoute.get(route)
    return r === undefined || (version !== undefined && r.version !== version) ? undefined : r
  }

  audit(limit = 1000): AuditEntry[] {
    if (!Number.isInteger(limit) || limit < 0) throw new GriddleError('GRIDDLE_ERR_RELEASE_OPTION', 'limit must be a non-negative integer')
    return this.host.audit.entries(limit)
  }

  /** The same releases, with every change made through them audited as `actor` (the admin API: 'admin'). */
  withActor(actor: string): Releases {
    return {
      list: () => this.list(),
      get: (route: string, version?: string) => {
        const r = this.get(route, version)
        return r === undefined ? undefined : asActor(r, actor)
      },
      audit: (limit?: number) => this.audit(limit),
    }
  }

  /** Stops every controller (the app closes); the releases' native states stay as they are. */
  close(): Promise<void> {
    for (const r of this.byRoute.values()) r.stopTimers()
    return this.host.audit.close()
  }
}

/** A release whose changes are audited as `actor`. */
function asActor(r: ReleaseImpl, actor: string): Release {
  const view: Release = {
    route: r.route,
    version: r.version,
    get ready() { return r.ready.then(() => view) },
    ghost: (o: GhostOptions) => { r.ghost(o, actor); return view },
    ramp: (o?: RampOptions) => { r.ramp(o, actor); return view },
    pause: () => { r.pause(actor); return view },
    resume: () => { r.resume(actor); return view },
    promote: () => { r.promote(actor); return view },
    rollback: (reason?: string) => { r.rollback(reason, actor); return view },
    drop: () => r.drop(actor),
    status: () => r.status(),
  }
  return view
}
