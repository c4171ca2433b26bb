/**
 * The TypeScript twin of native/flags.*: compiles a checked config into the
 * native program and publishes it into a named store shared by every thread
 * of the process. The native snapshot is the one source of truth: it keeps
 * the document's JSON, and each thread rebuilds its rule closures from it
 * when the snapshot's sequence number moves (a stale evaluation says so).
 */
import { native, type FlagsDecide, type FlagsEval, type FlagsExperiment } from '../binding.js'
import { seedOf } from './bucket.js'
import { checkConfig, type Config, type Experiment, type Flag } from './config.js'
import { checkUnleash, type UnleashFeature } from './unleash.js'

export const EVAL = {
  OFF: native.FLAGS_EVAL_OFF, DISABLED: native.FLAGS_EVAL_DISABLED, STALE: native.FLAGS_EVAL_STALE,
  HOLDOUT: native.FLAGS_EVAL_HOLDOUT, UNKNOWN: native.FLAGS_EVAL_UNKNOWN, FORCE_OFF: native.FLAGS_FORCE_OFF,
} as const

/** A config as stored: griddle's own format, or an Unleash client features document. */
export type Document = { kind: 'griddle', doc: unknown } | { kind: 'unleash', doc: unknown }

export interface CompiledFlag {
  index: number
  /** flag.name */
  name: string
  flag: Flag
  /** No rules: for a keyed unit, the native outcome alone decides (isEnabled's fast path). */
  plain: boolean
  /** What isEnabled answers for an outcome >= 0 (on, or a variant). */
  onTrue: boolean
  /** Its first exposure counter (off) in the snapshot's counter order (native drain order). */
  slot: number
  /** The native Flag's fields, for flagOutcome (the request path decides flags in JavaScript). */
  enabled: boolean
  /** -1: no rollout. */
  rolloutBp: number
  seedLo: number
  seedHi: number
  variantLo: number
  variantHi: number
  /** Running sums of the variant weights (empty: no variants). */
  cumulative: number[]
}
export interface CompiledExperiment { index: number, experiment: Experiment, slot: number }

/** One thread's view of a native snapshot: same indices, rule closures rebuilt from its JSON. */
export interface Compiled {
  readonly seq: number
  /** The config's own version (its `version` field), else the snapshot's sequence number. */
  readonly version: string
  readonly kind: Document['kind']
  readonly flags: Map<string, CompiledFlag>
  /**
   * This thread's order of req.flags questions: the flag the k-th isEnabled
   * of a recent request found, tried first by the k-th of the next
   * (request-flags.ts); a hint only, checked by name.
   */
  readonly asked: CompiledFlag[]
  readonly experiments: Map<string, CompiledExperiment>
  readonly unleash: Map<string, { index: number, feature: UnleashFeature }>
  /** Exposure counters of the snapshot (flags', then experiments'). */
  readonly slots: number
}

interface Checked { kind: Document['kind'], config: Config | null, features: UnleashFeature[] }

function check(d: Document): Checked {
  if (d.kind === 'unleash') return { kind: 'unleash', config: null, features: checkUnleash(d.doc) }
  return { kind: 'griddle', config: checkConfig(d.doc), features: [] }
}

const bp = (fraction: number): number => Math.round(fraction * 10000)

const rolloutBpOf = (f: Flag): number => f.rollout === null ? -1 : Math.round(f.rollout * 100)
const rolloutSeedOf = (f: Flag): [number, number] => seedOf(`rollout\u0000${f.groupId}`)
const variantSeedOf = (f: Flag): [number, number] => seedOf(`variant\u0000${f.seed}`)

function flagRecord(f: Flag, program: number[], names: string[]): void {
  program.push(f.enabled ? 1 : 0, rolloutBpOf(f), ...rolloutSeedOf(f), ...variantSeedOf(f), f.variants.length)
  for (const v of f.variants) program.push(v.weight)
  names.push(`flag\u0000${f.name}\u0000off`)
  if (f.variants.length === 0) names.push(`flag\u0000${f.name}\u0000on`)
  for (const v of f.variants) names.push(`flag\u0000${f.name}\u0000${v.name}`)
}

function experimentRecord(e: Experiment, program: number[], names: string[]): void {
  const ns = e.namespace
  program.push(e.enabled ? 1 : 0, ...seedOf(`experiment\u0000${e.seed}`), bp(e.coverage),
    ...(ns === null ? [0, 0] : seedOf(`namespace\u0000${ns.name}`)), ns === null ? 0 : bp(ns.start), ns === null ? 10000 : bp(ns.end),
    ...(e.holdout === null ? [0, 0] : seedOf(`holdout\u0000${e.holdout.name}`)), e.holdout === null ? 0 : Math.round(e.holdout.percentage * 100),
    e.sticky ? 1 : 0, e.arms.length, e.audience.length > 0 ? 1 : 0)
  for (const a of e.arms) program.push(a.weight)
  for (const a of e.arms) names.push(`experiment\u0000${e.name}\u0000${a.name}`)
}

