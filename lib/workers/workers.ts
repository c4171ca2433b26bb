/**
 * serve(): one process, N worker threads, each importing the app module and
 * running its own uWS app on the same port (SO_REUSEPORT), all sharing one
 * named native response cache. A worker that dies is restarted and logged.
 */
import { Worker } from 'node:worker_threads'
import { availableParallelism } from 'node:os'
import { freePort, portProblem } from '../server/ports.js'
import { pathToFileURL } from 'node:url'
import { isAbsolute } from 'node:path'
import { GriddleError, GriddleTypeError } from '../errors.js'
import { checkOptions, type AppOptions } from '../server/options.js'
import { knownKeys } from '../util/check.js'
import { Debugger } from '../admin/debugger.js'
import { WorkerThreads } from './debug-main.js'
import { ClusterTelemetry, clusterLog, lifecycleLine, splitTelemetry } from './cluster-telemetry.js'
import { kGroup, kTelemetry, kUnlistenOne, kWorkers } from '../symbols.js'
import { ReuseportGroup } from './reuseport-group.js'
import { ClusterReleaseHost, type ReleaseReply } from './releases-main.js'
import type { GhostReport } from './ghost-main.js'
import { ReleaseRegistry } from '../traffic/releases.js'
import { releaseRoutes } from '../admin/release-routes.js'
import type { Release, Releases } from '../traffic/release-types.js'
import type { VersionDefinition } from '../traffic/versions.js'

export interface ServeOptions {
  /** The app module (file URL or absolute path); its default export registers routes: `(app) => void | Promise<void>`. */
  app: string | URL
  /** Worker threads (default: the number of cores). */
  workers?: number
  /** Port shared by every worker (default 3000; 0 picks a free one). */
  port?: number
  host?: string
  /** createApp options for every worker (structured-cloneable: no functions). */
  options?: Omit<AppOptions, 'reusePort' | 'host' | 'port'>
  /** Pause before a crashed worker is replaced (default 100 ms). */
  restartDelayMs?: number
  /** Where lifecycle events are written (default: stderr). */
  log?: (line: string) => void
}

export interface Cluster {
  readonly host: string
  readonly port: number
  /** Workers currently serving. */
  readonly size: number
  /** Workers replaced after a crash so far. */
  readonly restarts: number
  /** Stops every worker gracefully (each closes its app). A second call returns the same promise. */
  close(): Promise<void>
  /**
   * Hands over: every worker stops accepting, serves its open connections
   * for lingerMs with `Connection: close` on each answer, then closes.
   * A second call (or close()) returns the same promise.
   */
  drain(lingerMs: number): Promise<void>
  /**
   * CPU profiles, heap snapshots and GC histograms of the main thread and of
   * each worker (by index), for the admin listener's /debug/* routes
   * (`debugRoutes(cluster.debug)`); see docs/telemetry.md.
   */
  readonly debug: Debugger
  /** The process's one admin listener (options.admin with a token), or null. */
  readonly admin: { host: string, port: number } | null
  /** Every worker closes its listen socket, keeping its connections and their keep-alive; resolves once all have. */
  unlisten(): Promise<void>
  /** Starts a release of a route in every worker: a module version (docs/releases.md); its controller runs in this thread. */
  release(route: string, def: VersionDefinition): Release
  /** Every release of the cluster, and the audit log. */
  readonly releases: Releases
}

interface WorkerMessage { type: 'ready' | 'listening' | 'closed' | 'failed' | 'unlistened', port?: number, message?: string, routes?: Array<[string, string]> }

const SERVE_OPTIONS = ['app', 'workers', 'port', 'host', 'options', 'restartDelayMs', 'log'] as const satisfies ReadonlyArray<keyof ServeOptions>

const WORKER_MAIN = new URL('./worker-main.js', import.meta.url)
let clusters = 0

/**
 * The path of the first value in `v` that structured clone cannot carry to a
 * worker (a function, a symbol, a class instance with private state), or null.
 */
function uncloneable(v: unknown, path: string, seen: Set<object>): string | null {
  if (typeof v === 'function' || typeof v === 'symbol') return path
  if (v === null || typeof v !== 'object' || seen.has(v)) return null
  seen.add(v)
  for (const [k, child] of Object.entries(v)) {
    const found = uncloneable(child, `${path}.${k}`, seen)
    if (found !== null) return found
  }
  try {
    structuredClone(v)
  } catch {
    return path
  }
  return null
}

/** serve()'s app options travel to each worker by structured clone: refuse what cannot, naming it. */
function workerOptions(options: unknown): object {
  if (options === undefined) return {}
  if (options === null || typeof options !== 'object') throw new GriddleTypeError('GRIDDLE_ERR_INVALID_OPTION', 'options must be an object')
  const bad = uncloneable(options, 'options', new Set())
  if (bad !== null) {
    throw new GriddleTypeError('GRIDDLE_ERR_INVALID_OPTION',
      `${bad} cannot be sent to worker threads (no functions or symbols); set it in the app module instead`)
  }
  return options
}

