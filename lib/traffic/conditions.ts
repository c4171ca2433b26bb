/**
 * Targeting conditions of griddle's flag config: checked once at load time
 * (with the JSON path of a bad one), compiled to closures, evaluated on the
 * request's attributes.
 */
import { compareSemver, parseSemver, type Semver } from './semver.js'
import { configError, isObject } from './config-errors.js'

/** Attribute values as rules see them: headers and cookies are strings; a context function may give numbers or booleans. */
export type Attributes = Readonly<Record<string, string | number | boolean | undefined>>

/** Evaluates one condition: attributes and the unit key (undefined when the request has none). */
export type Condition = (attributes: Attributes, unitKey: string | undefined) => boolean

export const OPERATORS = [
  'equals', 'notEquals', 'in', 'notIn', 'lt', 'lte', 'gt', 'gte',
  'semverEq', 'semverLt', 'semverLte', 'semverGt', 'semverGte', 'unitIn',
] as const
export type Operator = typeof OPERATORS[number]

const NUMERIC: Record<string, (a: number, b: number) => boolean> = {
  lt: (a, b) => a < b, lte: (a, b) => a <= b, gt: (a, b) => a > b, gte: (a, b) => a >= b,
}
const SEMVER: Record<string, (c: number) => boolean> = {
  semverEq: (c) => c === 0, semverLt: (c) => c < 0, semverLte: (c) => c <= 0, semverGt: (c) => c > 0, semverGte: (c) => c >= 0,
}

function scalar(v: unknown): v is string | number | boolean {
  return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean'
}

function list(raw: Record<string, unknown>, path: string): string[] {
  const values = raw.values
  if (!Array.isArray(values) || values.length === 0) configError(`${path}.values`, 'must be a non-empty array')
  return values.map((v, i) => {
    if (!scalar(v)) configError(`${path}.values[${i}]`, 'must be a string, number or boolean')
    return String(v)
  })
}

function value(raw: Record<string, unknown>, path: string): string | number | boolean {
  if (!scalar(raw.value)) configError(`${path}.value`, 'must be a string, number or boolean')
  return raw.value
}

/** Compiles one condition; throws GRIDDLE_ERR_FLAGS_CONFIG naming `path` when it is malformed. */
export function compileCondition(raw: unknown, path: string): Condition {
  if (!isObject(raw)) configError(path, 'must be an object')
  const op = raw.op
  if (typeof op !== 'string' || !(OPERATORS as readonly string[]).includes(op)) {
    configError(`${path}.op`, `unknown operator ${JSON.stringify(op)}; one of ${OPERATORS.join(', ')}`)
  }
  if (op === 'unitIn') {
    const keys = new Set(list(raw, path))
    return (_a, unit) => unit !== undefined && keys.has(unit)
  }
  const attribute = raw.attribute
  if (typeof attribute !== 'string' || attribute.length === 0) configError(`${path}.attribute`, 'must be a non-empty string')
  if (op === 'in' || op === 'notIn') {
    const set = new Set(list(raw, path))
    const want = op === 'in'
    return (a) => { const v = a[attribute]; return (v !== undefined && set.has(String(v))) === want }
  }
  const expected = value(raw, path)
  if (op === 'equals') return (a) => a[attribute] !== undefined && String(a[attribute]) === String(expected)
  if (op === 'notEquals') return (a) => a[attribute] === undefined || String(a[attribute]) !== String(expected)
  if (op in NUMERIC) {
    const b = Number(expected)
    if (typeof expected === 'boolean' || !Number.isFinite(b)) configError(`${path}.value`, `${op} compares numbers`)
    const cmp = NUMERIC[op]!
    return (a) => { const v = a[attribute]; if (v === undefined || v === '') return false; const n = Number(v); return !Number.isNaN(n) && cmp(n, b) }
  }
  const b = typeof expected === 'string' ? parseSemver(expected) : null
  if (b === null) configError(`${path}.value`, `${op} takes a semantic version such as "1.2.3"`)
  const cmp = SEMVER[op]!
  return (a) => {
    const v = a[attribute]
    const parsed: Semver | null = typeof v === 'string' ? parseSemver(v) : null
    return parsed !== null && cmp(compareSemver(parsed, b))
  }
}

/** All conditions must hold; an empty list always holds. */
export function compileConditions(raw: unknown, path: string): Condition[] {
  if (!Array.isArray(raw)) configError(path, 'must be an array of conditions')
  return raw.map((c, i) => compileCondition(c, `${path}[${i}]`))
}

export function allHold(conditions: readonly Condition[], attributes: Attributes, unitKey: string | undefined): boolean {
  for (let i = 0; i < conditions.length; i++) if (!conditions[i]!(attributes, unitKey)) return false
  return true
}