function programOf(c: Checked): { program: Float64Array, names: string[], experiments: string[] } {
  const program: number[] = []
  const names: string[] = []
  if (c.config === null) {
    program.push(c.features.length, 0)
    for (const f of c.features) {
      program.push(f.enabled ? 1 : 0, -1, 0, 0, 0, 0, 0)
      names.push(`flag\u0000${f.name}\u0000off`, `flag\u0000${f.name}\u0000on`)
    }
  } else {
    program.push(c.config.flags.length, c.config.experiments.length)
    for (const f of c.config.flags) flagRecord(f, program, names)
    for (const e of c.config.experiments) experimentRecord(e, program, names)
  }
  return { program: Float64Array.from(program), names, experiments: c.config?.experiments.map((e) => e.name) ?? [] }
}

function compiledOf(seq: number, c: Checked): Compiled {
  const flags = new Map<string, CompiledFlag>()
  const experiments = new Map<string, CompiledExperiment>()
  const unleash = new Map<string, { index: number, feature: UnleashFeature }>()
  let slot = 0
  c.config?.flags.forEach((flag, index) => {
    const [seedLo, seedHi] = rolloutSeedOf(flag)
    const [variantLo, variantHi] = variantSeedOf(flag)
    let sum = 0
    flags.set(flag.name, {
      index, name: flag.name, flag, plain: flag.rules.length === 0, onTrue: flag.type !== 'boolean' || flag.variants.length > 0 || flag.onValue === true, slot,
      enabled: flag.enabled, rolloutBp: rolloutBpOf(flag), seedLo: seedLo | 0, seedHi: seedHi | 0, variantLo: variantLo | 0, variantHi: variantHi | 0,
      cumulative: flag.variants.map((v) => sum += v.weight),
    })
    slot += 1 + Math.max(flag.variants.length, 1)
  })
  c.config?.experiments.forEach((experiment, index) => {
    experiments.set(experiment.name, { index, experiment, slot })
    slot += experiment.arms.length
  })
  c.features.forEach((feature, index) => unleash.set(feature.name, { index, feature }))
  return { seq, version: c.config?.version ?? String(seq), kind: c.kind, flags, asked: [], experiments, unleash, slots: slot }
}

/**
 * hot path: a flag's position for a unit hash, the twin of native
 * bucket::flagPosition bit for bit (32-bit integer operations only): the
 * unit hash xor the seed, folded to 32 bits and mixed (murmur3's fmix32).
 */
export function flagPosition(lo: number, hi: number, seedLo: number, seedHi: number): number {
  let h = ((lo ^ seedLo) + Math.imul(hi ^ seedHi, 0x9e3779b1)) | 0
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  h ^= h >>> 16
  return h >>> 0
}

/**
 * hot path: the twin of native flagOutcome with no rule applied: EVAL.DISABLED
 * (the kill switch), EVAL.OFF (outside the rollout), else the variant index
 * (0 for "on"). The same operations in the same order as native, so both
 * give the same answer for every unit.
 */
export function flagOutcome(cf: CompiledFlag, lo: number, hi: number): number {
  if (!cf.enabled) return EVAL.DISABLED
  if (cf.rolloutBp >= 0 && Math.floor(flagPosition(lo, hi, cf.seedLo, cf.seedHi) * 10000 / 4294967296) >= cf.rolloutBp) return EVAL.OFF
  const cumulative = cf.cumulative
  const n = cumulative.length
  if (n === 0 || cumulative[n - 1]! <= 0) return 0
  const point = flagPosition(lo, hi, cf.variantLo, cf.variantHi) * (1 / 4294967296) * cumulative[n - 1]!
  for (let i = 0; i < n; i++) if (point < cumulative[i]!) return i
  return n - 1
}

const NO_ARMS: readonly number[] = Object.freeze([])

/** One thread's handle on a named native flag store. */
export class FlagStore {
  private readonly fn: FlagsEval
  private readonly experimentFn: FlagsExperiment
  private readonly decideFn: FlagsDecide
  /** The hot calls' arguments, registered with native once; [5] is written by native: the seq its pending counts are for. */
  private readonly args = new Int32Array(6)
  private compiled: Compiled | null = null
  private readonly seqOut = new Int32Array(1)
  /** decide()'s output and the exposure counts answered from it, registered with native (resized per snapshot). */
  private out = new Int32Array(64)
  private pending = new Int32Array(64)
  private draining = false

  constructor(readonly name: string) {
    this.fn = native.flagsOpen(name, this.args)
    this.experimentFn = native.flagsExperimentFn(this.fn)
    this.decideFn = native.flagsDecideFn(this.fn)
    native.flagsBuffers(this.fn, this.out, this.pending)
  }

