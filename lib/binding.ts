/**
 * The only module that loads the native addon. Everything native is reached
 * through the object exported here, typed below.
 */
import { createRequire } from 'node:module'
import { existsSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { GriddleError } from './errors.js'

export interface NativeBinding {
  readonly napiVersion: number
  readonly sanitized: boolean
  readonly ROUTER_MAX_PARAMS: number
  readonly ROUTER_OUT_LENGTH: number
  noop(): void
  noopIntString(a: number, s: string): number
  routerCreate(flags: number, maxParamLength: number, out: Int32Array): RouterLookup
  routerInsert(router: RouterLookup, method: number, parts: string[], routeId: number): number
  readonly CACHE_OUT_LENGTH: number
  readonly CACHE_ENTRY_OVERHEAD: number
  readonly CACHE_TAG_OVERHEAD: number
  cacheOpen(name: string | null, maxBytes: number, out: Int32Array): CacheGetInto | number
  cacheSet(cache: CacheGetInto, key: string, value: string | Uint8Array, ttlMs: number, tags: string[] | null,
    meta: Int32Array | null): boolean
  cacheGet(cache: CacheGetInto, key: string): Buffer | undefined
  cacheHas(cache: CacheGetInto, key: string): boolean
  cacheDelete(cache: CacheGetInto, key: string): boolean
  cacheInvalidateTag(cache: CacheGetInto, tag: string): number
  cacheClear(cache: CacheGetInto): void
  cacheStats(cache: CacheGetInto, out: Float64Array): void
  cacheMaxEntryBytes(cache: CacheGetInto): number
  cacheClose(cache: CacheGetInto): void
  readonly DISPATCH_IO_SIZE: number
  dispatchCreate(router: RouterLookup, cache: CacheGetInto | null, io: Int32Array, out: Uint8Array): Dispatch
  dispatchSetMode(dispatcher: Dispatch, routeId: number, mode: number): void
  dispatchKey(dispatcher: Dispatch, method: number, path: string, query?: string): string
  dispatchProbe(dispatcher: Dispatch, key: string, ifNoneMatch?: string): void
  dispatchStore(dispatcher: Dispatch, key: string, encoding: number, body: Uint8Array, ttlMs: number,
    tags: string[] | null, status: number, type: Uint8Array, variants: number, freshUntil: number): boolean
  dispatchDelete(dispatcher: Dispatch, key: string): number
  bucketUnitHash(key: string | undefined, out: Int32Array): void
  bucketMurmur3(key: string, seed: number): number
  bucketUnleash(id: string, normalizer: number, seed: number): number
  flagsOpen(name: string, args: Int32Array): FlagsEval
  flagsExperimentFn(flags: FlagsEval): FlagsExperiment
  flagsPublish(flags: FlagsEval, json: string, program: Float64Array, counterNames: string[]): number
  flagsCurrent(flags: FlagsEval, out: Int32Array): string | null
  flagsExposures(flags: FlagsEval): Array<string | number>
  readonly FLAGS_EVAL_OFF: number
  readonly FLAGS_EVAL_DISABLED: number
  readonly FLAGS_EVAL_STALE: number
  readonly FLAGS_EVAL_HOLDOUT: number
  readonly FLAGS_EVAL_UNKNOWN: number
  readonly FLAGS_FORCE_OFF: number
  /** Test hook for the C++ API dispatch uses: a latin1 key on the named store. */
  cacheProbeLatin1(name: string, key: string, target: Uint8Array): number
}

/**
 * The server's one call per request (native/dispatch.h): route lookup and, for
 * a cached route, the cache probe; numbers in and out through the io array.
 */
export type Dispatch = (path: string, query?: string, ifNoneMatch?: string, unitKey?: string) => void

/** A flag store's hot call (native/flags.cc): reads [seq, flag, forced, unitLo, unitHi] from its args array → variant index or a status. */
export type FlagsEval = () => number
/** Reads [seq, experiment, unitLo, unitHi, count] from the args array → arm index or a status. */
export type FlagsExperiment = () => number

/** The cache's hot call and handle: (key, target) -> bytes copied or a negative status. */
export type CacheGetInto = (key: string, target: Uint8Array) => number

/**
 * The router's hot call: takes the path; reads the method code from out[0] and
 * writes the route id (or a negative status) to out[1], then flags, count and
 * parameter offsets (see native/router.h).
 */
export type RouterLookup = (path: string) => void

/** The addon needs Node-API 8 (Node 12.22+, 14.17+, 16+); the package needs Node 20. */
const NAPI_VERSION = 8

const packageRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..')

/**
 * Where the addon may be, in order. GRIDDLE_ADDON names one explicitly (the
 * sanitizer build uses it); otherwise the Release build, then the Debug one.
 */
export function candidatePaths(env: NodeJS.ProcessEnv = process.env): string[] {
  if (env.GRIDDLE_ADDON) return [resolve(env.GRIDDLE_ADDON)]
  return [join(packageRoot, 'build', 'Release', 'griddle.node'), join(packageRoot, 'build', 'Debug', 'griddle.node')]
}

/**
 * Loads the addon from the first path that works. On failure, one error says
 * what this process is (Node version, ABI), what was tried, and what to run;
 * each attempt's error is chained through `cause`.
 */
export function loadBinding(paths: string[] = candidatePaths()): NativeBinding {
  const require = createRequire(import.meta.url)
  const failures: Array<{ path: string, error: unknown }> = []
  for (const path of paths) {
    if (!existsSync(path)) {
      failures.push({ path, error: new Error(`no file at ${path}`) })
      continue
    }
    try {
      return require(path) as NativeBinding
    } catch (error) {
      failures.push({ path, error })
    }
  }
  let cause: Error | undefined
  for (let i = failures.length - 1; i >= 0; i--) {
    const { path, error } = failures[i]!
    const message = error instanceof Error ? error.message : String(error)
    cause = new Error(`attempt ${i + 1}: ${path}: ${message}`, { cause: cause ?? error })
  }
  throw new GriddleError(
    'GRIDDLE_ERR_ADDON_LOAD',
    `this is Node ${process.version} (ABI ${process.versions.modules}, Node-API ${process.versions.napi}); ` +
      `griddle needs Node >= 20 with Node-API >= ${NAPI_VERSION}. Tried: ${paths.join(', ')}. ` +
      'Run `npm rebuild griddle` (or `npm install` in a clone) to build it.',
    { cause },
  )
}

export const native: NativeBinding = loadBinding()
