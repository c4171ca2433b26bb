/**
 * Unleash import: a client features document (`/api/client/features`),
 * checked once, then evaluated the way unleash-client decides, bit for bit:
 * the same strategy order, constraint semantics and murmur3 normalization
 * (lib/traffic/bucket.ts). The unit key stands for Unleash's `userId`.
 */
import { UNLEASH_VARIANT_SEED, unleashGroup, unleashNormalized } from './bucket.js'
import { compareSemver, parseSemver } from './semver.js'
import { configError, isObject } from './config-errors.js'
import type { Attributes } from './conditions.js'

export interface UnleashContext {
  userId?: string
  sessionId?: string
  remoteAddress?: string
  properties: Attributes
  /**
   * The normalized value of userId for a group (unleashGroup's index), hashed
   * natively on the key read once per request (lib/traffic/request-flags.ts);
   * absent: each hash reads the key again.
   */
  keyed?: KeyedHash
}

export interface KeyedHash { unleashHash(group: number, normalizer: number, seed: number): number }

/** murmur3("group:id") % normalizer + 1, by the request's keyed path when id is the unit key. */
function normalized(ctx: UnleashContext, id: string, group: string, groupIndex: number, normalizer: number, seed = 0): number {
  if (id === ctx.userId && ctx.keyed !== undefined) return ctx.keyed.unleashHash(groupIndex, normalizer, seed)
  return unleashNormalized(id, group, normalizer, seed)
}

export interface UnleashVariant { name: string, enabled: boolean, payload?: { type: string, value: string } }
export interface UnleashResult { enabled: boolean, variant: UnleashVariant | null, reason: 'DISABLED' | 'STATIC' | 'SPLIT' | 'TARGETING_MATCH' | 'DEFAULT' }

interface VariantDef { name: string, weight: number, stickiness?: string, payload?: { type: string, value: string }, overrides?: Array<{ contextName: string, values: string[] }> }
type Check = (ctx: UnleashContext) => boolean
interface Strategy { name: string, enabled: (ctx: UnleashContext) => boolean, constraints: Check[], variants: VariantDef[], groupId: unknown, groupIndex: number, stickiness: unknown }
export interface UnleashFeature { name: string, enabled: boolean, strategies: Strategy[], variants: VariantDef[], groupIndex: number }

const STRATEGIES = ['default', 'userWithId', 'flexibleRollout', 'remoteAddress']
const OPERATORS = ['IN', 'NOT_IN', 'STR_STARTS_WITH', 'STR_ENDS_WITH', 'STR_CONTAINS', 'NUM_EQ', 'NUM_GT', 'NUM_GTE', 'NUM_LT', 'NUM_LTE',
  'SEMVER_EQ', 'SEMVER_GT', 'SEMVER_GTE', 'SEMVER_LT', 'SEMVER_LTE']

function contextValue(ctx: UnleashContext, field: string): string | undefined {
  const v = (ctx as unknown as Record<string, unknown>)[field] ?? ctx.properties[field]
  return v !== undefined && v !== null ? String(v) : undefined
}

function randomId(max: number): string {
  return String(Math.round(Math.random() * max) + (max === 10000 ? 1 : 0))
}

function constraint(raw: unknown, path: string): Check {
  if (!isObject(raw)) configError(path, 'must be an object')
  const { contextName, operator } = raw
  if (typeof contextName !== 'string') configError(`${path}.contextName`, 'must be a string')
  if (typeof operator !== 'string' || !OPERATORS.includes(operator)) configError(`${path}.operator`, `unknown or unsupported operator ${JSON.stringify(operator)}`)
  const values = Array.isArray(raw.values) ? (raw.values as unknown[]).filter((v) => !!v).map((v) => String(v).trim()) : []
  const value = raw.value === undefined ? undefined : String(raw.value)
  const ci = raw.caseInsensitive === true
  let check: Check
  if (operator === 'IN' || operator === 'NOT_IN') {
    check = (ctx) => { const v = contextValue(ctx, contextName); const isIn = values.some((x) => x === v); return operator === 'IN' ? isIn : !isIn }
  } else if (operator.startsWith('STR_')) {
    const vs = ci ? values.map((v) => v.toLocaleLowerCase()) : values
    const test = operator === 'STR_STARTS_WITH' ? (s: string, x: string) => s.startsWith(x) : operator === 'STR_ENDS_WITH' ? (s: string, x: string) => s.endsWith(x) : (s: string, x: string) => s.includes(x)
    check = (ctx) => { let v = contextValue(ctx, contextName); if (ci) v = v?.toLocaleLowerCase(); return typeof v === 'string' && vs.some((x) => test(v!, x)) }
  } else if (operator.startsWith('NUM_')) {
    const b = Number(value)
    check = (ctx) => {
      const a = Number(contextValue(ctx, contextName))
      if (Number.isNaN(a) || Number.isNaN(b)) return false
      return operator === 'NUM_EQ' ? a === b : operator === 'NUM_GT' ? a > b : operator === 'NUM_GTE' ? a >= b : operator === 'NUM_LT' ? a < b : a <= b
    }
  } else {
    const b = value === undefined ? null : parseSemver(value)
    check = (ctx) => {
      const v = contextValue(ctx, contextName)
      const a = v === undefined || v.startsWith('v') ? null : parseSemver(v)
      if (a === null || b === null) return false
      const c = compareSemver(a, b)
      return operator === 'SEMVER_EQ' ? c === 0 : operator === 'SEMVER_GT' ? c > 0 : operator === 'SEMVER_GTE' ? c >= 0 : operator === 'SEMVER_LT' ? c < 0 : c <= 0
    }
  }
  return raw.inverted === true ? (ctx) => !check(ctx) : check
}