  /**
   * hot path: one crossing for a request: checks that `view` is current and
   * gives every experiment's arm (no audience applied) for the unit, by
   * index; counts nothing. Returns them, or EVAL.STALE when `view` is not
   * current. (Flags are decided in JavaScript: flagOutcome.)
   */
  decide(view: Compiled, lo: number, hi: number): readonly number[] | number {
    const a = this.args
    a[0] = view.seq
    a[3] = lo
    a[4] = hi
    const n = this.decideFn()
    if (n <= 0) return n === 0 ? NO_ARMS : n
    const out = this.out
    const arms = new Array<number>(n)
    for (let i = 0; i < n; i++) arms[i] = out[i]!
    return arms
  }

  /**
   * hot path: counts one exposure of counter `slot` of `view`, answered from
   * decide()'s codes: into pending (native adds it to the shared counter at
   * this thread's next flag call, or within 200 ms); false when this thread
   * has moved to another snapshot since (a reload mid-request): then the
   * caller counts it by name.
   */
  count(view: Compiled, slot: number): boolean {
    if (this.args[5] !== view.seq) return false
    this.pending[slot]!++
    if (!this.draining) {
      this.draining = true
      setTimeout(() => {
        this.draining = false
        native.flagsDrain(this.fn)
      }, 200).unref()
    }
    return true
  }

  /** Counts one exposure by its counter's name (count()'s rare case). */
  countByName(name: string): void {
    native.flagsCount(this.fn, name)
  }

  private fit(c: Compiled): Compiled {
    const codes = c.experiments.size
    if (codes > this.out.length || c.slots > this.pending.length) {
      const grow = (n: number, len: number) => Math.max(n, len * 2)
      this.out = new Int32Array(grow(codes, this.out.length))
      this.pending = new Int32Array(grow(c.slots, this.pending.length))
      native.flagsBuffers(this.fn, this.out, this.pending)
    }
    return c
  }

  /** hot path: variant index (0 for "on") or an EVAL status; counts one exposure. */
  evalFlag(seq: number, flag: number, forced: number, lo: number, hi: number): number {
    const a = this.args
    a[0] = seq
    a[1] = flag
    a[2] = forced
    a[3] = lo
    a[4] = hi
    return this.fn()
  }

  /** hot path: arm index or an EVAL status; count adds one exposure. */
  evalExperiment(seq: number, experiment: number, lo: number, hi: number, count: number): number {
    const a = this.args
    a[0] = seq
    a[1] = experiment
    a[2] = lo
    a[3] = hi
    a[4] = count
    return this.experimentFn()
  }

  /**
   * Checks, compiles and publishes a document; throws a coded config error and
   * leaves the current snapshot in place when it is bad. Returns the view of
   * the published snapshot (the current one when the document is unchanged).
   */
  publish(d: Document): Compiled {
    const checked = check(d)
    const { program, names, experiments } = programOf(checked)
    const seq = native.flagsPublish(this.fn, JSON.stringify(d), program, names, experiments)
    if (seq < 0) throw new Error('griddle: the flags program was refused by the native store (a compiler bug)')
    if (this.compiled?.seq !== seq) this.compiled = this.fit(compiledOf(seq, checked))
    return this.compiled
  }

  /** The view of the current snapshot, rebuilt when another thread published; null before any. */
  current(): Compiled | null {
    const json = native.flagsCurrent(this.fn, this.seqOut)
    const seq = this.seqOut[0]!
    if (json === null) return null
    if (this.compiled?.seq !== seq) this.compiled = this.fit(compiledOf(seq, this.checkedOf(json)))
    return this.compiled
  }

  /** Documents this thread checked lately, by their text (a few: a reload flood alternates between some). */
  private readonly checked = new Map<string, Checked>()

  /**
   * The checked form of a published document. A document seen lately is not
   * parsed and checked again: a view then builds in far less time than a
   * swap takes, so evaluations retrying a stale view (evaluate.ts) catch up
   * even while another thread swaps as fast as it can.
   */
  private checkedOf(json: string): Checked {
    let c = this.checked.get(json)
    if (c === undefined) {
      c = check(JSON.parse(json) as Document)
      if (this.checked.size >= 4) this.checked.clear()
      this.checked.set(json, c)
    }
    return c
  }

  /** The native handle (for the dispatcher's experiment-keyed routes). */
  get handle(): FlagsEval {
    return this.fn
  }

  /** The current snapshot's sequence number (0 before any), without building a view. */
  seq(): number {
    return native.flagsSeq(this.fn)
  }

  /** The last view built, without asking native (the hot path's copy; evaluations detect staleness). */
  get view(): Compiled | null {
    return this.compiled
  }

  /** Every exposure counter the store has had, by name. */
  counters(): Map<string, number> {
    const flat = native.flagsExposures(this.fn)
    const out = new Map<string, number>()
    for (let i = 0; i < flat.length; i += 2) out.set(flat[i] as string, flat[i + 1] as number)
    return out
  }
}
