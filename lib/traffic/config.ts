/**
 * griddle's own flags config (docs/flags.md, schema/flags.schema.json):
 * checked once, with a coded error naming the JSON path of the first bad
 * value, into the normalized form the compiler reads.
 */
import { compileConditions, type Condition } from './conditions.js'
import { child, configError, isObject, onlyKeys } from './config-errors.js'

export type FlagType = 'boolean' | 'string' | 'number' | 'json'
export type FlagValue = string | number | boolean | null | FlagValue[] | { [k: string]: FlagValue }

export interface Variant { name: string, weight: number, payload: FlagValue | undefined }

/** A rule's outcome: a value, a named variant, or off (the flag's default). */
export interface Rule { when: Condition[], value?: FlagValue, variant?: number, off: boolean }

export interface Flag {
  name: string
  type: FlagType
  enabled: boolean
  defaultValue: FlagValue
  /** Served when the unit is on and no variant applies. */
  onValue: FlagValue
  rules: Rule[]
  /** Percentage 0–100, or null for everyone. */
  rollout: number | null
  /** Units of flags sharing a groupId share rollout buckets. */
  groupId: string
  variants: Variant[]
  seed: string
}

export interface Arm { name: string, weight: number, payload: FlagValue | undefined }

export interface Experiment {
  name: string
  enabled: boolean
  arms: Arm[]
  audience: Condition[]
  coverage: number
  namespace: { name: string, start: number, end: number } | null
  holdout: { name: string, percentage: number } | null
  sticky: boolean
  seed: string
}

export interface Config {
  version: string | null
  flags: Flag[]
  experiments: Experiment[]
}

const FLAG_KEYS = ['type', 'enabled', 'default', 'value', 'rules', 'rollout', 'variants', 'seed', 'description'] as const
const EXPERIMENT_KEYS = ['enabled', 'arms', 'audience', 'coverage', 'namespace', 'holdout', 'sticky', 'seed', 'description'] as const

function percentage(v: unknown, path: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) configError(path, 'must be a number')
  if (v < 0 || v > 100) configError(path, 'must be from 0 to 100')
  return v
}

function fraction(v: unknown, path: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > 1) configError(path, 'must be a number from 0 to 1')
  return v
}

function typed(type: FlagType, v: unknown, path: string): FlagValue {
  const ok = type === 'json' ? v !== undefined : typeof v === type
  if (!ok) configError(path, `must be a ${type === 'json' ? 'JSON value' : type}, as the flag's type says`)
  return v as FlagValue
}

function weighted(raw: unknown, path: string, what: string): Variant[] {
  if (!Array.isArray(raw) || raw.length === 0) configError(path, `must be a non-empty array of ${what}`)
  const seen = new Set<string>()
  const out = raw.map((v, i) => {
    const p = `${path}[${i}]`
    if (!isObject(v)) configError(p, 'must be an object { name, weight, payload? }')
    onlyKeys(v, ['name', 'weight', 'payload'], p)
    if (typeof v.name !== 'string' || v.name.length === 0) configError(`${p}.name`, 'must be a non-empty string')
    if (seen.has(v.name)) configError(`${p}.name`, `duplicate name ${JSON.stringify(v.name)}`)
    seen.add(v.name)
    if (typeof v.weight !== 'number' || !Number.isFinite(v.weight) || v.weight < 0 || v.weight > 1_000_000) {
      configError(`${p}.weight`, 'must be a number from 0 to 1000000')
    }
    return { name: v.name, weight: v.weight, payload: v.payload as FlagValue | undefined }
  })
  if (out.every((v) => v.weight === 0)) configError(path, 'weights must not all be 0')
  return out
}

