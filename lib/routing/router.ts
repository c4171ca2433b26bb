/**
 * The router: find-my-way's matching semantics with the lookup in native code.
 * `find` is the convenience API; the server uses the same native lookup
 * through `match` + `[kRoute](id).params`.
 */
import { native, type RouterLookup } from '../binding.js'
import { GriddleError, GriddleTypeError, INSERT, LOOKUP } from '../errors.js'
import { parsePattern, type PatternOptions } from './route-pattern.js'
import { kLookup, kOut, kPublish, kRoute } from '../symbols.js'
import { TOKEN } from '../util/http-token.js'

export interface RouterOptions {
  /** Match static text case-sensitively (default true). Parameter values keep their case. */
  caseSensitive?: boolean
  /** `/a/` matches `/a` (default false). */
  ignoreTrailingSlash?: boolean
  /** `//a///b` matches `/a/b` (default false). */
  ignoreDuplicateSlashes?: boolean
  /** A parameter longer than this (after decoding) does not match (default 100). */
  maxParamLength?: number
}

export interface RouteMatch<T> {
  value: T
  params: Record<string, string>
  id: number
}

export interface RouteInfo {
  id: number
  method: string
  pattern: string
}

type ParamsBuilder = (path: string, out: Int32Array) => Record<string, string>

/** What the router keeps per route id. */
export interface RouteRecord<T> {
  readonly id: number
  readonly value: T
  readonly pattern: string
  readonly methods: string[]
  readonly names: readonly string[]
  /** Builds the params object from the offsets of the last lookup. */
  readonly params: ParamsBuilder
}


/** Slots and flags of the Int32Array shared with the native lookup, read from native/router.h. */
export const OUT = {
  METHOD: native.ROUTER.OUT_METHOD,
  ROUTE: native.ROUTER.OUT_ROUTE,
  FLAGS: native.ROUTER.OUT_FLAGS,
  COUNT: native.ROUTER.OUT_COUNT,
  PAIRS: native.ROUTER.OUT_PAIRS,
  LENGTH: native.ROUTER.OUT_LENGTH,
} as const
const FLAG_DECODE = native.ROUTER.FLAG_DECODE
const FLAG_COLLAPSE = native.ROUTER.FLAG_COLLAPSE

/**
 * find-my-way's optional parameter: `/opt/:id?` registers `/opt/:id` and
 * `/opt` (`/` when nothing is left), and must end the pattern.
 */
const OPTIONAL_PARAM = /(\/:[^/()]*?)\?(\/?)/

function decodeValue(path: string, start: number, end: number, flags: number, wildcard: boolean): string {
  let v = path.slice(start, end)
  if (wildcard && (flags & FLAG_COLLAPSE) !== 0) v = v.replace(/\/\/+/g, '/')
  if ((flags & FLAG_DECODE) !== 0) {
    try {
      v = decodeURIComponent(v)
    } catch {
      // The native side validated every escape; a slice can only fail to
      // decode if it splits one, which route templates cannot produce.
    }
  }
  return v
}

/**
 * Generates the per-route function that turns lookup offsets into the params
 * object: plain slices when nothing needs decoding, decodeValue otherwise.
 */
function compileParams(names: readonly string[]): ParamsBuilder {
  if (names.length === 0) return () => ({})
  const at = (i: number) => `o[${OUT.PAIRS + 2 * i}], o[${OUT.PAIRS + 1 + 2 * i}]`
  const fast = names.map((n, i) => `${JSON.stringify(n)}: p.slice(${at(i)})`)
  const slow = names.map((n, i) => `${JSON.stringify(n)}: d(p, ${at(i)}, o[${OUT.FLAGS}], ${n === '*'})`)
  const body = `return function params(p, o) {\n` +
    `  if (o[${OUT.FLAGS}] === 0) return { ${fast.join(', ')} }\n` +
    `  return { ${slow.join(', ')} }\n}`
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  return new Function('d', body)(decodeValue) as ParamsBuilder
}

/**
 * The params of a route with an optional last parameter: either registration
 * may match, told apart by the number of values (the long form has more).
 */
function compileOptionalParams(names: readonly string[], shortNames: readonly string[]): ParamsBuilder {
  const full = compileParams(names)
  const short = compileParams(shortNames)
  const n = names.length
  return (p, o) => o[OUT.COUNT] === n ? full(p, o) : short(p, o)
}