function moduleUrl(app: string | URL): string {
  if (app instanceof URL) return app.href
  if (typeof app !== 'string' || app.length === 0) throw new GriddleTypeError('GRIDDLE_ERR_INVALID_OPTION', 'app must be a module URL or an absolute path')
  if (app.startsWith('file:')) return app
  if (!isAbsolute(app)) throw new GriddleTypeError('GRIDDLE_ERR_INVALID_OPTION', `app must be absolute: ${app}`)
  return pathToFileURL(app).href
}

/** A worker's turn to listen, as one step of the port's group: it ends when the worker answers or ends. */
class ListenTurn {
  private answered: (() => void) | null = null
  private over = false
  constructor(private readonly worker: Worker) {}

  /** Tells the worker to listen; settles once it answered. */
  take(): Promise<void> {
    return new Promise<void>((done) => {
      this.answered = done
      if (this.over) done()
      else this.worker.postMessage({ type: 'listen' })
    })
  }

  /** The worker answered (listening or failed), or ended (`gone`). */
  end(gone = false): void {
    this.over ||= gone
    this.answered?.()
  }
}

class WorkerCluster implements Cluster {
  readonly host: string
  readonly port: number
  /** telemetry: the main thread's admin listener and StatsD flusher over the workers' statistics. */
  [kTelemetry]: ClusterTelemetry | null = null
  restarts = 0
  admin: { host: string, port: number } | null = null
  private readonly live = new Set<Worker>()
  private closing: Promise<void> | null = null
  /** Set once listeners start closing for a handover or a drain: a worker that dies after is not replaced. */
  private unlistening = false
  /** The port's SO_REUSEPORT group: every listen of every generation on the port is one step of it. */
  readonly [kGroup]: ReuseportGroup
  private readonly threads = new WorkerThreads()
  readonly debug = new Debugger(this.threads)
  // releases (lib/workers/releases-main.ts)
  private readonly rel: ClusterReleaseHost
  readonly releases: ReleaseRegistry

  constructor(private readonly opts: Required<Omit<ServeOptions, 'app' | 'options'>> & { app: string, options: object, cacheName: string },
    group: ReuseportGroup) {
    this.host = opts.host
    this.port = opts.port
    this[kGroup] = group
    const auditLog = (opts.options as { releases?: { auditLog?: string } }).releases?.auditLog ?? null
    this.rel = new ClusterReleaseHost(opts.cacheName, auditLog, () => this.live)
    this.releases = new ReleaseRegistry(this.rel)
  }

  release(route: string, def: VersionDefinition): Release {
    return this.releases.create(route, def)
  }

  get size(): number {
    return this.live.size
  }

  /**
   * Starts one worker and resolves with the port it listens on. The worker
   * prepares (imports the app module, registers its routes) at once, then
   * listens when the group's turn comes: listens happen one at a time.
   */
  start(index: number): Promise<number> {
    const worker = new Worker(WORKER_MAIN, {
      workerData: { app: this.opts.app, host: this.host, port: this.port, options: this.opts.options, cacheName: this.opts.cacheName, index, releases: this.rel.current(), ghosts: this.rel.currentGhosts() },
    })
    this.live.add(worker)
    this.threads.attach(index, worker)
    const turn = new ListenTurn(worker)
    return new Promise((resolve, reject) => {
      let listening = false
      worker.on('message', (m: WorkerMessage) => {
        this.rel.onMessage(worker, m as unknown as ReleaseReply | GhostReport)
        if (m.type === 'ready') {
          void this[kGroup].listen(worker, () => turn.take())
        } else if (m.type === 'listening') {
          turn.end()
          this.rel.onListening(m.routes)
          listening = true
          resolve(m.port!)
        } else if (m.type === 'failed') {
          turn.end()
          reject(new GriddleError('GRIDDLE_ERR_WORKER', `worker ${index}: ${m.message}`))
        }
      })
      worker.on('error', (err) => {
        this.opts.log(`griddle: worker ${index} failed: ${err instanceof Error ? err.message : String(err)}`)
        if (!listening) reject(new GriddleError('GRIDDLE_ERR_WORKER', `worker ${index}: ${err instanceof Error ? err.message : String(err)}`, { cause: err }))
      })
      worker.on('exit', (code) => {
        turn.end(true)
        this.onExit(worker, index, code, listening)
      })
    })
  }

