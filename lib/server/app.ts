/**
 * createApp: route registration, listen and close. The request path itself
 * starts in on-request.ts and ends in end.ts.
 */
import { performance } from 'node:perf_hooks'
import { GriddleError, GriddleTypeError } from '../errors.js'
import type { Reply } from './reply.js'
import { unitReader, type Request, type UnitKeySource } from './request.js'
import { requestHandler } from './on-request.js'
import type { Core, Handler, RouteEntry } from './core.js'
import { stopDeadlines } from './deadlines.js'
import { Ended, type EndListener } from './end.js'
import { Router, type RouterOptions } from '../routing/router.js'
import { RouteSerializers, type ResponseSchemas } from '../schema/serialize.js'
import { kOnEnd, kOut, kPublish, kReleaseHost, kReply, kRoute, kRouteId } from '../symbols.js'
import { Admission } from './admission.js'
import { portProblem } from './ports.js'
import { defaultReporter } from './error-log.js'
import { Log, logRequestError, logSink } from './logger.js'
import { httpStatus } from './error-answer.js'
import { knownKeys } from '../util/check.js'
import { Cache, type CacheStats } from '../cache/cache.js'
import { Dispatcher, MODE } from '../routing/dispatch.js'
import { Flights } from '../cache/flights.js'
import { compileRouteCache, type RouteCacheOptions } from '../cache/route-options.js'
import { compileCheck } from '../schema/validate.js'
import {
  LISTEN_EXCLUSIVE, LISTEN_SHARED, UWS_METHODS, closeListenSocket, createUwsApp, localPort, type ListenSocket, type UwsApp, type UwsHandler,
} from '../uws.js'
import { checkOptions, type AppOptions, type ResolvedOptions } from './options.js'
import { AppStats } from '../telemetry/app-stats.js'
import { StatsListener } from '../telemetry/record.js'
import { Telemetry, type TelemetryAddress } from '../telemetry/telemetry.js'
import { CONTENT_TYPE as METRICS_TYPE, renderMetrics } from '../telemetry/prometheus.js'
import { createTraffic } from '../traffic/options.js'
import { compileRouteExperiments } from '../traffic/route-experiments.js'
import type { FlagsRuntime } from '../traffic/app-flags.js'
import type { Traffic } from '../traffic/request-flags.js'
import { AppReleaseHost } from '../traffic/app-releases.js'
import { GhostWiring } from '../traffic/ghost-wiring.js'
import { ReleaseRegistry } from '../traffic/releases.js'
import { releaseRoutes } from '../admin/release-routes.js'
import type { Release, Releases } from '../traffic/release-types.js'
import { checkVersionName, type VersionDefinition } from '../traffic/versions.js'

export type { AppOptions } from './options.js'
export type { Handler } from './core.js'

export interface RouteSchema {
  params?: object
  query?: object
  /** Same as `query` (fastify's name). */
  querystring?: object
  body?: object
  response?: ResponseSchemas
}

export interface RouteOptions {
  schema?: RouteSchema
  /** Cache successful responses off-heap; hits are answered without running the handler. */
  cache?: RouteCacheOptions
  /** False: never shed this route under overload (health checks, admin). Default true. */
  shedding?: boolean
  /** With `cache`: the experiments the body depends on; each arm gets its own cached body (docs/flags.md). */
  experiments?: string[]
  /** The name of this handler's version, which releases of the route replace (docs/releases.md). Default 'v1'. */
  version?: string
}

/** `app.cache`: invalidation and statistics of the response cache. */
export interface AppCache {
  /**
   * Removes one entry (all its encodings). A key starting with "/" is a GET
   * URL under the default key ("/users/1?a=1"); anything else is a key
   * returned by a route's `cache.key` function. True when something was removed.
   */
  delete(key: string): boolean
  /** Removes every entry stored with this tag; returns how many. */
  invalidateTag(tag: string): number
  stats(): CacheStats
}

export interface RouteDefinition extends RouteOptions {
  method: string | string[]
  path: string
  handler: Handler
}

export type ErrorReporter = (err: unknown, req: Request | null) => void

export interface Address {
  host: string
  port: number
}

