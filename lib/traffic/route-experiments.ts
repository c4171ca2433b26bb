/**
 * A route's `experiments` option: the experiments its cached body depends on.
 * Dispatch then probes and stores the route's entries under the key plus the
 * unit's arms (native/flags-route.h), so each arm has its own body.
 */
import { native } from '../binding.js'
import { GriddleTypeError } from '../errors.js'
import type { RouteCache } from '../cache/route-options.js'
import type { FlagStore } from './flags.js'

export interface RouteExperiments {
  readonly names: readonly string[]
  /** The app's flag store: a store is skipped when a reload came between dispatch and the handler's answer. */
  readonly store: FlagStore
}

function fail(where: string, detail: string): never {
  throw new GriddleTypeError('GRIDDLE_ERR_INVALID_OPTION', `${where}: experiments ${detail}`)
}

/** Checks the option; null when absent. `store` is null when the app has no flags option. */
export function compileRouteExperiments(v: unknown, cache: RouteCache | null, store: FlagStore | null, where: string): RouteExperiments | null {
  if (v === undefined) return null
  const max = native.DISPATCH.ROUTE_EXPERIMENTS_MAX
  if (!Array.isArray(v) || v.length === 0 || v.length > max || v.some((n) => typeof n !== 'string' || n.length === 0)) {
    fail(where, `must be an array of 1 to ${max} experiment names`)
  }
  if (new Set(v).size !== v.length) fail(where, 'names an experiment twice')
  if (cache === null) fail(where, 'key a cached body: give the route a cache option too (req.experiment works without it)')
  if (cache.key !== null) fail(where, 'need the default cache key: with cache.key, put req.experiment(name) into your key')
  if (store === null) fail(where, 'need the app\'s flags option (createApp({ flags }))')
  return { names: Object.freeze([...v as string[]]), store }
}
