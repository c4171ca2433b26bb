/**
 * Handler versions of a route: what `app.release(route, { version, handler |
 * module, export })` names, checked, and loaded with import() at run time.
 */
import { pathToFileURL } from 'node:url'
import { isAbsolute } from 'node:path'
import type { Handler } from '../server/core.js'
import { GriddleError, GriddleTypeError } from '../errors.js'
import { knownKeys } from '../util/check.js'

/** A version given as a function, or as a module to import (in every worker thread under serve()). */
export type VersionDefinition =
  | { version: string, handler: Handler }
  | { version: string, module: URL | string, export?: string }

/** A version's source in a form that crosses to worker threads (no functions but a handler kept locally). */
export interface VersionSource {
  version: string
  handler: Handler | null
  /** The module's URL (file: or data:), or null for a handler. */
  module: string | null
  export: string
}

const KEYS = ['version', 'handler', 'module', 'export'] as const
/** A version name: letters, digits and . _ - +, as in "v2" or "2026-12-01.1". */
const VERSION = /^[A-Za-z0-9][A-Za-z0-9._+-]{0,63}$/
/** A route key: a method, one space, a path pattern. */
const ROUTE_KEY = /^([A-Z][A-Z0-9!#$%&'*+.^_`|~-]*) (\/\S*)$/

export function checkVersionName(name: unknown, where: string): string {
  if (typeof name !== 'string' || !VERSION.test(name)) {
    throw new GriddleTypeError('GRIDDLE_ERR_RELEASE_OPTION', `${where}: version must be a name of letters, digits, ".", "_", "-" or "+" (at most 64), got ${JSON.stringify(name)}`)
  }
  return name
}

/** "GET /users/:id" → ['GET', '/users/:id']. */
export function parseRouteKey(key: unknown): [string, string] {
  const m = typeof key === 'string' ? ROUTE_KEY.exec(key) : null
  if (m === null) throw new GriddleTypeError('GRIDDLE_ERR_RELEASE_OPTION', `a release names its route as "METHOD /path", e.g. "GET /users/:id"; got ${JSON.stringify(key)}`)
  return [m[1]!, m[2]!]
}

function moduleHref(m: unknown, where: string): string {
  if (m instanceof URL) return m.href
  if (typeof m === 'string' && /^(file|data):/.test(m)) return m
  if (typeof m === 'string' && isAbsolute(m)) return pathToFileURL(m).href
  throw new GriddleTypeError('GRIDDLE_ERR_RELEASE_OPTION', `${where}: module must be a URL, a file: or data: URL string, or an absolute path`)
}

export function checkVersion(def: unknown, where: string): VersionSource {
  if (def === null || typeof def !== 'object') throw new GriddleTypeError('GRIDDLE_ERR_RELEASE_OPTION', `${where}: a version is { version, handler } or { version, module, export? }`)
  knownKeys(def, KEYS, where)
  const d = def as Record<string, unknown>
  const version = checkVersionName(d.version, where)
  const hasHandler = d.handler !== undefined
  if (hasHandler === (d.module !== undefined)) throw new GriddleTypeError('GRIDDLE_ERR_RELEASE_OPTION', `${where}: give either handler or module`)
  if (hasHandler && typeof d.handler !== 'function') throw new GriddleTypeError('GRIDDLE_ERR_RELEASE_OPTION', `${where}: handler must be a function`)
  const exp = d.export ?? 'default'
  if (typeof exp !== 'string' || exp.length === 0) throw new GriddleTypeError('GRIDDLE_ERR_RELEASE_OPTION', `${where}: export must be a name`)
  if (hasHandler) return { version, handler: d.handler as Handler, module: null, export: exp }
  return { version, handler: null, module: moduleHref(d.module, where), export: exp }
}

/** The version's handler: the function itself, or the module's export after import(). Rejects with GRIDDLE_ERR_RELEASE_LOAD. */
export async function loadVersion(source: Pick<VersionSource, 'handler' | 'module' | 'export' | 'version'>): Promise<Handler> {
  if (source.handler !== null) return source.handler
  let mod: Record<string, unknown>
  try {
    mod = await import(source.module!) as Record<string, unknown>
  } catch (err) {
    throw new GriddleError('GRIDDLE_ERR_RELEASE_LOAD', `${source.version} (${source.module}): ${err instanceof Error ? err.message : String(err)}`, { cause: err })
  }
  const h = mod[source.export]
  if (typeof h !== 'function') {
    throw new GriddleError('GRIDDLE_ERR_RELEASE_LOAD', `${source.version} (${source.module}): export ${JSON.stringify(source.export)} is not a function`)
  }
  return h as Handler
}