const ROUTE_OPTIONS = ['method', 'path', 'handler', 'schema', 'cache', 'shedding', 'experiments', 'version'] as const satisfies ReadonlyArray<keyof RouteDefinition>
const SCHEMA_PARTS = ['params', 'query', 'querystring', 'body', 'response'] as const satisfies ReadonlyArray<keyof RouteSchema>

export class App {
  private readonly config: ResolvedOptions
  private readonly router: Router<number>
  private readonly core: Core
  private readonly responses: Cache
  /** Invalidation and statistics of the response cache. */
  readonly cache: AppCache
  /** Live statistics: per route, method, status and arm, shared by every thread of a serve() cluster. */
  readonly stats: AppStats
  private readonly telemetry: Telemetry
  /** Feature flags and experiments: evaluate, status, load, exposures (docs/flags.md). */
  readonly flags: FlagsRuntime
  private readonly traffic: Traffic
  /** Live upgrades: every release of the app, and the audit log (docs/releases.md). */
  readonly releases: Releases
  private readonly releaseHost: AppReleaseHost
  private readonly releaseRegistry: ReleaseRegistry
  private reporter: ErrorReporter = defaultReporter
  private uws: UwsApp | null = null
  private listenSocket: ListenSocket | null = null
  private closed: Promise<void> | null = null
  private address: Address | null = null
  /** 5xx errors, lifecycle and telemetry problems, rate-limited (lib/server/logger.ts). */
  private readonly log: Log
  /** Route patterns by id, for log lines. */
  private patterns: string[] = []
  /** Open connections, counted by uWS's filter (telemetry: once per connection, not per request). */
  private connections = 0

  constructor(options: AppOptions = {}) {
    this.config = checkOptions(options)
    this.router = new Router<number>(this.config.router as RouterOptions)
    const c = this.config.cache
    this.responses = new Cache({ maxBytes: c.maxBytes, ...(c.name === undefined ? {} : { name: c.name }) })
    this.core = {
      router: this.router,
      out: this.router[kOut],
      dispatcher: new Dispatcher(this.router as Router<unknown>, this.responses, c.maxEntryBytes),
      caching: false,
      flights: new Flights(),
      admission: this.config.admission === false ? null : new Admission(this.config.admission),
      entries: [],
      maxUrlLength: this.config.maxUrlLength,
      bodyLimit: this.config.bodyLimit,
      maxEntryBytes: this.config.cache.maxEntryBytes,
      requestTimeoutMs: this.config.requestTimeoutMs,
      unit: unitReader(this.config.unitKey),
      pending: new Set<Reply>(),
      deadlines: { timer: null },
      onEnd: null,
      lean: null,
      ended: new Ended(),
      closing: false,
      report: (err, req) => {
        try {
          this.reporter(err, req)
        } catch {
          // A failing reporter must not take the request path down with it.
        }
      },
    }
    this.cache = this.appCache()
    this.log = new Log(logSink(this.config.logger), this.config.logRateLimit)
    if (this.config.logger !== undefined) {
      this.reporter = (err, req) => logRequestError(this.log, err, req, this.routeOf(req), httpStatus(err) || 500)
    }
    // telemetry: the registry is shared under the cache's name (serve() names both per cluster)
    this.stats = new AppStats(c.name === undefined ? null : `stats:${c.name}`, this.core.dispatcher, {
      cache: () => this.responses.stats(),
      inFlight: () => this.core.pending.size,
      openConnections: () => this.connections,
    })
    const statsListener = new StatsListener(this.stats.recorder, this.core.entries)
    this.core.onEnd = statsListener
    // releases: one table per serve() cluster (named like the statistics), else private
    this.releaseHost = new AppReleaseHost(c.name === undefined ? null : `releases:${c.name}`, this.stats.native, this.stats.recorder,
      this.router as Router<unknown>, this.core.dispatcher, this.config.releases.auditLog)
    this.releases = this.releaseRegistry = new ReleaseRegistry(this.releaseHost)
    const ghosts = new GhostWiring(this.core, this.stats.native, statsListener)
    this.core.onEnd = ghosts
    this.core.lean = statsListener
    this.releaseHost.ghostSwitch = (routes, stableArm, candidateArm, o) => ghosts.switch(routes, stableArm, candidateArm, o)
    this.telemetry = new Telemetry(this.config.telemetry, this.stats.native, () => this.stats.snapshot(), this.log)
    // releases: the admin API (lib/admin/release-routes.ts), audited as 'admin'
    this.telemetry.addRoutes(releaseRoutes(this.releaseRegistry, 'admin'))
    const m = this.config.telemetry.metrics
    if (m !== null) {
      this.get(m.path, { shedding: false }, (_req, reply) => {
        reply.type(METRICS_TYPE)
        return renderMetrics(this.stats.native, this.stats.snapshot())
      })
    }
    const log = (line: string): void => console.error(line)
    this.traffic = createTraffic(this.config.flags, this.config.unitKey, this.config.unitKey?.missing ?? 'off', log)
    this.flags = this.traffic.runtime
    this.telemetry.view.flags = this.flags  // the dashboard's flags panel
  }