  private onExit(worker: Worker, index: number, code: number, listening: boolean): void {
    this.live.delete(worker)
    this.rel.onExit(worker)
    this[kGroup].exited()
    if (this.closing !== null || this.unlistening || !listening) return
    this.opts.log(`griddle: worker ${index} exited with code ${code}; restarting`)
    this.restarts++
    setTimeout(() => {
      if (this.closing === null && !this.unlistening) this.start(index).catch((err: Error) => this.opts.log(`griddle: restart of worker ${index} failed: ${err.message}`))
    }, this.opts.restartDelayMs).unref()
  }

  /** The workers serving now (the supervisor's handover). */
  [kWorkers](): ReadonlySet<object> {
    return new Set(this.live)
  }

  /** Tells one worker to close its listen socket; resolves once it has (or has ended). */
  [kUnlistenOne](w: object): Promise<void> {
    this.unlistening = true
    const worker = w as Worker
    if (!this.live.has(worker)) return Promise.resolve()
    return new Promise<void>((resolve) => {
      const done = (m?: WorkerMessage): void => {
        if (m !== undefined && m.type !== 'unlistened') return
        worker.off('message', done)
        worker.off('exit', gone)
        resolve()
      }
      const gone = (): void => done()
      worker.on('message', done)
      worker.once('exit', gone)
      worker.postMessage({ type: 'unlisten' })
    })
  }

  close(): Promise<void> {
    return this.stop({ type: 'close' })
  }

  drain(lingerMs: number): Promise<void> {
    return this.stop({ type: 'drain', lingerMs })
  }

  unlisten(): Promise<void> {
    return Promise.all([...this.live].map((w) => this[kUnlistenOne](w))).then(() => undefined)
  }

  private stop(message: { type: 'close' | 'drain', lingerMs?: number }): Promise<void> {
    if (this.closing === null) void this.releases.close()
    this.closing ??= Promise.all([...this.live].map((w) => new Promise<void>((resolve) => {
      w.once('exit', () => resolve())
      w.postMessage(message)
    }))).then(() => this.threads.close()).then(() => this[kTelemetry]?.stop())
    return this.closing
  }
}

/** Starts the workers; resolves once every one of them is listening. */
export async function serve(options: ServeOptions): Promise<Cluster> {
  return launch(options)
}

/**
 * Internal (the supervisor's reload): a new generation of workers on a port
 * this process already serves, so the "port is busy" check is skipped; the
 * generation has its own response cache and statistics, since its routes
 * may differ from the old build's.
 */
export function serveGeneration(options: ServeOptions & { port: number }, group: ReuseportGroup): Promise<Cluster> {
  return launch(options, group)
}

/** shared: the group of a port this process already serves (a reload), or null for a new one. */
async function launch(options: ServeOptions, shared: ReuseportGroup | null = null): Promise<Cluster> {
  if (options === null || typeof options !== 'object') throw new GriddleTypeError('GRIDDLE_ERR_INVALID_OPTION', 'serve() takes an options object')
  knownKeys(options, SERVE_OPTIONS, 'serve')
  const workers = options.workers ?? availableParallelism()
  if (!Number.isInteger(workers) || workers < 1 || workers > 256) throw new GriddleTypeError('GRIDDLE_ERR_INVALID_OPTION', 'workers must be an integer from 1 to 256')
  const port = options.port ?? 3000
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new GriddleTypeError('GRIDDLE_ERR_INVALID_OPTION', 'port must be an integer from 0 to 65535')
  const host = options.host ?? '127.0.0.1'
  const { worker: appOptions, telemetry } = splitTelemetry(workerOptions(options.options))
  // Each worker checks them again; checking here first turns a typo into one error, not one per worker.
  const checked = checkOptions({ ...appOptions, host, port: 0 })
  // The workers share the port on purpose; nobody else may already hold it.
  if (port !== 0 && shared === null) {
    const busy = await portProblem(host, port)
    if (busy !== null) throw new GriddleError('GRIDDLE_ERR_LISTEN', `${host}:${port}: ${busy}`)
  }
  const bound = port === 0 ? await freePort(host) : port
  const cacheName = `griddle-serve-${process.pid}-${++clusters}`
  const t = new ClusterTelemetry(cacheName, checked.cache.maxBytes, telemetry, clusterLog(appOptions))
  const log = options.log ?? lifecycleLine(t.log, appOptions)
  const cluster = new WorkerCluster({
    app: moduleUrl(options.app),
    workers,
    port: bound,
    host,
    options: appOptions,
    restartDelayMs: options.restartDelayMs ?? 100,
    log,
    cacheName,
  }, shared ?? new ReuseportGroup(bound, log))
  cluster[kTelemetry] = t
  t.useDebugger(cluster.debug)
  t.addRoutes(releaseRoutes(cluster.releases, 'admin'))
  try {
    await Promise.all(Array.from({ length: workers }, (_, i) => cluster.start(i)))
    cluster.admin = (await t.start()).admin ?? null
  } catch (err) {
    await cluster.close()
    throw err
  }
  return cluster
}
