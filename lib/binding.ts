/**
 * The only module that loads the native addon. Everything native is reached
 * through the object exported here, typed below.
 */
import { createRequire } from 'node:module'
import { existsSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { GriddleError } from './errors.js'

/** Slot indexes and codes of the router's out array (native/router.h RouterOut). */
export interface RouterLayout {
  readonly OUT_METHOD: number
  readonly OUT_ROUTE: number
  readonly OUT_FLAGS: number
  readonly OUT_COUNT: number
  readonly OUT_PAIRS: number
  readonly OUT_LENGTH: number
  readonly MAX_PARAMS: number
  readonly FLAG_DECODE: number
  readonly FLAG_COLLAPSE: number
  readonly LOOKUP_NOT_FOUND: number
  readonly LOOKUP_BAD_URL: number
  readonly LOOKUP_NOT_ORIGIN: number
  readonly LOOKUP_PARAM_TOO_LONG: number
  readonly INSERT_OK: number
  readonly INSERT_CONFLICT: number
  readonly INSERT_BAD_PARTS: number
}

/** Slot indexes and codes of dispatch's io array and output buffer (native/dispatch.h). */
export interface DispatchLayout {
  readonly IO_METHOD: number
  readonly IO_FALLBACK: number
  readonly IO_ACCEPT: number
  readonly IO_ROUTE: number
  readonly IO_MATCHED: number
  readonly IO_HIT: number
  readonly IO_STATUS: number
  readonly IO_TYPE: number
  readonly IO_ENCODING: number
  readonly IO_NOT_MODIFIED: number
  readonly IO_STALE: number
  readonly IO_SIZE: number
  readonly IO_STATS_COUNT: number
  readonly IO_STATS_FIRST: number
  readonly IO_TOTAL: number
  readonly IO_UNIT_LO: number
  readonly IO_UNIT_HI: number
  readonly IO_UNIT_SET: number
  readonly IO_EXP_ARM: number
  readonly IO_EXP_SEQ: number
  readonly KEY_ARMS: number
  readonly ARMS_UNCACHED: number
  readonly ROUTE_EXPERIMENTS_MAX: number
  readonly IO_ARM: number
  readonly IO_GHOST: number
  readonly IO_START: number
  readonly KEY_ARM: number
  readonly HIT_MISS: number
  readonly HIT_TOO_LARGE: number
  readonly TYPE_LENGTH_MASK: number
  readonly ENCODING_IDENTITY: number
  readonly ENCODING_GZIP: number
  readonly ENCODING_BR: number
  readonly VARIANT_GZIP: number
  readonly VARIANT_BR: number
  readonly MODE_NONE: number
  readonly MODE_DEFAULT_KEY: number
  readonly MODE_CUSTOM_KEY: number
  readonly MODE_SHARED_KEY: number
  readonly ETAG_TEXT: number
  readonly TYPE_MAX: number
  readonly OUT_HEADER_MAX: number
  readonly FRESH_EPOCH_S: number
  readonly FRESH_UNIT_MS: number
}

/** Slot indexes and codes of a cache handle's out, meta and stats arrays (native/cache.cc). */
export interface CacheLayout {
  readonly OUT_LENGTH: number
  readonly OUT_STATUS: number
  readonly OUT_VARIANTS: number
  readonly OUT_FRESH_UNTIL: number
  readonly OUT_ETAG_LO: number
  readonly OUT_ETAG_HI: number
  readonly OUT_SIZE: number
  readonly META_SIZE: number
  readonly STATS_SIZE: number
  readonly GET_MISS: number
  readonly GET_TOO_SMALL: number
  readonly GET_CLOSED: number
  readonly ACQUIRE_OK: number
  readonly ACQUIRE_CONFLICT: number
  readonly ACQUIRE_BAD_SIZE: number
  readonly ENTRY_OVERHEAD: number
  readonly TAG_OVERHEAD: number
}

/** A native thread checking route snapshots (native/snapshot-check.cc); tests only. */
export type SnapshotCheck = object & { readonly __snapshotCheck: unique symbol }

export interface NativeBinding {
  readonly napiVersion: number
  readonly sanitized: boolean
  readonly ROUTER: RouterLayout
  readonly DISPATCH: DispatchLayout
  readonly CACHE: CacheLayout
  noop(): void
  noopIntString(a: number, s: string): number
  routerCreate(flags: number, maxParamLength: number, out: Int32Array): RouterLookup
  routerInsert(router: RouterLookup, method: number, parts: string[], routeId: number): number
  routerSetCacheMode(router: RouterLookup, routeId: number, mode: number): void
  /** Publishes everything inserted and set so far as one snapshot; returns its generation. */
  routerPublish(router: RouterLookup): number
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
  dispatchCreate(router: RouterLookup, cache: CacheGetInto | null, io: Int32Array, out: Uint8Array, nowMs: number): Dispatch
  dispatchKey(dispatcher: Dispatch, method: number, path: string, query?: string, arm?: number): string
  dispatchCustomKey(dispatcher: Dispatch, routeId: number, key: string): string
  dispatchProbe(dispatcher: Dispatch, key: string, ifNoneMatch?: string): void
  dispatchStore(dispatcher: Dispatch, key: string, encoding: number, body: Uint8Array, ttlMs: number,
    tags: string[] | null, status: number, type: Uint8Array, variants: number, freshUntil: number): boolean
  dispatchDelete(dispatcher: Dispatch, key: string): number
  dispatchDeleteCustom(dispatcher: Dispatch, key: string): number
  /** Test hooks: a native thread looking up `paths[k]` (route k) while JS publishes. */
  snapshotCheckStart(router: RouterLookup, method: number, paths: string[]): SnapshotCheck
  /** Stops the thread: [lookups, errors, generations seen]. */
  snapshotCheckStop(check: SnapshotCheck): [number, number, number]
  /** Snapshots replaced but not yet freed. */
  snapshotRetired(router: RouterLookup): number
  bucketUnitHash(key: string | undefined, out: Int32Array): void
  bucketMurmur3(key: string, seed: number): number
  bucketUnleash(id: string, normalizer: number, seed: number): number
  bucketUnleashKey(key: string): number
  bucketUnleashGroup(groupId: string): number
  bucketUnleashArgs(args: Int32Array): void
  bucketUnleashKeyed(): number
  flagsOpen(name: string, args: Int32Array): FlagsEval
  flagsExperimentFn(flags: FlagsEval): FlagsExperiment
  flagsPublish(flags: FlagsEval, json: string, program: Float64Array, counterNames: string[], experimentNames: string[]): number
  flagsSeq(flags: FlagsEval): number
  dispatchSetExperiments(dispatcher: Dispatch, routeId: number, flags: FlagsEval, names: string[], missingEmpty: boolean): void
  flagsCurrent(flags: FlagsEval, out: Int32Array): string | null
  flagsExposures(flags: FlagsEval): Array<string | number>
  flagsDecideFn(flags: FlagsEval): FlagsDecide
  flagsBuffers(flags: FlagsEval, out: Int32Array, pending: Int32Array): void
  flagsDrain(flags: FlagsEval): void
  flagsCount(flags: FlagsEval, counterName: string): void
  readonly FLAGS_EVAL_OFF: number
  readonly FLAGS_EVAL_DISABLED: number
  readonly FLAGS_EVAL_STALE: number
  readonly FLAGS_EVAL_HOLDOUT: number
  readonly FLAGS_EVAL_UNKNOWN: number
  readonly FLAGS_FORCE_OFF: number
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
/** Reads [seq, -, -, unitLo, unitHi] → writes every flag's outcome and experiment's arm to the registered out array; their count or a status. */
export type FlagsDecide = () => number

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
 * sanitizer build uses it); otherwise the Release build, the Debug one, then
 * the prebuilt binary for this platform that node-gyp-build picks from
 * prebuilds/ (shipped in the npm tarball only, see docs/transport.md).
 */
export function candidatePaths(env: NodeJS.ProcessEnv = process.env, root: string = packageRoot): string[] {
  if (env.GRIDDLE_ADDON) return [resolve(env.GRIDDLE_ADDON)]
  const builds = [join(root, 'build', 'Release', 'griddle.node'), join(root, 'build', 'Debug', 'griddle.node')]
  return [...builds, prebuildPath(root)]
}

/** node-gyp-build's choice under prebuilds/, or that folder when it has none for this platform. */
function prebuildPath(root: string): string {
  const folder = join(root, 'prebuilds', `${process.platform}-${process.arch}`)
  if (!existsSync(folder)) return folder
  const nodeGypBuild = createRequire(import.meta.url)('node-gyp-build') as { path(dir: string): string }
  try {
    // It prefers build/ too; only its prebuilds/ answer is new here.
    const found = nodeGypBuild.path(root)
    return found.startsWith(folder) ? found : folder
  } catch {
    return folder
  }
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
    if (!existsSync(path) || !path.endsWith('.node')) {
      failures.push({ path, error: new Error(`no ${path.endsWith('.node') ? 'file' : 'prebuilt binary for this platform'} at ${path}`) })
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
      'Run `npm rebuild griddle` (or `npm install` in a clone) to build it; that needs a C++ compiler.',
    { cause },
  )
}

export const native: NativeBinding = loadBinding()