  /**
   * Starts a release of a route ("GET /users/:id"): a candidate version, as a
   * handler or a module loaded with import(); see docs/releases.md.
   */
  release(route: string, def: VersionDefinition): Release {
    return this.releaseRegistry.create(route, def)
  }

  private appCache(): AppCache {
    const { router, dispatcher } = this.core
    const responses = this.responses
    return {
      delete(key: string): boolean {
        if (typeof key !== 'string') throw new GriddleTypeError('GRIDDLE_ERR_INVALID_ARG', 'key must be a string')
        if (!key.startsWith('/')) return dispatcher.deleteCustom(key) > 0
        const q = key.indexOf('?')
        const path = q < 0 ? key : key.slice(0, q)
        return dispatcher.delete(dispatcher.key(router.methodCode('GET'), path, q < 0 ? undefined : key.slice(q + 1))) > 0
      },
      invalidateTag: (tag: string) => responses.invalidateTag(tag),
      stats: () => responses.stats(),
    }
  }

  get(path: string, a: RouteOptions | Handler, b?: Handler): this { return this.shorthand('GET', path, a, b) }
  head(path: string, a: RouteOptions | Handler, b?: Handler): this { return this.shorthand('HEAD', path, a, b) }
  post(path: string, a: RouteOptions | Handler, b?: Handler): this { return this.shorthand('POST', path, a, b) }
  put(path: string, a: RouteOptions | Handler, b?: Handler): this { return this.shorthand('PUT', path, a, b) }
  patch(path: string, a: RouteOptions | Handler, b?: Handler): this { return this.shorthand('PATCH', path, a, b) }
  delete(path: string, a: RouteOptions | Handler, b?: Handler): this { return this.shorthand('DELETE', path, a, b) }
  options(path: string, a: RouteOptions | Handler, b?: Handler): this { return this.shorthand('OPTIONS', path, a, b) }

  /** Adds a route for one or more methods. Routes are fixed once the app listens. */
  route(def: RouteDefinition): this {
    if (def === null || typeof def !== 'object') throw new GriddleTypeError('GRIDDLE_ERR_INVALID_ARG', 'a route definition must be an object')
    if (this.uws !== null || this.closed !== null) throw new GriddleError('GRIDDLE_ERR_APP_STATE', 'routes must be added before listen()')
    if (typeof def.handler !== 'function') throw new GriddleTypeError('GRIDDLE_ERR_INVALID_ARG', 'handler must be a function')
    knownKeys(def, ROUTE_OPTIONS, `route ${String(def.method)} ${String(def.path)}`)
    const methods = Array.isArray(def.method) ? def.method : [def.method]
    for (const method of methods) this.addRoute(String(method).toUpperCase(), def)
    return this
  }

  /** Sets what receives 5xx errors (default: one line on stderr). */
  onError(reporter: ErrorReporter): this {
    if (typeof reporter !== 'function') throw new GriddleTypeError('GRIDDLE_ERR_INVALID_ARG', 'onError takes a function')
    this.reporter = reporter
    return this
  }