function rules(raw: unknown, path: string, variants: Variant[], type: FlagType): Rule[] {
  if (raw === undefined) return []
  if (!Array.isArray(raw)) configError(path, 'must be an array')
  return raw.map((r, i) => {
    const p = `${path}[${i}]`
    if (!isObject(r)) configError(p, 'must be an object { when, value? | variant? | serve? }')
    onlyKeys(r, ['when', 'value', 'variant', 'serve'], p)
    const rule: Rule = { when: compileConditions(r.when ?? [], `${p}.when`), off: false }
    if (r.serve !== undefined && r.serve !== 'on' && r.serve !== 'off') configError(`${p}.serve`, 'must be "on" or "off"')
    rule.off = r.serve === 'off'
    if (r.value !== undefined) rule.value = typed(type, r.value, `${p}.value`)
    if (r.variant !== undefined) {
      const at = variants.findIndex((v) => v.name === r.variant)
      if (at < 0) configError(`${p}.variant`, `no variant named ${JSON.stringify(r.variant)}`)
      rule.variant = at
    }
    return rule
  })
}

function flag(name: string, raw: unknown, path: string): Flag {
  if (!isObject(raw)) configError(path, 'must be an object')
  onlyKeys(raw, FLAG_KEYS, path)
  const type = (raw.type ?? 'boolean') as FlagType
  if (!['boolean', 'string', 'number', 'json'].includes(type)) configError(`${path}.type`, 'must be boolean, string, number or json')
  if (raw.enabled !== undefined && typeof raw.enabled !== 'boolean') configError(`${path}.enabled`, 'must be a boolean')
  if (type !== 'boolean' && raw.default === undefined) configError(`${path}.default`, `is required for a ${type} flag`)
  const defaultValue = raw.default === undefined ? false : typed(type, raw.default, `${path}.default`)
  const variants = raw.variants === undefined ? [] : weighted(raw.variants, `${path}.variants`, 'variants')
  if (type !== 'json' && type !== 'boolean') {
    variants.forEach((v, i) => { if (v.payload !== undefined) typed(type, v.payload, `${path}.variants[${i}].payload`) })
  }
  if (type !== 'boolean' && raw.value === undefined && variants.length === 0) configError(`${path}.value`, `is required for a ${type} flag without variants`)
  const onValue = raw.value === undefined ? (type === 'boolean' ? true : defaultValue) : typed(type, raw.value, `${path}.value`)
  let rollout: number | null = null
  let groupId = name
  if (typeof raw.rollout === 'object' && raw.rollout !== null) {
    const r = raw.rollout as Record<string, unknown>
    onlyKeys(r, ['percentage', 'groupId'], `${path}.rollout`)
    rollout = percentage(r.percentage, `${path}.rollout.percentage`)
    if (r.groupId !== undefined && (typeof r.groupId !== 'string' || r.groupId.length === 0)) configError(`${path}.rollout.groupId`, 'must be a non-empty string')
    groupId = (r.groupId as string | undefined) ?? name
  } else if (raw.rollout !== undefined) {
    rollout = percentage(raw.rollout, `${path}.rollout`)
  }
  if (raw.seed !== undefined && typeof raw.seed !== 'string') configError(`${path}.seed`, 'must be a string')
  return {
    name, type, enabled: raw.enabled ?? true, defaultValue, onValue, rollout, groupId, variants,
    rules: rules(raw.rules, `${path}.rules`, variants, type),
    seed: (raw.seed as string | undefined) ?? name,
  }
}