function variants(raw: unknown, path: string): VariantDef[] {
  if (raw === undefined || raw === null) return []
  if (!Array.isArray(raw)) configError(path, 'must be an array')
  const seen = new Set<string>()
  return raw.map((v, i) => {
    const p = `${path}[${i}]`
    if (!isObject(v) || typeof v.name !== 'string') configError(p, 'must be an object with a name')
    if (seen.has(v.name)) configError(`${p}.name`, `duplicate variant ${JSON.stringify(v.name)}`)
    seen.add(v.name)
    if (typeof v.weight !== 'number' || !Number.isInteger(v.weight) || v.weight < 0 || v.weight > 1000) configError(`${p}.weight`, 'must be an integer from 0 to 1000')
    return v as unknown as VariantDef
  })
}

function strategyCheck(name: string, p: Record<string, unknown>): (ctx: UnleashContext) => boolean {
  if (name === 'default') return () => true
  if (name === 'userWithId') {
    const ids = typeof p.userIds === 'string' && p.userIds ? p.userIds.split(/\s*,\s*/) : []
    return (ctx) => ctx.userId !== undefined && ids.includes(ctx.userId)
  }
  if (name === 'remoteAddress') {
    const ranges = typeof p.IPs === 'string' && p.IPs ? p.IPs.split(/\s*,\s*/) : []
    return (ctx) => ranges.some((r) => r === ctx.remoteAddress || inSubnet(ctx.remoteAddress ?? '', r))
  }
  const groupId = (p.groupId as string | undefined) || ''
  const groupIndex = unleashGroup(groupId)
  const percentage = Number(p.rollout)
  const stickiness = (p.stickiness as string | undefined) || 'default'
  return (ctx) => {
    const id = stickiness === 'default' ? ctx.userId || ctx.sessionId || randomId(10000)
      : stickiness === 'random' ? randomId(10000) : contextValue(ctx, stickiness)
    if (!id) return false
    return percentage > 0 && normalized(ctx, id, groupId, groupIndex, 100) <= percentage
  }
}

function ipv4(text: string): number | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text)
  if (m === null) return null
  const parts = m.slice(1).map(Number)
  if (parts.some((x) => x > 255)) return null
  return ((parts[0]! << 24) | (parts[1]! << 16) | (parts[2]! << 8) | parts[3]!) >>> 0
}

function inSubnet(address: string, range: string): boolean {
  const [net, bitsText] = range.split('/')
  const a = ipv4(address), n = ipv4(net ?? '')
  const bits = bitsText === undefined ? 32 : Number(bitsText)
  if (a === null || n === null || !Number.isInteger(bits) || bits < 0 || bits > 32) return false
  const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0
  return ((a & mask) >>> 0) === ((n & mask) >>> 0)
}

