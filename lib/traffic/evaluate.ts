/**
 * Flag and experiment evaluation on a unit whose key was hashed once: rules
 * in JavaScript (they read attributes), then one native call for the kill
 * switch, rollout, variant or arm, and the exposure count. The hot calls
 * allocate nothing; a stale view (another thread published) is rebuilt and
 * the call retried, so no evaluation mixes two snapshots.
 * hot path: measure before changing.
 */
import { unitHash } from './bucket.js'
import { allHold, type Attributes } from './conditions.js'
import type { Flag, FlagValue, Rule } from './config.js'
import { EVAL, flagOutcome, type Compiled, type CompiledFlag, type FlagStore } from './flags.js'
import { evaluateUnleash, type KeyedHash, type UnleashContext, type UnleashResult } from './unleash.js'

/** What to do with a request that has no unit key: `off` serves defaults and no arm; `empty` buckets it as the key "". */
export type MissingKey = 'off' | 'empty'

/** The unit a decision is made for: its hash (computed once), its key and its attributes, read lazily. */
export interface Unit {
  readonly lo: number
  readonly hi: number
  /** False when the request had no unit key. */
  readonly set: boolean
  readonly key: string | undefined
  readonly missing: MissingKey
  attributes(): Attributes
  /** Unleash mode: the unit key's normalized value per group, hashed natively on the key read once (req.flags). */
  unleashHash?(group: number, normalizer: number, seed: number): number
  /**
   * req.flags: the snapshot every answer of this request comes from, checked
   * current in one crossing (FlagStore.decide) that also filled `arms`; flags
   * are then decided in JavaScript (flagOutcome). Null where that does not
   * apply (no key, Unleash mode, no snapshot): then every call crosses.
   */
  decided?(): Compiled | null
  /** The experiments' arms (no audience applied) by index, with decided(). */
  readonly arms?: readonly number[]
}

export type Reason = 'STATIC' | 'TARGETING_MATCH' | 'SPLIT' | 'DISABLED' | 'DEFAULT' | 'ERROR'

export interface Evaluation {
  value: FlagValue | undefined
  /** The variant's name, or null when none applies. */
  variant: string | null
  payload?: unknown
  /** True when the unit is on (a rule, the rollout, or everyone). */
  enabled: boolean
  reason: Reason
  errorCode?: 'FLAG_NOT_FOUND'
  /** The config version the answer came from. */
  version: string
}

// A stale answer means another thread published between this thread's view
// and its call: rebuild and retry. Only a writer swapping faster than a view
// builds can exhaust this (seen only under ThreadSanitizer with 4 retries).
const RETRIES = 64

// The result of the last decide(): read right after it, on one thread.
let lastRule: Rule | null = null
let lastView: Compiled | null = null
let lastFlag: CompiledFlag | null = null
let lastUnleash: UnleashResult | null = null

function unleashContext(u: Unit): UnleashContext {
  const attributes = u.attributes()
  const str = (v: unknown): string | undefined => v === undefined ? undefined : String(v)
  const ctx: UnleashContext = { userId: u.key, sessionId: str(attributes.sessionId), remoteAddress: str(attributes.remoteAddress), properties: attributes }
  if (u.unleashHash !== undefined && u.key !== undefined) ctx.keyed = u as KeyedHash
  return ctx
}

function forcedBy(f: Flag, u: Unit): number {
  const rules = f.rules
  if (f.enabled && rules.length > 0) {
    const attributes = u.attributes()
    for (let i = 0; i < rules.length; i++) {
      const r = rules[i]!
      if (!allHold(r.when, attributes, u.key)) continue
      lastRule = r
      return r.off || r.value === false ? EVAL.FORCE_OFF : r.variant ?? 0
    }
  }
  if (!u.set && u.missing === 'off' && (f.rollout !== null || f.variants.length > 0)) return EVAL.FORCE_OFF
  return -1
}