function experiment(name: string, raw: unknown, path: string, holdouts: Record<string, unknown>): Experiment {
  if (!isObject(raw)) configError(path, 'must be an object')
  onlyKeys(raw, EXPERIMENT_KEYS, path)
  if (raw.enabled !== undefined && typeof raw.enabled !== 'boolean') configError(`${path}.enabled`, 'must be a boolean')
  if (raw.sticky !== undefined && typeof raw.sticky !== 'boolean') configError(`${path}.sticky`, 'must be a boolean')
  let namespace: Experiment['namespace'] = null
  if (raw.namespace !== undefined) {
    const n = raw.namespace
    const p = `${path}.namespace`
    if (!isObject(n)) configError(p, 'must be an object { name, range: [start, end] }')
    onlyKeys(n, ['name', 'range'], p)
    if (typeof n.name !== 'string' || n.name.length === 0) configError(`${p}.name`, 'must be a non-empty string')
    if (!Array.isArray(n.range) || n.range.length !== 2) configError(`${p}.range`, 'must be [start, end]')
    const start = fraction(n.range[0], `${p}.range[0]`), end = fraction(n.range[1], `${p}.range[1]`)
    if (end <= start) configError(`${p}.range`, 'end must be greater than start')
    namespace = { name: n.name, start, end }
  }
  let holdout: Experiment['holdout'] = null
  if (raw.holdout !== undefined) {
    if (typeof raw.holdout !== 'string' || !isObject(holdouts[raw.holdout])) configError(`${path}.holdout`, 'must name an entry of holdouts')
    holdout = { name: raw.holdout, percentage: (holdouts[raw.holdout] as { percentage: number }).percentage }
  }
  if (raw.seed !== undefined && typeof raw.seed !== 'string') configError(`${path}.seed`, 'must be a string')
  return {
    name, enabled: raw.enabled ?? true, arms: weighted(raw.arms, `${path}.arms`, 'arms'),
    audience: compileConditions(raw.audience ?? [], `${path}.audience`),
    coverage: raw.coverage === undefined ? 1 : fraction(raw.coverage, `${path}.coverage`),
    namespace, holdout, sticky: raw.sticky ?? false, seed: (raw.seed as string | undefined) ?? name,
  }
}

function checkNamespaces(experiments: Experiment[]): void {
  const taken = new Map<string, Experiment[]>()
  for (const e of experiments) {
    if (e.namespace === null) continue
    const others = taken.get(e.namespace.name) ?? []
    for (const o of others) {
      if (e.namespace.start < o.namespace!.end && o.namespace!.start < e.namespace.end) {
        configError(`experiments.${e.name}.namespace.range`, `overlaps experiment ${JSON.stringify(o.name)} in namespace ${JSON.stringify(e.namespace.name)}`)
      }
    }
    taken.set(e.namespace.name, [...others, e])
  }
}

function holdoutTable(raw: unknown): Record<string, unknown> {
  if (raw === undefined) return {}
  if (!isObject(raw)) configError('holdouts', 'must be an object')
  for (const [name, h] of Object.entries(raw)) {
    const p = child('holdouts', name)
    if (!isObject(h)) configError(p, 'must be an object { percentage }')
    onlyKeys(h, ['percentage'], p)
    percentage(h.percentage, `${p}.percentage`)
  }
  return raw
}

/** The normalized config; GRIDDLE_ERR_FLAGS_CONFIG naming the path of the first problem. */
export function checkConfig(doc: unknown): Config {
  if (!isObject(doc)) configError('(document)', 'must be an object { flags, experiments?, holdouts?, version? }')
  onlyKeys(doc, ['version', 'flags', 'experiments', 'holdouts', '$schema'], '')
  if (doc.version !== undefined && typeof doc.version !== 'string' && typeof doc.version !== 'number') configError('version', 'must be a string or number')
  const flags = doc.flags ?? {}
  if (!isObject(flags)) configError('flags', 'must be an object keyed by flag name')
  const exps = doc.experiments ?? {}
  if (!isObject(exps)) configError('experiments', 'must be an object keyed by experiment name')
  const holdouts = holdoutTable(doc.holdouts)
  const experiments = Object.entries(exps).map(([n, e]) => experiment(n, e, child('experiments', n), holdouts))
  checkNamespaces(experiments)
  return {
    version: doc.version === undefined ? null : String(doc.version),
    flags: Object.entries(flags).map(([n, f]) => flag(n, f, child('flags', n))),
    experiments,
  }
}
