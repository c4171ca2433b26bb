/**
 * `req.flags` and `req.experiment`: the per-request view of the flags, made
 * on first use. It reads the unit hash that dispatch computed for this
 * request (copied onto the request when it was built), so no call re-hashes
 * or re-reads the key; attributes are read once, on the first rule that needs them.
 * hot path: measure before changing.
 */
import { GriddleError } from '../errors.js'
import { unitHash, unleashKey, unleashKeyed } from './bucket.js'
import type { Attributes } from './conditions.js'
import { counterName, enabledOn, evaluate, experimentArm, isEnabled, type MissingKey, type Unit } from './evaluate.js'
import { EVAL, flagOutcome, type Compiled, type CompiledFlag } from './flags.js'
import type { FlagValue } from './config.js'
import type { FlagsRuntime } from './app-flags.js'

/** Reads the request's attributes (declared headers and cookies, then the app's context function). */
export type AttributeReader = (req: unknown) => Attributes

/** What the request path hands over: the runtime and how to read attributes. */
export interface Traffic {
  readonly runtime: FlagsRuntime
  readonly attributes: AttributeReader
  readonly missing: MissingKey
  /** True when dispatch hashes the unit key (a flags option was given); readKey reads it from uWS's request. */
  readonly hashing: boolean
  readKey(req: { getHeader(name: string): string }): string | undefined
}

export interface VariantAnswer {
  name: string
  payload?: unknown
  enabled: boolean
}

/** At most this many questions of a request are remembered in a view's `asked` order. */
const ASKED_MAX = 256

const DISABLED: VariantAnswer = Object.freeze({ name: 'disabled', enabled: false }) as VariantAnswer

// Request-side state (lib/server/request.ts): the app's Traffic, the unit
// hash dispatch wrote, and the accessor once made.
export const kTraffic = Symbol('griddle.traffic')
export const kUnitLo = Symbol('griddle.unitLo')
export const kUnitHi = Symbol('griddle.unitHi')
export const kUnitHashed = Symbol('griddle.unitHashed')
export const kFlags = Symbol('griddle.flags')
/** The flag snapshot dispatch keyed this request's cache entry by (routes with `experiments`). */
export const kArmsSeq = Symbol('griddle.armsSeq')

interface TrafficFields {
  [kTraffic]: Traffic | null
  [kUnitLo]: number
  [kUnitHi]: number
  [kUnitHashed]: number
  [kFlags]: RequestFlags | null
  readonly unit: string
}

/** Copies the unit hash of this request out of dispatch's io slots (they change with the next request). */
export function attachTraffic(req: TrafficFields, traffic: Traffic, io: Int32Array, lo: number): void {
  req[kTraffic] = traffic
  if (traffic.hashing) {
    req[kUnitLo] = io[lo]!
    req[kUnitHi] = io[lo + 1]!
    req[kUnitHashed] = io[lo + 2]!
  }
}

/** req.flags: made on first use, then the same object for the rest of the request. */
export function flagsOf(req: TrafficFields): RequestFlags {
  let f = req[kFlags]
  if (f === null) {
    const traffic = req[kTraffic]
    if (traffic === null) throw new GriddleError('GRIDDLE_ERR_APP_STATE', 'req.flags is available on requests served by an app')
    f = req[kFlags] = new RequestFlags(traffic, req, req.unit === '' ? undefined : req.unit, req[kUnitLo], req[kUnitHi], req[kUnitHashed])
  }
  return f
}

export class RequestFlags implements Unit {
  readonly lo: number
  readonly hi: number
  readonly set: boolean
  readonly missing: MissingKey
  private attrs: Attributes | null = null
  /** The snapshot every flag answer of this request comes from, and its experiments' arms (decided()). */
  private view: Compiled | null = null
  arms: readonly number[] | undefined = undefined