/** The patterns one route registers: itself, or both forms of an optional parameter. */
function expandOptional(pattern: string): string[] {
  if (typeof pattern !== 'string') return [pattern]
  const m = OPTIONAL_PARAM.exec(pattern)
  if (m === null) return [pattern]
  if (m.index + m[0].length !== pattern.length) {
    throw new GriddleError('GRIDDLE_ERR_ROUTE_PATTERN', `${JSON.stringify(pattern)}: an optional parameter must be the last part`)
  }
  return [pattern.replace(OPTIONAL_PARAM, '$1$2'), pattern.replace(OPTIONAL_PARAM, '$2') || '/']
}

/**
 * An absolute-form request target (`http://host/path?q`) reduced to its path;
 * null when it is not one.
 */
function originForm(url: string): string | null {
  const m = /^https?:\/\/[^/?#]+/i.exec(url)
  if (m === null || url.includes('#')) return null
  const rest = url.slice(m[0].length)
  if (rest.length === 0) return '/'
  return rest[0] === '?' ? '/' + rest : rest
}

function checkBoolean(name: string, v: unknown, dflt: boolean): boolean {
  if (v === undefined) return dflt
  if (typeof v !== 'boolean') throw new GriddleTypeError('GRIDDLE_ERR_INVALID_OPTION', `${name} must be a boolean`)
  return v
}

export class Router<T = unknown> {
  private readonly routeList: Array<RouteRecord<T>> = []
  private readonly infos: RouteInfo[] = []
  private readonly methodCodes = new Map<string, number>()
  private readonly keys = new Set<string>()
  private readonly patternOptions: PatternOptions
  private getCode = -1
  /**
   * Fully static routes by method code, then by path length: an exact hit is
   * answered without crossing into native code. Measured: a native call that
   * takes a string costs ~30 ns here, more than find-my-way's whole static
   * lookup (~24 ns); the length bucket keeps the check to a few ns on paths
   * that are not static routes. Exactness is what makes this safe: the tree
   * walk prefers static children at every node, so it would find the same route.
   */
  private readonly statics: Array<Array<Array<string | number> | undefined>> = []
  readonly [kLookup]: RouterLookup
  readonly [kOut]: Int32Array

  constructor(options: RouterOptions = {}) {
    if (options === null || typeof options !== 'object') {
      throw new GriddleTypeError('GRIDDLE_ERR_INVALID_OPTION', 'options must be an object')
    }
    const caseSensitive = checkBoolean('caseSensitive', options.caseSensitive, true)
    const ignoreTrailingSlash = checkBoolean('ignoreTrailingSlash', options.ignoreTrailingSlash, false)
    const ignoreDuplicateSlashes = checkBoolean('ignoreDuplicateSlashes', options.ignoreDuplicateSlashes, false)
    const maxParamLength = options.maxParamLength ?? 100
    if (!Number.isInteger(maxParamLength) || maxParamLength < 1 || maxParamLength > 0x7fffffff) {
      throw new GriddleTypeError('GRIDDLE_ERR_INVALID_OPTION', 'maxParamLength must be a positive integer')
    }
    this.patternOptions = { caseSensitive, ignoreTrailingSlash, ignoreDuplicateSlashes, maxParams: native.ROUTER.MAX_PARAMS }
    // An explicit ArrayBuffer keeps the memory off the V8 heap, so the native
    // side can keep its address.
    this[kOut] = new Int32Array(new ArrayBuffer(OUT.LENGTH * 4))
    const flags = (caseSensitive ? 0 : 1) | (ignoreTrailingSlash ? 2 : 0) | (ignoreDuplicateSlashes ? 4 : 0)
    this[kLookup] = native.routerCreate(flags, maxParamLength, this[kOut])
  }

  /** The small integer the native lookup takes for `method`, or -1 when no route uses it. */
  methodCode(method: string): number {
    if (method === 'GET') return this.getCode
    return this.methodCodes.get(method) ?? -1
  }

  /** Methods that have at least one route. */
  methods(): string[] {
    return [...this.methodCodes.keys()]
  }

  /**
   * Adds a route for one or more methods; returns its id. Lookups see it
   * with the other changes since the last snapshot, all at once: the next
   * lookup, or [kPublish], publishes them as one native snapshot.
   */
  add(method: string | string[], pattern: string, value: T): number {
    const methods = Array.isArray(method) ? method : [method]
    if (methods.length === 0) throw new GriddleError('GRIDDLE_ERR_METHOD', 'no method given')
    for (const m of methods) {
      if (typeof m !== 'string' || !TOKEN.test(m)) {
        throw new GriddleError('GRIDDLE_ERR_METHOD', `${JSON.stringify(m)} is not an HTTP method token`)
      }
    }
    if (new Set(methods).size !== methods.length) throw new GriddleError('GRIDDLE_ERR_METHOD', 'a method is listed twice')
    const forms = expandOptional(pattern).map((p) => parsePattern(p, this.patternOptions))
    const names = forms[0]!.names
    const keys = new Set<string>()
    for (const m of methods) {
      for (const form of forms) {
        const key = m + '\u0000' + form.key
        if (this.keys.has(key) || keys.has(key)) throw new GriddleError('GRIDDLE_ERR_ROUTE_CONFLICT', `${m} ${pattern}`)
        keys.add(key)
      }
    }
    const id = this.routeList.length
    for (const m of methods) {
      for (const form of forms) {
        const status = native.routerInsert(this[kLookup], this.codeFor(m), form.parts, id)
        if (status === INSERT.CONFLICT) throw new GriddleError('GRIDDLE_ERR_ROUTE_CONFLICT', `${m} ${pattern}`)
        if (status !== INSERT.OK) throw new GriddleError('GRIDDLE_ERR_ROUTE_PATTERN', `${pattern} (status ${status})`)
        // The JS fast path does not write the out array: only for routes without parameters.
        if (form.exact !== null && names.length === 0) this.addStatic(this.codeFor(m), form.exact, id)
      }
      this.infos.push({ id, method: m, pattern })
    }
    for (const key of keys) this.keys.add(key)
    const params = forms.length > 1 ? compileOptionalParams(names, forms[1]!.names) : compileParams(names)
    this.routeList.push({ id, value, pattern, methods, names, params })
    return id
  }

  /**
   * Publishes the changes since the last snapshot as one new snapshot, so
   * that no request pays for building it (the app calls this at listen):
   * registering n routes builds one snapshot, not n. Without it, the first
   * lookup after a change publishes (native/router.h); other threads see a
   * change once it is published. Returns the snapshot's generation.
   */
  [kPublish](): number {
    return native.routerPublish(this[kLookup])
  }

  /** Finds the route for `method` and `path` (query and fragment ignored), or null. */
  find(method: string, path: string): RouteMatch<T> | null {
    if (typeof path !== 'string') throw new GriddleTypeError('GRIDDLE_ERR_INVALID_ARG', 'path must be a string')
    if (typeof method !== 'string') throw new GriddleTypeError('GRIDDLE_ERR_INVALID_ARG', 'method must be a string')
    const code = method === 'GET' ? this.getCode : this.methodCodes.get(method)
    if (code === undefined || code < 0) return null
    const bucket = this.statics[code]?.[path.length]
    if (bucket !== undefined) {
      for (let i = 0; i < bucket.length; i += 2) {
        if (bucket[i] === path) return this.result(bucket[i + 1] as number, path)
      }
    }
    const out = this[kOut]
    out[OUT.METHOD] = code
    this[kLookup](path)
    const id = out[OUT.ROUTE]!
    if (id >= 0) return this.result(id, path)
    return id === LOOKUP.NOT_ORIGIN ? this.findAbsolute(code, path) : null
  }

  private result(id: number, path: string): RouteMatch<T> {
    const route = this.routeList[id]!
    return { value: route.value, params: route.params(path, this[kOut]), id }
  }

  private findAbsolute(code: number, url: string): RouteMatch<T> | null {
    const path = originForm(url)
    if (path === null) return null
    const id = this.match(code, path)
    return id >= 0 ? this.result(id, path) : null
  }

  /**
   * hot path: the one native call of a lookup. Returns the route id or a
   * negative LOOKUP status; on a match, `[kRoute](id).params(path, [kOut])`
   * builds the params (before the next lookup overwrites the offsets).
   */
  match(methodCode: number, path: string): number {
    const out = this[kOut]
    out[OUT.METHOD] = methodCode
    this[kLookup](path)
    return out[OUT.ROUTE]!
  }

  /** The route record for an id returned by the native lookup. */
  [kRoute](id: number): RouteRecord<T> {
    return this.routeList[id]!
  }

  /** Every (route, method) pair, in the order added. */
  routes(): RouteInfo[] {
    return this.infos.map((r) => ({ ...r }))
  }

  private addStatic(code: number, path: string, id: number): void {
    const byLength = this.statics[code] ?? (this.statics[code] = [])
    const bucket = byLength[path.length] ?? (byLength[path.length] = [])
    bucket.push(path, id)
  }

  private codeFor(method: string): number {
    let code = this.methodCodes.get(method)
    if (code === undefined) {
      code = this.methodCodes.size
      this.methodCodes.set(method, code)
      if (method === 'GET') this.getCode = code
    }
    return code
  }
}
