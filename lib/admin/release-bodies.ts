/**
 * The JSON bodies of the admin API's release commands, checked before any
 * release is touched: a bad body is a 400 naming the field
 * (GRIDDLE_ERR_BAD_REQUEST), whatever the release would have said.
 */
import { GriddleError } from '../errors.js'
import { checkGhostOptions } from '../traffic/ghost-budget.js'
import type { GhostOptions, RampGuards, RampOptions } from '../traffic/release-types.js'

export type Action = 'ghost' | 'ramp' | 'pause' | 'resume' | 'promote' | 'rollback'
export const ACTIONS: readonly Action[] = ['ghost', 'ramp', 'pause', 'resume', 'promote', 'rollback']

function bad(detail: string): never {
  throw new GriddleError('GRIDDLE_ERR_BAD_REQUEST', detail)
}

/** The body as a JSON object; an empty body is {}. */
export function parseBody(text: string, type: string | undefined): Record<string, unknown> {
  if (text.trim() === '') return {}
  if (type !== undefined && !/^application\/json\s*(;|$)/i.test(type)) {
    throw new GriddleError('GRIDDLE_ERR_MEDIA_TYPE', 'release commands take application/json')
  }
  let v: unknown
  try {
    v = JSON.parse(text)
  } catch (err) {
    throw new GriddleError('GRIDDLE_ERR_BAD_JSON', (err as Error).message)
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) bad('the body must be a JSON object')
  return v as Record<string, unknown>
}

function only(o: Record<string, unknown>, known: readonly string[], where: string): void {
  for (const k of Object.keys(o)) if (!known.includes(k)) bad(`${where}"${k}" is not a field; known: ${known.join(', ') || 'none'}`)
}

function num(o: Record<string, unknown>, k: string, where: string, ok: (v: number) => boolean, rule: string): number | undefined {
  const v = o[k]
  if (v === undefined) return undefined
  if (typeof v !== 'number' || !Number.isFinite(v) || !ok(v)) bad(`${where}${k} must be ${rule}`)
  return v
}

const int = (min: number, max: number) => (v: number) => Number.isInteger(v) && v >= min && v <= max

function guards(v: unknown): RampGuards | undefined {
  if (v === undefined) return undefined
  if (v === null || typeof v !== 'object' || Array.isArray(v)) bad('guards must be an object')
  const g = v as Record<string, unknown>
  only(g, ['p99Ratio', 'p99AbsMs', 'errorRateDelta', 'mismatchRate'], 'guards.')
  const out: RampGuards = {}
  const share = (x: number) => x >= 0 && x <= 1
  const set = (k: keyof RampGuards, n: number | undefined) => { if (n !== undefined) out[k] = n }
  set('p99Ratio', num(g, 'p99Ratio', 'guards.', (x) => x >= 1, 'a number of at least 1'))
  set('p99AbsMs', num(g, 'p99AbsMs', 'guards.', (x) => x >= 0, 'a number of ms, at least 0'))
  set('errorRateDelta', num(g, 'errorRateDelta', 'guards.', share, 'a number from 0 to 1'))
  set('mismatchRate', num(g, 'mismatchRate', 'guards.', share, 'a number from 0 to 1'))
  return out
}

/** The body of POST .../ramp: RampOptions, every field optional. */
export function rampBody(o: Record<string, unknown>): RampOptions {
  only(o, ['steps', 'minSamples', 'minStepMs', 'tickMs', 'guards'], '')
  const out: RampOptions = {}
  if (o.steps !== undefined) {
    const s = o.steps
    if (!Array.isArray(s) || s.length === 0 || s.length > 100) bad('steps must be an array of 1 to 100 percentages')
    let last = 0
    for (const p of s as unknown[]) {
      if (typeof p !== 'number' || !(p > last && p <= 100)) bad('steps must increase, each above 0 and at most 100')
      last = p
    }
    out.steps = s as number[]
  }
  const minSamples = num(o, 'minSamples', '', int(1, 1e9), 'an integer from 1 to 1e9')
  const minStepMs = num(o, 'minStepMs', '', int(0, 864e5), 'an integer of ms from 0 to 86400000')
  const tickMs = num(o, 'tickMs', '', int(10, 36e5), 'an integer of ms from 10 to 3600000')
  if (minSamples !== undefined) out.minSamples = minSamples
  if (minStepMs !== undefined) out.minStepMs = minStepMs
  if (tickMs !== undefined) out.tickMs = tickMs
  const g = guards(o.guards)
  if (g !== undefined) out.guards = g
  return out
}

/** The body of POST .../ghost: GhostOptions (sample required). */
export function ghostBody(o: Record<string, unknown>): GhostOptions {
  try {
    checkGhostOptions(o as unknown as GhostOptions)
  } catch (err) {
    bad((err as Error).message.replace(/^Invalid option: /, ''))
  }
  return o as unknown as GhostOptions
}

/** The body of POST .../rollback: { reason } (optional, a string of at most 1000 characters). */
export function rollbackBody(o: Record<string, unknown>): { reason?: string } {
  only(o, ['reason'], '')
  if (o.reason === undefined) return {}
  if (typeof o.reason !== 'string' || o.reason.length > 1000) bad('reason must be a string of at most 1000 characters')
  return { reason: o.reason }
}

/** pause, resume and promote take no fields. */
export function emptyBody(o: Record<string, unknown>, action: Action): void {
  if (Object.keys(o).length > 0) bad(`${action} takes no fields; got ${Object.keys(o).join(', ')}`)
}
