/**
 * The worker side of releases under serve(): loads the cluster's current
 * versions before the app listens (a crashed worker comes back into the
 * current state), then loads or forgets versions, and starts or stops ghost
 * runs (ghost-worker.ts), when the main thread says so, and answers each
 * message once done.
 */
import type { MessagePort } from 'node:worker_threads'
import type { App } from '../server/app.js'
import { kReleaseHost } from '../symbols.js'
import { loadVersion } from '../traffic/versions.js'
import type { LoadedVersion, ReleaseMessage, ReleaseReply } from './releases-main.js'
import type { GhostMessage } from './ghost-main.js'
import type { WorkerGhosts } from './ghost-worker.js'

async function install(app: App, v: LoadedVersion): Promise<void> {
  const handler = await loadVersion({ version: v.version, handler: null, module: v.module, export: v.export })
  app[kReleaseHost]().install(v.route, v.arm, handler, v.version)
}

/** Before listen: every version the cluster has loaded. A failure fails the worker's start. */
export async function loadCurrent(app: App, versions: readonly LoadedVersion[]): Promise<void> {
  for (const v of versions) await install(app, v)
}

/** The route keys and stable versions the app registered, for the main thread. */
export function routeVersions(app: App): Array<[string, string]> {
  return app[kReleaseHost]().routeVersions()
}

/** Answers the main thread's release messages (other messages are left to their own listener). */
export function listenForReleases(app: App, port: MessagePort, ghosts: WorkerGhosts): void {
  port.on('message', (m: ReleaseMessage | GhostMessage) => {
    if (m?.type === 'release-load') {
      install(app, m.version).then(() => port.postMessage({ type: 'release-done', id: m.id, ok: true } satisfies ReleaseReply),
        (err: unknown) => port.postMessage({ type: 'release-done', id: m.id, ok: false, message: err instanceof Error ? err.message : String(err) } satisfies ReleaseReply))
    } else if (m?.type === 'release-unload') {
      app[kReleaseHost]().unload(m.route, m.arm)
      port.postMessage({ type: 'release-done', id: m.id, ok: true } satisfies ReleaseReply)
    } else if (m?.type === 'release-ghost') {
      ghosts.apply(m.route, m.spec)
      port.postMessage({ type: 'release-done', id: m.id, ok: true } satisfies ReleaseReply)
    }
  })
}
