/**
 * `app.flags`: loads the config from its source into the process's native
 * flag store, keeps polling file and URL sources (keeping the last good
 * snapshot on a bad turn), evaluates for a given unit, reports status and
 * exposure counts.
 */
import { GriddleError, GriddleTypeError } from '../errors.js'
import { unitHash } from './bucket.js'
import type { Attributes } from './conditions.js'
import { evaluate, experimentArm, type Evaluation, type MissingKey, type Unit } from './evaluate.js'
import { ExposureBatcher, type ExposureListener } from './exposures.js'
import { FlagStore, type Compiled } from './flags.js'
import { fileStamp, intervalOf, readSource, resolveSource, type FlagsSource, type ResolvedSource } from './sources.js'

export interface FlagsStatus {
  /** The config version served (its `version` field, else the snapshot number), or null before the first load. */
  version: string | null
  /** When this thread last loaded a good config (ISO time), or null. */
  loadedAt: string | null
  /** Where the config comes from, e.g. "file:/etc/flags.json". */
  source: string | null
  /** The last failed load, kept until a good one: { code, message, at }. */
  lastError: { code: string, message: string, at: string } | null
}

export interface EvaluateContext {
  unitKey?: string
  attributes?: Attributes
}

export interface Exposures {
  flags: Record<string, Record<string, number>>
  experiments: Record<string, Record<string, number>>
}

export interface FlagsRuntimeOptions {
  /** Absent: nothing loads until load() is called. */
  source?: FlagsSource
  name: string
  missing: MissingKey
  onExposure?: ExposureListener
  exposureBatchMs?: number
  log: (line: string) => void
}

function contextUnit(ctx: EvaluateContext | undefined, missing: MissingKey): Unit {
  if (ctx !== undefined && (ctx === null || typeof ctx !== 'object')) throw new GriddleTypeError('GRIDDLE_ERR_INVALID_ARG', 'the context must be an object { unitKey?, attributes? }')
  const key = ctx?.unitKey
  if (key !== undefined && typeof key !== 'string') throw new GriddleTypeError('GRIDDLE_ERR_INVALID_ARG', 'unitKey must be a string')
  const attributes = ctx?.attributes ?? {}
  const h = unitHash(key === '' ? undefined : key)
  return { lo: h.lo, hi: h.hi, set: h.set, key: h.set ? key : undefined, missing, attributes: () => attributes }
}

export class FlagsRuntime {
  readonly store: FlagStore
  readonly missing: MissingKey
  readonly exposureBatcher: ExposureBatcher | null
  private source: ResolvedSource | null
  private loadedAt: string | null = null
  private lastError: FlagsStatus['lastError'] = null
  private timer: NodeJS.Timeout | null = null
  private stamp: string | null = null
  private generation = 0
  private readonly listeners = new Set<(c: Compiled) => void>()
  private readonly log: (line: string) => void
  /** Settles with the first load: listen() waits for it. */
  readonly ready: Promise<void>

  constructor(o: FlagsRuntimeOptions) {
    this.store = new FlagStore(o.name)
    this.missing = o.missing
    this.log = o.log
    this.source = o.source === undefined ? null : resolveSource(o.source)
    this.exposureBatcher = o.onExposure === undefined ? null
      : new ExposureBatcher(o.onExposure, o.exposureBatchMs ?? 1000, (err) => this.log(`griddle: flags: onExposure threw: ${(err as Error)?.message ?? String(err)}`))
    this.ready = this.source === null ? Promise.resolve() : this.start(this.source)
    this.ready.catch(() => {})
  }

  private async start(s: ResolvedSource): Promise<void> {
    const generation = ++this.generation
    this.stop()
    this.stamp = await fileStamp(s)
    await this.turn(s, true)
    if (s.location !== null && generation === this.generation) this.schedule(s, generation)
  }

  private schedule(s: ResolvedSource, generation: number): void {
    this.timer = setTimeout(() => {
      void (async () => {
        const stamp = await fileStamp(s)
        if (stamp === null || stamp !== this.stamp) {
          this.stamp = stamp
          await this.turn(s, false).catch(() => {})
        }
        if (generation === this.generation) this.schedule(s, generation)
      })()
    }, intervalOf(s))
    this.timer.unref()
  }

  /** One load: publish on success; on failure keep the snapshot, record and log the error, rethrow when asked. */
  private async turn(s: ResolvedSource, rethrow: boolean): Promise<void> {
    try {
      const before = this.store.view?.seq
      const compiled = this.store.publish(await readSource(s))
      this.loadedAt = new Date().toISOString()
      if (this.lastError !== null) this.log(`griddle: flags: ${s.describe} loads again (version ${compiled.version})`)
      this.lastError = null
      if (compiled.seq !== before) for (const l of this.listeners) l(compiled)
    } catch (err) {
      const e = err as GriddleError
      const message = e?.message ?? String(err)
      if (this.lastError?.message !== message) {
        const keeping = this.store.view === null ? 'nothing loaded yet' : `keeping version ${this.store.view.version}`
        this.log(`griddle: flags: ${s.describe}: ${message}; ${keeping}`)
      }
      this.lastError = { code: typeof e?.code === 'string' ? e.code : 'GRIDDLE_ERR_FLAGS_SOURCE', message, at: new Date().toISOString() }
      if (rethrow) throw err
    }
  }

  /** Replaces the source (and its polling) once the new one has loaded; rejects, keeping the old, when it does not. */
  async load(source: FlagsSource): Promise<void> {
    const next = resolveSource(source)
    const previous = this.source
    try {
      this.source = next
      await this.start(next)
    } catch (err) {
      this.source = previous
      if (previous !== null && previous.location !== null) this.schedule(previous, ++this.generation)
      throw err
    }
  }

  stop(): void {
    if (this.timer !== null) clearTimeout(this.timer)
    this.timer = null
  }

  close(): void {
    this.generation++
    this.stop()
    this.exposureBatcher?.flush()
  }

  /** Called with the new view after every publish that changed the snapshot. */
  onChange(listener: (c: Compiled) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  status(): FlagsStatus {
    const view = this.store.current()
    return { version: view?.version ?? null, loadedAt: this.loadedAt, source: this.source?.describe ?? null, lastError: this.lastError }
  }

  evaluate(name: string, ctx?: EvaluateContext): Evaluation {
    if (typeof name !== 'string') throw new GriddleTypeError('GRIDDLE_ERR_INVALID_ARG', 'a flag name must be a string')
    return evaluate(this.store, name, contextUnit(ctx, this.missing))
  }

  /** The arm a unit gets, without counting an exposure. */
  assignment(name: string, ctx?: EvaluateContext): string | null {
    if (typeof name !== 'string') throw new GriddleTypeError('GRIDDLE_ERR_INVALID_ARG', 'an experiment name must be a string')
    return experimentArm(this.store, name, contextUnit(ctx, this.missing), false)
  }

  exposures(): Exposures {
    const out: Exposures = { flags: {}, experiments: {} }
    for (const [name, count] of this.store.counters()) {
      const [kind, owner, outcome] = name.split('\u0000') as [string, string, string]
      const table = kind === 'flag' ? out.flags : out.experiments
      ;(table[owner] ??= {})[outcome] = count
    }
    return out
  }

  /** The config version served now (for OpenFeature's flagMetadata). */
  version(): string | null {
    return this.store.current()?.version ?? null
  }

  /** A start-up failure as listen() reports it. */
  startupError(err: unknown): GriddleError {
    return new GriddleError('GRIDDLE_ERR_FLAGS_SOURCE', `the flags source never loaded: ${(err as Error)?.message ?? String(err)}`, { cause: err })
  }
}