  /** Starts serving; port 0 picks a free port. Resolves with the bound address. */
  async listen(port: number = this.config.port): Promise<Address & TelemetryAddress> {
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new GriddleTypeError('GRIDDLE_ERR_INVALID_ARG', 'port must be an integer from 0 to 65535')
    if (this.uws !== null || this.closed !== null) throw new GriddleError('GRIDDLE_ERR_APP_STATE', 'listen() may be called once')
    // flags: serve nothing before the first config has loaded.
    try {
      await this.flags.ready
    } catch (err) {
      this.closed = Promise.resolve()
      this.flags.close()
      throw this.flags.startupError(err)
    }
    const app = this.uws = createUwsApp()
    app.filter((_res, n) => { this.connections += n })
    this.register(app)
    const host = this.config.host
    const socket = await new Promise<ListenSocket | false>((resolve) => {
      app.listen(host, port, this.config.reusePort ? LISTEN_SHARED : LISTEN_EXCLUSIVE, resolve)
    })
    if (socket === false) {
      app.close()
      this.closed = Promise.resolve()
      throw new GriddleError('GRIDDLE_ERR_LISTEN', `${host}:${port}: ${(await portProblem(host, port)) ?? 'the port was busy when uWS tried it'}`)
    }
    this.listenSocket = socket
    this.address = { host, port: localPort(socket) }
    this.core.admission?.start()
    let telemetry: TelemetryAddress
    try {
      telemetry = await this.startTelemetry()
    } catch (err) {
      await this.close()
      throw err
    }
    this.log.info({ ...this.address, ...telemetry }, 'listening')
    return { ...this.address, ...telemetry }
  }

  /**
   * Stops accepting, lets in-flight requests finish within `closeGraceMs`,
   * then closes every connection. Calling it again returns the same promise.
   */
  close(): Promise<void> {
    this.closed ??= this.shutdown()
    return this.closed
  }

  /**
   * The first half of a drain: closes the listen socket, then marks every
   * later answer `Connection: close`, in that order, so that the clients it
   * sends away reconnect to a listener that stays open (see docs/deploy.md).
   * Requests on open connections go on being served until close().
   */
  stopAccepting(): void {
    this.stopListening()
    this.core.closing = true
  }

  /**
   * Closes the listen socket only; answers keep their keep-alive. A cluster
   * handing over closes every worker's listen socket this way before any
   * of them answers `Connection: close`: a client sent away by one worker
   * must not reconnect into the queue of a sibling about to close.
   */
  stopListening(): void {
    if (this.listenSocket !== null) closeListenSocket(this.listenSocket)
    this.listenSocket = null
  }

  /** In-flight requests that have a deadline (a drain waits for them). */
  get inFlight(): number {
    return this.core.pending.size
  }

  /** Internal: installs the listener told of every request's end (telemetry, tests), or removes it with null. */
  [kOnEnd](listener: EndListener | null): void {
    this.core.onEnd = listener
    this.core.lean = null
  }

  /** Internal: the release host (serve()'s workers load versions into it). */
  [kReleaseHost](): AppReleaseHost {
    return this.releaseHost
  }

  /** The bound address while listening, else null. */
  addressOf(): Address | null {
    return this.address === null ? null : { ...this.address }
  }

  private async shutdown(): Promise<void> {
    if (this.address !== null) this.log.info({ ...this.address, inFlight: this.core.pending.size }, 'closing')
    this.stopAccepting()
    const until = performance.now() + this.config.closeGraceMs
    while (this.core.pending.size > 0 && performance.now() < until) await new Promise((r) => setTimeout(r, 5))
    stopDeadlines(this.core)
    this.core.admission?.stop()
    this.stopTelemetry()
    this.flags.close()
    await this.releaseRegistry.close()
    this.uws?.close()
    this.address = null
    this.log.close()
  }

  private routeOf(req: Request | null): string | null {
    const id = req === null ? -1 : req[kReply][kRouteId]
    return this.patterns[id] ?? null
  }

  // telemetry
  private startTelemetry(): Promise<TelemetryAddress> {
    for (const route of this.router.routes()) {
      this.stats.native.nameRoute(route.id, route.pattern)
      this.patterns[route.id] = route.pattern
    }
    this.stats.start()
    return this.telemetry.start()
  }

