/** Config errors that name the JSON path of the bad value, e.g. `flags.checkout.variants[2].weight`. */
import { GriddleError } from '../errors.js'

export class FlagsConfigError extends GriddleError {
  /** Where in the document the problem is. */
  readonly path: string

  constructor(path: string, detail: string) {
    super('GRIDDLE_ERR_FLAGS_CONFIG', `${path}: ${detail}`)
    this.path = path
  }
}

export function configError(path: string, detail: string): never {
  throw new FlagsConfigError(path, detail)
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v)
}

/** Refuses keys a section does not know: a typo must not pass silently. */
export function onlyKeys(raw: Record<string, unknown>, allowed: readonly string[], path: string): void {
  for (const k of Object.keys(raw)) if (!allowed.includes(k)) configError(`${path}.${k}`, `unknown key; allowed: ${allowed.join(', ')}`)
}

/** `a.b`, or `a["odd name"]` when the key is not a plain identifier. */
export function child(path: string, key: string): string {
  if (!/^[A-Za-z_$][\w$-]*$/.test(key)) return `${path}[${JSON.stringify(key)}]`
  return path === '' ? key : `${path}.${key}`
}