/** Checks a client features document; GRIDDLE_ERR_FLAGS_CONFIG naming the path of the first problem. */
export function checkUnleash(doc: unknown): UnleashFeature[] {
  if (!isObject(doc) || !Array.isArray(doc.features)) configError('features', 'must be an array (an Unleash client features document)')
  const segments = new Map<number, Check[]>()
  if (doc.segments !== undefined) {
    if (!Array.isArray(doc.segments)) configError('segments', 'must be an array')
    doc.segments.forEach((s, i) => {
      if (!isObject(s) || typeof s.id !== 'number') configError(`segments[${i}]`, 'must be an object with a numeric id')
      segments.set(s.id, ((s.constraints ?? []) as unknown[]).map((c, j) => constraint(c, `segments[${i}].constraints[${j}]`)))
    })
  }
  const seen = new Set<string>()
  return doc.features.map((f, i) => {
    const path = `features[${i}]`
    if (!isObject(f) || typeof f.name !== 'string' || f.name.length === 0) configError(`${path}.name`, 'must be a non-empty string')
    if (seen.has(f.name)) configError(`${path}.name`, `duplicate feature ${JSON.stringify(f.name)}`)
    seen.add(f.name)
    if (Array.isArray(f.dependencies) && f.dependencies.length > 0) configError(`${path}.dependencies`, 'feature dependencies are not supported')
    const strategies = (f.strategies ?? []) as unknown
    if (!Array.isArray(strategies)) configError(`${path}.strategies`, 'must be an array')
    return {
      name: f.name,
      enabled: f.enabled === true,
      variants: variants(f.variants, `${path}.variants`),
      groupIndex: unleashGroup(f.name),
      strategies: strategies.map((s, j) => {
        const p = `${path}.strategies[${j}]`
        if (!isObject(s) || typeof s.name !== 'string' || !STRATEGIES.includes(s.name)) configError(`${p}.name`, `unknown or unsupported strategy ${JSON.stringify(isObject(s) ? s.name : s)}`)
        const params = isObject(s.parameters) ? s.parameters : {}
        if (s.name === 'flexibleRollout' && params.rollout !== undefined && Number.isNaN(Number(params.rollout))) configError(`${p}.parameters.rollout`, 'must be a number')
        const constraints = ((s.constraints ?? []) as unknown[]).map((c, k) => constraint(c, `${p}.constraints[${k}]`))
        for (const id of (s.segments ?? []) as number[]) constraints.push(...(segments.get(id) ?? [() => false]))
        return { name: s.name, enabled: strategyCheck(s.name, params), constraints, variants: variants(s.variants, `${p}.variants`), groupId: params.groupId, groupIndex: unleashGroup(String(params.groupId)), stickiness: params.stickiness }
      }),
    }
  })
}

function stickySeed(ctx: UnleashContext, stickiness: string | undefined): string {
  if (stickiness !== undefined && stickiness !== 'default') return contextValue(ctx, stickiness) ?? randomId(100000)
  for (const v of [ctx.userId, ctx.sessionId, ctx.remoteAddress]) if (typeof v === 'string' && v !== '') return v
  return randomId(100000)
}

function selectVariant(groupId: unknown, groupIndex: number, stickiness: string | undefined, defs: VariantDef[], ctx: UnleashContext): VariantDef | null {
  const total = defs.reduce((a, v) => a + v.weight, 0)
  if (total <= 0) return null
  const override = defs.find((v) => v.overrides?.some((o) => o.values.some((x) => x === contextValue(ctx, o.contextName))))
  if (override !== undefined) return override
  const target = normalized(ctx, stickySeed(ctx, stickiness), String(groupId), groupIndex, total, UNLEASH_VARIANT_SEED)
  let counter = 0
  for (const v of defs) {
    if (v.weight === 0) continue
    counter += v.weight
    if (counter >= target) return v
  }
  return null
}

const asVariant = (v: VariantDef): UnleashVariant => ({ name: v.name, enabled: true, ...(v.payload === undefined ? {} : { payload: v.payload }) })

/** isEnabled and getVariant in one: what unleash-client returns for this feature and context. */
export function evaluateUnleash(f: UnleashFeature, ctx: UnleashContext): UnleashResult {
  if (!f.enabled) return { enabled: false, variant: null, reason: 'DISABLED' }
  let matched: Strategy | null = null
  let variant: UnleashVariant | null = null
  if (f.strategies.length > 0) {
    for (const s of f.strategies) {
      if (!s.constraints.every((c) => c(ctx)) || !s.enabled(ctx)) continue
      matched = s
      if (s.variants.length > 0) {
        const def = selectVariant(s.groupId, s.groupIndex, s.variants[0]!.stickiness || (s.stickiness as string | undefined), s.variants, ctx)
        if (def !== null) variant = asVariant(def)
      }
      break
    }
    if (matched === null) return { enabled: false, variant: null, reason: 'DEFAULT' }
  }
  if (variant === null && f.variants.length > 0) {
    const def = selectVariant(f.name, f.groupIndex, f.variants[0]!.stickiness, f.variants, ctx)
    if (def !== null) variant = asVariant(def)
  }
  const reason = matched === null || (matched.name === 'default' && matched.constraints.length === 0) ? (variant ? 'SPLIT' : 'STATIC')
    : matched.name === 'flexibleRollout' || variant ? 'SPLIT' : 'TARGETING_MATCH'
  return { enabled: true, variant, reason }
}
