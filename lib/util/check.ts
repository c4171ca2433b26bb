/**
 * Option checking, one way everywhere: each option named in full in its
 * error (`cache.ttlMs must be ...`), and an option nobody knows refused with
 * the nearest known name, since a JavaScript caller gets no compiler to catch
 * `bodyLimt`.
 */
import { GriddleTypeError } from '../errors.js'

/** Throws GRIDDLE_ERR_INVALID_OPTION with detail. */
export function optionError(detail: string): never {
  throw new GriddleTypeError('GRIDDLE_ERR_INVALID_OPTION', detail)
}

/** The edit distance of a and b (insertions, deletions, substitutions, adjacent swaps). */
function distance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)])
  for (let j = 1; j <= b.length; j++) d[0]![j] = j
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost)
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1)
      d[i]![j] = v
    }
  }
  return d[a.length]![b.length]!
}

/** The known name closest to name, when it is close enough to be a typo; else null. */
export function nearest(name: string, known: readonly string[]): string | null {
  let best: string | null = null
  let bestDistance = Infinity
  const lower = name.toLowerCase()
  for (const k of known) {
    const dist = k.toLowerCase() === lower ? 0 : distance(lower, k.toLowerCase())
    if (dist < bestDistance) {
      best = k
      bestDistance = dist
    }
  }
  return best !== null && bestDistance <= Math.max(2, Math.floor(name.length / 3)) ? best : null
}

/**
 * Refuses every own key of obj that is not in known, with
 * GRIDDLE_ERR_UNKNOWN_OPTION: `where` names the object ("createApp",
 * "GET /users: cache"), `prefix` the path of its keys ("cache.").
 */
export function knownKeys(obj: object, known: readonly string[], where: string, prefix = ''): void {
  for (const key of Object.keys(obj)) {
    if (known.includes(key)) continue
    const guess = nearest(key, known)
    throw new GriddleTypeError('GRIDDLE_ERR_UNKNOWN_OPTION',
      `${where}: ${JSON.stringify(prefix + key)} is not an option${guess === null ? '' : ` (did you mean ${JSON.stringify(prefix + guess)}?)`}; ` +
      `known: ${known.map((k) => prefix + k).join(', ')}`)
  }
}

/** An options object, or {} when absent; anything else is refused. */
export function objectOption(name: string, v: unknown): Record<string, unknown> {
  if (v === undefined) return {}
  if (v === null || typeof v !== 'object' || Array.isArray(v)) optionError(`${name} must be an object`)
  return v as Record<string, unknown>
}

/** An integer from min to max, or dflt when absent. */
export function intOption(name: string, v: unknown, dflt: number, min: number, max = 2 ** 31 - 1): number {
  if (v === undefined) return dflt
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) optionError(`${name} must be an integer from ${min} to ${max}`)
  return v
}

export function boolOption(name: string, v: unknown, dflt: boolean): boolean {
  if (v === undefined) return dflt
  if (typeof v !== 'boolean') optionError(`${name} must be a boolean`)
  return v
}

/** A non-empty string, or dflt when absent. */
export function stringOption<D extends string | undefined>(name: string, v: unknown, dflt: D): string | D {
  if (v === undefined) return dflt
  if (typeof v !== 'string' || v.length === 0) optionError(`${name} must be a non-empty string`)
  return v
}

/** A function, or null when absent. */
export function functionOption<F extends (...args: never[]) => unknown>(name: string, v: unknown): F | null {
  if (v === undefined) return null
  if (typeof v !== 'function') optionError(`${name} must be a function`)
  return v as F
}
