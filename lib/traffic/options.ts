/** createApp's `flags` option, checked once, and the Traffic object the request path uses. */
import { GriddleTypeError } from '../errors.js'
import { attributeReader, checkAttributes, type AttributeSource, type ContextFunction } from './attributes.js'
import { cookieIn } from '../util/cookie.js'
import { FlagsRuntime } from './app-flags.js'
import type { MissingKey } from './evaluate.js'
import type { ExposureListener } from './exposures.js'
import type { Traffic } from './request-flags.js'
import type { FlagsSource } from './sources.js'

export interface FlagsOptions {
  /** griddle's config object, `{ file }`, `{ url, intervalMs }`, or `{ unleash: document | { file } | { url } }`. */
  source?: FlagsSource
  /** Attributes rules may read, each from one request header or cookie. */
  attributes?: Record<string, AttributeSource>
  /** More attributes, computed from `req` on the first rule that reads one (not with serve(): functions do not cross threads). */
  context?: ContextFunction
  /** The process-wide store to share with other apps and threads (serve() sets one per cluster). */
  name?: string
  /** Receives deduplicated (unit, experiment, arm) exposure events in batches, off the request path. */
  onExposure?: ExposureListener
  /** How long exposure events gather before a batch is handed over (default 1000 ms). */
  exposureBatchMs?: number
}

let apps = 0

function fail(detail: string): never {
  throw new GriddleTypeError('GRIDDLE_ERR_INVALID_OPTION', detail)
}

export function checkFlagsOptions(v: unknown): FlagsOptions | undefined {
  if (v === undefined) return undefined
  if (v === null || typeof v !== 'object') fail('flags must be an object { source, attributes?, context?, onExposure? }')
  const o = v as FlagsOptions
  const allowed = ['source', 'attributes', 'context', 'name', 'onExposure', 'exposureBatchMs']
  for (const k of Object.keys(o)) if (!allowed.includes(k)) fail(`flags.${k} is not a flags option (${allowed.join(', ')})`)
  if (o.context !== undefined && typeof o.context !== 'function') fail('flags.context must be a function (req) => attributes')
  if (o.onExposure !== undefined && typeof o.onExposure !== 'function') fail('flags.onExposure must be a function (batch) => void')
  if (o.name !== undefined && (typeof o.name !== 'string' || o.name.length === 0)) fail('flags.name must be a non-empty string')
  if (o.exposureBatchMs !== undefined && (!Number.isInteger(o.exposureBatchMs) || o.exposureBatchMs < 1)) fail('flags.exposureBatchMs must be a positive integer')
  checkAttributes(o.attributes)
  return o
}

export function checkMissing(v: unknown): MissingKey {
  if (v === undefined) return 'off'
  if (v !== 'off' && v !== 'empty') fail('unitKey.missing must be "off" or "empty"')
  return v
}

/** The app's flags runtime and request-side reader; `hashing` when a flags option or a unit key was given (releases bucket on it too). */
export function createTraffic(o: FlagsOptions | undefined, unitKey: { header?: string, cookie?: string } | undefined, missing: MissingKey,
  log: (line: string) => void): Traffic {
  const runtime = new FlagsRuntime({
    ...(o?.source === undefined ? {} : { source: o.source }),
    name: o?.name ?? `griddle-flags-${process.pid}-${++apps}`,
    missing,
    ...(o?.onExposure === undefined ? {} : { onExposure: o.onExposure }),
    ...(o?.exposureBatchMs === undefined ? {} : { exposureBatchMs: o.exposureBatchMs }),
    log,
  })
  const header = unitKey?.header?.toLowerCase()
  const cookie = unitKey?.cookie
  const readKey = (req: { getHeader(name: string): string }): string | undefined => {
    const h = header === undefined ? '' : req.getHeader(header)
    if (h.length > 0) return h
    const c = cookie === undefined ? undefined : cookieIn(req.getHeader('cookie'), cookie)
    return c === undefined || c.length === 0 ? undefined : c
  }
  return { runtime, attributes: attributeReader(checkAttributes(o?.attributes), o?.context), missing, hashing: o !== undefined || header !== undefined || cookie !== undefined, readKey }
}
