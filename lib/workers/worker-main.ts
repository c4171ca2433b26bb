/**
 * The entry of each serve() worker thread: imports the app module, registers
 * its routes on a fresh app that shares the port and the response cache, and
 * closes it when the parent asks.
 */
import { parentPort, workerData } from 'node:worker_threads'
import { createApp, type App } from '../server/app.js'
import { answerDebugAsks } from './debug-worker.js'
import { listenForReleases, loadCurrent, routeVersions } from './releases-worker.js'
import type { LoadedVersion } from './releases-main.js'
import type { GhostSpec } from './ghost-main.js'
import { WorkerGhosts } from './ghost-worker.js'

interface Data { app: string, host: string, port: number, options: object, cacheName: string, index: number, releases?: LoadedVersion[], ghosts?: GhostSpec[] }

const data = workerData as Data
const port = parentPort!

let app: App | null = null

/**
 * A thread must not end with uWS sockets open: Node aborts the whole process
 * when a worker's loop closes with live handles. So an uncaught error closes
 * the app first; the thread then ends with exit code 1 and the parent
 * replaces it.
 */
process.on('uncaughtException', (err) => {
  console.error(`griddle: worker ${data.index}: uncaught ${err instanceof Error ? err.stack ?? err.message : String(err)}`)
  process.exitCode = 1
  void (app?.close() ?? Promise.resolve()).then(() => port.close())
})

async function main(): Promise<void> {
  const mod = await import(data.app) as { default?: (app: App) => unknown }
  if (typeof mod.default !== 'function') throw new Error(`${data.app} has no default export (app) => void`)
  const options = data.options as { cache?: { maxBytes?: number }, flags?: { name?: string } }
  // flags: every worker of the cluster reads one native flag store.
  const flags = options.flags === undefined ? {} : { flags: { ...options.flags, name: options.flags.name ?? `${data.cacheName}-flags` } }
  const a = app = createApp({ ...options, host: data.host, reusePort: true, cache: { ...options.cache, name: data.cacheName }, ...flags })
  await mod.default(a)
  // releases: the cluster's current versions, before this worker serves anything
  await loadCurrent(a, data.releases ?? [])
  // ghost mode: the phases running now (a crashed worker's replacement rejoins them)
  const ghosts = new WorkerGhosts(a, port)
  for (const g of data.ghosts ?? []) ghosts.apply(g.route, g)
  listenForReleases(a, port, ghosts)
  port.on('message', (m: { type: string, lingerMs?: number }) => {
    if (m.type === 'listen' && !closing) void listen(a)
    else if (m.type === 'close') void shut(a.close())
    else if (m.type === 'drain') void shut(drain(a, m.lingerMs ?? 0))
    else if (m.type === 'unlisten') {
      a.stopListening()
      port.postMessage({ type: 'unlistened' })
    }
  })
  // Here, not earlier: a listener starts the port, and a close sent before the one above would be lost.
  answerDebugAsks(port)
  // The parent says when to listen: every listen on the port is one step of its SO_REUSEPORT group (reuseport-group.ts).
  port.postMessage({ type: 'ready' })
}

let closing = false

function shut(done: Promise<void>): Promise<void> {
  closing = true
  return done.then(() => port.close())
}

async function listen(a: App): Promise<void> {
  try {
    const address = await a.listen(data.port)
    port.postMessage({ type: 'listening', port: address.port, routes: routeVersions(a) })
  } catch (err) {
    fail(err)
  }
}

function fail(err: unknown): void {
  port.postMessage({ type: 'failed', message: err instanceof Error ? err.message : String(err) })
  port.close()
}

/**
 * A generation handing over: stop accepting first, then keep serving open
 * connections for lingerMs, each answer carrying `Connection: close`, so a
 * keep-alive client leaves after its next answer instead of having its idle
 * connection cut while it sends; close() then waits for what is in flight.
 */
async function drain(a: App, lingerMs: number): Promise<void> {
  a.stopAccepting()
  await new Promise((r) => setTimeout(r, lingerMs))
  // Timers run before the loop polls its sockets: without this hop, a request that reached an idle
  // connection while the thread waited would be closed unread (loadgen saw 3 such in one of 3 handoffs).
  await new Promise((r) => setImmediate(r))
  await a.close()
}

main().catch(fail)
