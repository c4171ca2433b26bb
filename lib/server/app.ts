/**
 * createApp: route registration, listen and close. The request path itself
 * is in dispatch.ts and respond.ts.
 */
import { performance } from 'node:perf_hooks'
import { GriddleError, GriddleTypeError } from '../errors.js'
import type { Reply } from './reply.js'
import { unitReader, type Request, type UnitKeySource } from './request.js'
import { requestHandler } from './on-request.js'
import { sweep, type Core, type Handler, type RouteEntry } from './respond.js'
import { Router, type RouterOptions } from '../routing/router.js'
import { RouteSerializers, type ResponseSchemas } from '../schema/serialize.js'
import { kOut, kRoute } from '../symbols.js'
import { Admission } from './admission.js'
import { portProblem } from './ports.js'
import { Cache, type CacheStats } from '../cache/cache.js'
import { Dispatcher, MODE } from '../routing/dispatch.js'
import { Flights, compileRouteCache, type RouteCacheOptions } from '../cache/response-cache.js'
import { compileCheck } from '../schema/validate.js'
import {
  LISTEN_EXCLUSIVE, LISTEN_SHARED, UWS_METHODS, closeListenSocket, createUwsApp, localPort, type ListenSocket, type UwsApp,
} from '../uws.js'
import { checkOptions, type AppOptions, type ResolvedOptions } from './options.js'
import { createTraffic } from '../traffic/options.js'
import type { FlagsRuntime } from '../traffic/app-flags.js'
import type { Traffic } from '../traffic/request-flags.js'

export type { AppOptions } from './options.js'
export type { Handler } from './respond.js'

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

function defaultReporter(err: unknown, req: Request | null): void {
  const what = err instanceof Error ? `${err.name}: ${err.message}` : String(err)
  const where = req === null ? '' : ` on ${req.method} ${req.path}`
  console.error(`griddle: error${where}: ${what.replaceAll('\n', ' ')}`)
}

export class App {
  private readonly config: ResolvedOptions
  private readonly router: Router<number>
  private readonly core: Core
  private readonly responses: Cache
  /** Invalidation and statistics of the response cache. */
  readonly cache: AppCache
  /** Feature flags and experiments: evaluate, status, load, exposures (docs/flags.md). */
  readonly flags: FlagsRuntime
  private readonly traffic: Traffic
  private reporter: ErrorReporter = defaultReporter
  private uws: UwsApp | null = null
  private listenSocket: ListenSocket | null = null
  private sweeper: NodeJS.Timeout | null = null
  private closed: Promise<void> | null = null
  private address: Address | null = null

  constructor(options: AppOptions = {}) {
    this.config = checkOptions(options)
    this.router = new Router<number>(this.config.router as RouterOptions)
    this.core = {
      router: this.router,
      out: this.router[kOut],
      dispatcher: null as unknown as Dispatcher,
      caching: false,
      flights: new Flights(),
      admission: this.config.admission === false ? null : new Admission(this.config.admission),
      entries: [],
      maxUrlLength: this.config.maxUrlLength,
      bodyLimit: this.config.bodyLimit,
      requestTimeoutMs: this.config.requestTimeoutMs,
      unit: unitReader(this.config.unitKey),
      pending: new Set<Reply>(),
      closing: false,
      report: (err, req) => {
        try {
          this.reporter(err, req)
        } catch {
          // A failing reporter must not take the request path down with it.
        }
      },
    }
    const c = this.config.cache
    this.responses = new Cache({ maxBytes: c.maxBytes, ...(c.name === undefined ? {} : { name: c.name }) })
    ;(this.core as { dispatcher: Dispatcher }).dispatcher = new Dispatcher(this.router as Router<unknown>, this.responses, c.maxEntryBytes + 64)
    this.cache = this.appCache()
    const log = (line: string): void => console.error(line)
    this.traffic = createTraffic(this.config.flags, this.config.unitKey, this.config.unitKey?.missing ?? 'off', log)
    this.flags = this.traffic.runtime
  }

  private appCache(): AppCache {
    const { router, dispatcher } = this.core
    const responses = this.responses
    return {
      delete(key: string): boolean {
        if (typeof key !== 'string') throw new GriddleTypeError('GRIDDLE_ERR_INVALID_ARG', 'key must be a string')
        if (!key.startsWith('/')) return dispatcher.delete(dispatcher.customKey(key)) > 0
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
  async listen(port: number = this.config.port): Promise<Address> {
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
    const tick = Math.max(5, Math.min(1000, Math.floor(this.config.requestTimeoutMs / 4)))
    this.sweeper = setInterval(() => { if (this.core.pending.size > 0) sweep(this.core, performance.now()) }, tick)
    this.sweeper.unref()
    return { ...this.address }
  }

  /**
   * Stops accepting, lets in-flight requests finish within `closeGraceMs`,
   * then closes every connection. Calling it again returns the same promise.
   */
  close(): Promise<void> {
    this.closed ??= this.shutdown()
    return this.closed
  }

  /** The bound address while listening, else null. */
  addressOf(): Address | null {
    return this.address === null ? null : { ...this.address }
  }

  private async shutdown(): Promise<void> {
    this.core.closing = true
    if (this.listenSocket !== null) closeListenSocket(this.listenSocket)
    this.listenSocket = null
    const until = performance.now() + this.config.closeGraceMs
    while (this.core.pending.size > 0 && performance.now() < until) await new Promise((r) => setTimeout(r, 5))
    if (this.sweeper !== null) clearInterval(this.sweeper)
    this.core.admission?.stop()
    this.flags.close()
    this.uws?.close()
    this.address = null
  }

  private shorthand(method: string, path: string, a: RouteOptions | Handler, b?: Handler): this {
    if (typeof a === 'function') return this.route({ method, path, handler: a as Handler })
    return this.route({ ...(a ?? {}), method, path, handler: b as Handler })
  }

  private addRoute(method: string, def: RouteDefinition): void {
    const where = `${method} ${def.path}`
    const schema = def.schema ?? {}
    if (typeof schema !== 'object') throw new GriddleTypeError('GRIDDLE_ERR_INVALID_ARG', `${where}: schema must be an object`)
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
    }
    if (typeof partial.shedding !== 'boolean') throw new GriddleTypeError('GRIDDLE_ERR_INVALID_ARG', `${where}: shedding must be a boolean`)
    // Reads only: a cached answer replaces the handler, which a request with a body must reach.
    if (partial.cache !== null && method !== 'GET' && method !== 'HEAD') {
      throw new GriddleTypeError('GRIDDLE_ERR_INVALID_OPTION', `${where}: cache is for GET and HEAD routes`)
    }
    const id = this.router.add(method, def.path, this.core.entries.length)
    const entry: RouteEntry = { ...partial, ok: partial.serializers.ok, params: this.router[kRoute](id).params }
    this.core.entries[id] = entry
    if (entry.cache !== null) {
      this.core.caching = true
      this.core.dispatcher.setMode(id, entry.cache.key === null ? MODE.DEFAULT_KEY : MODE.CUSTOM_KEY)
    }
  }

  /** One catch-all uWS handler per method uWS knows; each makes one lookup per request. */
  private register(app: UwsApp): void {
    const getCode = this.router.methodCode('GET')
    for (const [method, name] of UWS_METHODS) {
      app[name]('/*', requestHandler(this.core, method, this.router.methodCode(method), getCode, this.traffic))
    }
  }
}

/** Creates an app; see docs/server.md. */
export function createApp(options?: AppOptions): App {
  return new App(options)
}