/** hot path: a keyed unit's outcome on its request's snapshot, in JavaScript: kill switch, rules, then flagOutcome. */
function codeOf(cf: CompiledFlag, u: Unit): number {
  if (!cf.enabled) return EVAL.DISABLED
  if (!cf.plain) {
    const forced = forcedBy(cf.flag, u)
    if (forced !== -1) return forced === EVAL.FORCE_OFF ? EVAL.OFF : forced
  }
  return flagOutcome(cf, u.lo, u.hi)
}

/** decide() on the request's snapshot, with no crossing; counts the exposure. */
function decideFrom(store: FlagStore, view: Compiled, name: string, u: Unit): number {
  lastView = view
  lastRule = null
  lastUnleash = null
  const cf = lastFlag = view.flags.get(name) ?? null
  if (cf === null) return EVAL.UNKNOWN
  return countedCode(store, view, cf, u)
}

/** codeOf, counted: as native evalFlag counts: off, then on or the variant; nothing for the kill switch. */
function countedCode(store: FlagStore, view: Compiled, cf: CompiledFlag, u: Unit): number {
  const code = codeOf(cf, u)
  if (code >= EVAL.OFF && !store.count(view, cf.slot + code + 1)) store.countByName(counterName(cf.flag, code))
  return code
}

/** hot path: isEnabled on the request's snapshot for a flag already looked up (req.flags); counts the exposure. */
export function enabledOn(store: FlagStore, view: Compiled, cf: CompiledFlag, u: Unit): boolean {
  lastView = view
  lastRule = null
  lastUnleash = null
  lastFlag = cf
  const code = countedCode(store, view, cf, u)
  if (code < 0) return false
  return cf.plain ? cf.onTrue : cf.flag.type !== 'boolean' || valueOf(cf.flag, code) === true
}

/** The native counter's name of a flag outcome >= EVAL.OFF. */
export function counterName(f: Flag, code: number): string {
  return `flag\u0000${f.name}\u0000${code < 0 ? 'off' : f.variants[code]?.name ?? 'on'}`
}

/** The native outcome for a flag (variant index, or an EVAL status), with lastRule/lastView/lastFlag set; UNKNOWN when there is no such flag. */
export function decide(store: FlagStore, name: string, u: Unit): number {
  const decided = u.decided?.() ?? null
  if (decided !== null) return decideFrom(store, decided, name, u)
  for (let attempt = 0; attempt < RETRIES; attempt++) {
    const view = lastView = attempt === 0 ? store.view ?? store.current() : store.current()
    lastRule = null
    lastUnleash = null
    if (view === null) return EVAL.UNKNOWN
    let code: number
    if (view.kind === 'unleash') {
      const entry = view.unleash.get(name)
      if (entry === undefined) return EVAL.UNKNOWN
      lastUnleash = evaluateUnleash(entry.feature, unleashContext(u))
      code = store.evalFlag(view.seq, entry.index, lastUnleash.enabled ? 0 : EVAL.FORCE_OFF, 0, 0)
    } else {
      const cf = lastFlag = view.flags.get(name) ?? null
      if (cf === null) return EVAL.UNKNOWN
      const lo = u.set || u.missing === 'off' ? u.lo : EMPTY_HASH.lo
      const hi = u.set || u.missing === 'off' ? u.hi : EMPTY_HASH.hi
      code = store.evalFlag(view.seq, cf.index, forcedBy(cf.flag, u), lo, hi)
    }
    if (code !== EVAL.STALE) return code
  }
  return EVAL.STALE
}

/** hot path: true when the unit is on for the flag (for a boolean flag: its value is true). */
export function isEnabled(store: FlagStore, name: string, u: Unit): boolean {
  // A unit with a decided snapshot (req.flags): answered on it, no crossing (bench/results/flags.md).
  const decided = u.decided?.() ?? null
  if (decided !== null) {
    const cf = decided.flags.get(name)
    return cf !== undefined && enabledOn(store, decided, cf, u)
  }
  // Fast path (bench/results/flags.md): a keyed unit and a flag without rules need nothing but the
  // native outcome, decided on this thread's view; a stale view or anything else takes the full path.
  const view = store.view
  if (u.set && view !== null && view.kind === 'griddle') {
    const cf = view.flags.get(name)
    if (cf !== undefined && cf.plain) {
      const code = store.evalFlag(view.seq, cf.index, -1, u.lo, u.hi)
      if (code !== EVAL.STALE) return code >= 0 && cf.onTrue
    }
  }
  const code = decide(store, name, u)
  if (code < 0) return false
  if (lastUnleash !== null) return lastUnleash.enabled
  return lastFlag!.flag.type !== 'boolean' || valueOf(lastFlag!.flag, code) === true
}