  /**
   * hot path: the first flag question of a request checks in one crossing
   * that the snapshot is current and decides its experiments for this unit;
   * flags are then decided in JavaScript on that snapshot. The request's later
   * answers all come from it (a reload mid-request applies to the next
   * request), with no further crossing.
   */
  decided(): Compiled | null {
    if (this.view !== null || !this.set) return this.view
    const store = this.traffic.runtime.store
    let view = store.view ?? store.current()
    for (let attempt = 0; attempt < 64 && view !== null && view.kind === 'griddle'; attempt++) {
      const arms = store.decide(view, this.lo, this.hi)
      if (typeof arms !== 'number') {
        this.arms = arms
        return this.view = view
      }
      if (arms !== EVAL.STALE) return null
      view = store.current()
    }
    return null
  }
  /** Unleash mode: the token of this request's key on the native side (0: not set yet). */
  private unleashToken = 0
  /** Unleash mode: the unit key's normalized value for a group, hashed natively on the key read once per request. */
  unleashHash(group: number, normalizer: number, seed: number): number {
    let r = this.unleashToken === 0 ? -1 : unleashKeyed(this.unleashToken, group, normalizer, seed)
    if (r < 0) {
      // First Unleash hash of this request, or another request set its key since: read the key (again).
      this.unleashToken = unleashKey(this.key!)
      r = unleashKeyed(this.unleashToken, group, normalizer, seed)
    }
    return r
  }

  /** hashed: 1 or 0 when dispatch hashed the key (1: there was one), -1 when it did not. */
  constructor(private readonly traffic: Traffic, private readonly req: unknown, readonly key: string | undefined, lo: number, hi: number, hashed: number) {
    this.missing = traffic.missing
    if (hashed >= 0) {
      this.lo = lo
      this.hi = hi
      this.set = hashed === 1
    } else {
      // The app hashed no key in dispatch (flags were loaded later): hash it once now.
      const h = unitHash(key)
      this.lo = h.lo
      this.hi = h.hi
      this.set = h.set
    }
  }

  attributes(): Attributes {
    return this.attrs ??= this.traffic.attributes(this.req)
  }

  /** How many flags this request has looked up (flagOn's position in view.asked). */
  private asked = 0

  /**
   * hot path: the flag `name` of the request's snapshot. A handler asks its
   * flags in much the same order every request, so the k-th question first
   * tries the flag the k-th question of an earlier request found (one string
   * compare, usually of the same string object), then the Map.
   */
  private flagOn(view: Compiled, name: string): CompiledFlag | undefined {
    const k = this.asked++
    const order = view.asked
    if (k < order.length) {
      const hit = order[k]!
      if (hit.name === name) return hit
    }
    const cf = view.flags.get(name)
    if (cf !== undefined && k < ASKED_MAX) {
      if (k < order.length) order[k] = cf
      else if (k === order.length) order.push(cf)
    }
    return cf
  }

  /** hot path: true when the unit is on for the flag; false for an unknown flag. */
  isEnabled(name: string): boolean {
    const view = this.view ?? this.decided()
    if (view === null) return isEnabled(this.traffic.runtime.store, name, this)
    const cf = this.flagOn(view, name)
    if (cf === undefined) return false
    if (!cf.plain) return enabledOn(this.traffic.runtime.store, view, cf, this)
    // A flag without rules: its outcome and its exposure, nothing else (as enabledOn).
    if (!cf.enabled) return false
    const code = flagOutcome(cf, this.lo, this.hi)
    const store = this.traffic.runtime.store
    if (!store.count(view, cf.slot + code + 1)) store.countByName(counterName(cf.flag, code))
    return code >= 0 && cf.onTrue
  }

  /** The unit's variant, or `{ name: 'disabled', enabled: false }`. */
  variant(name: string): VariantAnswer {
    const e = evaluate(this.traffic.runtime.store, name, this)
    if (e.variant === null) return DISABLED
    return e.payload === undefined ? { name: e.variant, enabled: true } : { name: e.variant, payload: e.payload, enabled: true }
  }

  /** The flag's value for the unit; `fallback` for an unknown flag or one of another type. */
  value<T extends FlagValue>(name: string, fallback: T): T {
    const e = evaluate(this.traffic.runtime.store, name, this)
    if (e.errorCode !== undefined || e.value === undefined) return fallback
    if (fallback !== undefined && fallback !== null && typeof fallback !== typeof e.value) return fallback
    return e.value as T
  }

  /** The unit's arm, or null; counts one exposure (and queues an onExposure event). */
  experiment(name: string): string | null {
    const runtime = this.traffic.runtime
    const arm = experimentArm(runtime.store, name, this, true)
    if (arm !== null && runtime.exposureBatcher !== null && this.key !== undefined) runtime.exposureBatcher.push(this.key, name, arm)
    return arm
  }
}