  private stopTelemetry(): void {
    this.telemetry.stop()
    this.stats.stop()
  }

  private shorthand(method: string, path: string, a: RouteOptions | Handler, b?: Handler): this {
    if (typeof a === 'function') return this.route({ method, path, handler: a as Handler })
    return this.route({ ...(a ?? {}), method, path, handler: b as Handler })
  }

  private addRoute(method: string, def: RouteDefinition): void {
    const where = `${method} ${def.path}`
    const schema = def.schema ?? {}
    if (schema === null || typeof schema !== 'object') throw new GriddleTypeError('GRIDDLE_ERR_INVALID_ARG', `${where}: schema must be an object`)
    knownKeys(schema, SCHEMA_PARTS, where, 'schema.')
    const partial = {
      method,
      where,
      handler: def.handler,
      checkParams: compileCheck('params', schema.params, where),
      checkQuery: compileCheck('query', schema.query ?? schema.querystring, where),
      checkBody: compileCheck('body', schema.body, where),
      serializers: new RouteSerializers(schema.response, where),
      readsBody: method !== 'GET' && method !== 'HEAD',
      cache: compileRouteCache(def.cache, where),
      shedding: def.shedding ?? true,
      version: def.version === undefined ? 'v1' : checkVersionName(def.version, where),
      versions: [],
    }
    if (typeof partial.shedding !== 'boolean') throw new GriddleTypeError('GRIDDLE_ERR_INVALID_ARG', `${where}: shedding must be a boolean`)
    // Reads only: a cached answer replaces the handler, which a request with a body must reach.
    if (partial.cache !== null && method !== 'GET' && method !== 'HEAD') {
      throw new GriddleTypeError('GRIDDLE_ERR_INVALID_OPTION', `${where}: cache is for GET and HEAD routes`)
    }
    // Routes the constructor adds (metrics.path) come before the flags exist: they never name experiments.
    const experiments = def.experiments === undefined ? null
      : compileRouteExperiments(def.experiments, partial.cache, this.traffic.hashing ? this.flags.store : null, where)
    const id = this.router.add(method, def.path, this.core.entries.length)
    const entry: RouteEntry = { ...partial, experiments, ok: partial.serializers.ok, params: this.router[kRoute](id).params }
    this.core.entries[id] = entry
    this.releaseHost.bindRoute(id, method, def.path, entry)
    if (entry.cache !== null) {
      this.core.caching = true
      this.core.dispatcher.setMode(id, entry.cache.key === null ? MODE.DEFAULT_KEY : entry.cache.shared ? MODE.SHARED_KEY : MODE.CUSTOM_KEY)
    }
    if (experiments !== null) this.core.dispatcher.setExperiments(id, experiments.store.handle, [...experiments.names], this.traffic.missing === 'empty')
  }

  /**
   * One catch-all uWS handler per method uWS has a register call for; each
   * makes one lookup per request. Every other method (PURGE, PROPFIND, ...)
   * reaches uWS's any(), which hands it on by the method as sent.
   */
  private register(app: UwsApp): void {
    this.router[kPublish]()
    const core = this.core
    const getCode = this.router.methodCode('GET')
    const own = new Set<string>()
    for (const [method, name] of UWS_METHODS) {
      own.add(method)
      app[name]('/*', requestHandler(core, method, this.router.methodCode(method), getCode, this.traffic))
    }
    const others = new Map<string, UwsHandler>()
    for (const method of this.router.methods()) {
      if (!own.has(method)) others.set(method, requestHandler(core, method, this.router.methodCode(method), getCode, this.traffic))
    }
    app.any('/*', (res, req) => {
      const method = req.getCaseSensitiveMethod()
      // A method no route uses: its own handler, built here (slow path), answers 404 or 405.
      ;(others.get(method) ?? requestHandler(core, method, -1, getCode, this.traffic))(res, req)
    })
  }
}

/** Creates an app; see docs/server.md. */
export function createApp(options?: AppOptions): App {
  return new App(options)
}