function valueOf(f: Flag, code: number): FlagValue {
  if (code < 0) return f.defaultValue
  if (lastRule !== null && lastRule.value !== undefined) return lastRule.value
  const v = f.variants[code]
  if (v === undefined) return f.onValue
  if (f.type === 'boolean') return true
  return v.payload ?? (f.type === 'string' ? v.name : f.onValue)
}

function reasonOf(f: Flag, code: number): Reason {
  if (code === EVAL.DISABLED) return 'DISABLED'
  if (lastRule !== null) return 'TARGETING_MATCH'
  if (code < 0) return 'DEFAULT'
  if (f.rollout !== null || f.variants.length > 0) return 'SPLIT'
  return f.rules.length > 0 ? 'DEFAULT' : 'STATIC'
}

/** The full answer (allocates: for app.flags.evaluate, variant() and value()). */
export function evaluate(store: FlagStore, name: string, u: Unit): Evaluation {
  const code = decide(store, name, u)
  const version = lastView?.version ?? ''
  if (code === EVAL.UNKNOWN || code === EVAL.STALE) return { value: undefined, variant: null, enabled: false, reason: 'ERROR', errorCode: 'FLAG_NOT_FOUND', version }
  if (lastUnleash !== null) {
    const r = lastUnleash
    const variant = r.enabled && r.variant !== null ? r.variant : null
    return { value: r.enabled, variant: variant?.name ?? null, ...(variant?.payload === undefined ? {} : { payload: variant.payload }), enabled: r.enabled, reason: r.reason, version }
  }
  const f = lastFlag!.flag
  const v = code >= 0 ? f.variants[code] : undefined
  const value = valueOf(f, code)
  return {
    value, variant: v?.name ?? null, ...(v?.payload === undefined ? {} : { payload: v.payload }),
    enabled: code >= 0 && (f.type !== 'boolean' || value === true), reason: reasonOf(f, code), version,
  }
}

/** hot path: the unit's arm, or null outside the experiment (audience, coverage, namespace, holdout, no key, unknown). */
export function experimentArm(store: FlagStore, name: string, u: Unit, count: boolean): string | null {
  if (!u.set && u.missing === 'off') return null
  const decided = u.decided?.() ?? null
  if (decided !== null) return armFrom(store, decided, name, u, count)
  for (let attempt = 0; attempt < RETRIES; attempt++) {
    const view = attempt === 0 ? store.view ?? store.current() : store.current()
    const ce = view?.experiments.get(name)
    if (view === null || ce === undefined) return null
    const e = ce.experiment
    if (e.audience.length > 0 && !allHold(e.audience, u.attributes(), u.key)) return null
    const lo = u.set ? u.lo : EMPTY_HASH.lo
    const hi = u.set ? u.hi : EMPTY_HASH.hi
    const code = store.evalExperiment(view.seq, ce.index, lo, hi, count ? 1 : 0)
    if (code !== EVAL.STALE) return code >= 0 ? e.arms[code]!.name : null
  }
  return null
}

/** experimentArm() from the request's arms. */
function armFrom(store: FlagStore, view: Compiled, name: string, u: Unit, count: boolean): string | null {
  const ce = view.experiments.get(name)
  if (ce === undefined) return null
  const e = ce.experiment
  if (e.audience.length > 0 && !allHold(e.audience, u.attributes(), u.key)) return null
  const code = u.arms![ce.index]!
  if (code < 0) return null
  const arm = e.arms[code]!.name
  if (count && !store.count(view, ce.slot + code)) store.countByName(`experiment\u0000${e.name}\u0000${arm}`)
  return arm
}

/** The hash of the key "", which `missing: 'empty'` buckets keyless requests as. */
const EMPTY_HASH = unitHash('')
