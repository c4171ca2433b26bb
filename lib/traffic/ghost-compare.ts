/**
 * The ghost comparison: what the release keeps of its ghost runs. Each run
 * hands over the client's answer (stable), the candidate's answer to the same
 * frozen request, and on the noise sample a second stable answer; this
 * counts differences per path (diff.ts), judges each path against its noise
 * (noise.ts), and keeps the last examples. Off the request path.
 *
 * Verdicts are taken when the figures are read (status(), mismatchRate()),
 * not frozen per run: a run is kept as the set of paths it differed on (its
 * signature, counted), so runs observed before a path was known to be noisy
 * stop counting as mismatches once it is. observe() returns the verdict
 * as it stands at that moment.
 */
import { GriddleTypeError } from '../errors.js'
import { diffOutputs, IgnoreRules, type Difference } from './diff.js'
import { verdict, type Verdict } from './noise.js'
import type { CapturedOutput, GhostCompareOptions, GhostComparison, GhostExample, GhostStatus } from './release-types.js'

export interface GhostComparisonOptions extends GhostCompareOptions {
  /** Examples kept (the last ones with a mismatch or an error); default 10, at most 1000. */
  examples?: number
}

/** Distinct paths tracked; later new paths are counted together under OTHER_PATH (an unbounded key space, such as ids as keys, must not grow memory). */
export const MAX_PATHS = 1024
export const OTHER_PATH = '(other paths)'
/** Distinct sets of differing paths kept; a run with a new set past this is judged once, when observed. */
const MAX_SIGNATURES = 4096
/** Request headers whose values never go into an example (examples are shown on the dashboard). */
const SECRET_HEADERS = new Set(['authorization', 'cookie', 'proxy-authorization', 'x-api-key'])

interface PathCounts {
  id: number
  path: string
  /** Candidate runs that differed from stable here. */
  diffs: number
  /** Paired stable runs that differed between themselves here. */
  noisy: number
}

/** A kept run, as given: the example is built when status() asks (most kept runs are pushed out before anyone reads them). */
interface Kept {
  at: number
  request: GhostExample['request']
  stable: CapturedOutput
  candidate: CapturedOutput | { error: string }
  diff: Difference[]
  paths: string[]
}

function checkOptions(o: GhostComparisonOptions): { headers: string[], ignore: IgnoreRules, noise: boolean, examples: number } {
  if (o === null || typeof o !== 'object') throw new GriddleTypeError('GRIDDLE_ERR_INVALID_OPTION', 'compare options must be an object')
  const headers = o.headers ?? ['content-type']
  if (!Array.isArray(headers) || headers.some((h) => typeof h !== 'string' || h.length === 0)) {
    throw new GriddleTypeError('GRIDDLE_ERR_INVALID_OPTION', 'compare.headers must be an array of header names')
  }
  if (o.noise !== undefined && typeof o.noise !== 'boolean') throw new GriddleTypeError('GRIDDLE_ERR_INVALID_OPTION', 'compare.noise must be a boolean')
  const examples = o.examples ?? 10
  if (!Number.isInteger(examples) || examples < 0 || examples > 1000) {
    throw new GriddleTypeError('GRIDDLE_ERR_INVALID_OPTION', 'examples must be an integer from 0 to 1000')
  }
  return { headers: [...new Set(headers.map((h) => h.toLowerCase()))], ignore: new IgnoreRules(o.ignore), noise: o.noise ?? true, examples }
}

function redact(headers: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(headers)) out[k] = SECRET_HEADERS.has(k.toLowerCase()) ? '[redacted]' : v
  return out
}

function exampleOf(k: Kept, diff: Difference[]): GhostExample {
  const c = k.candidate
  return {
    at: new Date(k.at).toISOString(),
    request: { method: k.request.method, url: k.request.url, headers: redact(k.request.headers) },
    stable: { status: k.stable.status, headers: k.stable.headers, body: k.stable.body },
    candidate: 'status' in c ? { status: c.status, headers: c.headers, body: c.body } : { error: c.error },
    diff,
  }
}

class Comparison implements GhostComparison {
  private readonly headers: string[]
  private readonly ignore: IgnoreRules
  private readonly filter: boolean
  private readonly keep: number
  private runs = 0
  private errors = 0
  private shedRuns = 0
  private noiseRuns = 0
  private paths = new Map<string, PathCounts>()
  private byId: PathCounts[] = []
  /** Sorted path ids joined by ",", the runs that differed on exactly those paths. */
  private signatures = new Map<string, { ids: number[], count: number }>()
  /** Mismatched runs judged when observed (their signature did not fit). */
  private frozen = 0
  private examples: Kept[] = []

  constructor(options: GhostComparisonOptions) {
    const o = checkOptions(options)
    this.headers = o.headers
    this.ignore = o.ignore
    this.filter = o.noise
    this.keep = o.examples
  }

  observe(request: GhostExample['request'], stable: CapturedOutput, candidate: CapturedOutput, stable2?: CapturedOutput): string[] {
    // The client's answer itself failed to capture: nothing to compare against.
    if (stable.error !== null) return []
    if (candidate.error !== null) {
      this.errors++
      this.remember(request, stable, { error: candidate.error }, [], [])
      return []
    }
    this.runs++
    if (this.filter && stable2 !== undefined && stable2.error === null) {
      this.noiseRuns++
      for (const d of diffOutputs(stable, stable2, this.headers, this.ignore)) this.counts(d.path).noisy++
    }
    const diff = diffOutputs(stable, candidate, this.headers, this.ignore)
    if (diff.length === 0) return []
    const ids = [...new Set(diff.map((d) => this.counts(d.path).id))].sort((a, b) => a - b)
    for (const id of ids) this.byId[id]!.diffs++
    const flagged: string[] = []
    const shown: string[] = []
    for (const id of ids) {
      const v = this.verdictOf(this.byId[id]!)
      if (v === 'mismatch') flagged.push(this.byId[id]!.path)
      if (v !== 'noise') shown.push(this.byId[id]!.path)
    }
    this.countSignature(ids, flagged.length > 0)
    if (shown.length > 0) this.remember(request, stable, candidate, diff, ids.map((id) => this.byId[id]!.path))
    return flagged
  }

  shed(): void {
    this.shedRuns++
  }

  mismatchRate(): number {
    return this.runs === 0 ? 0 : this.mismatched(this.verdicts()) / this.runs
  }

  status(): GhostStatus {
    const verdicts = this.verdicts()
    const paths: Record<string, number> = {}
    const noise: Record<string, number> = {}
    for (const c of this.byId) {
      if (verdicts[c.id] === 'mismatch') paths[c.path] = c.diffs
      else if (c.noisy > 0) noise[c.path] = c.noisy
    }
    const examples: GhostExample[] = []
    for (const k of this.examples) {
      const open = k.paths.filter((p) => verdicts[this.paths.get(p)!.id] !== 'noise')
      if (!('status' in k.candidate) || open.length > 0) examples.push(exampleOf(k, k.diff.filter((d) => open.includes(d.path))))
    }
    return { runs: this.runs, mismatches: this.mismatched(verdicts), errors: this.errors, shed: this.shedRuns, paths, noise, examples }
  }

  reset(): void {
    this.runs = this.errors = this.shedRuns = this.noiseRuns = this.frozen = 0
    this.paths = new Map()
    this.byId = []
    this.signatures = new Map()
    this.examples = []
  }

  private counts(path: string): PathCounts {
    let c = this.paths.get(path)
    if (c === undefined) {
      if (this.byId.length >= MAX_PATHS - 1 && path !== OTHER_PATH) return this.counts(OTHER_PATH)
      c = { id: this.byId.length, path, diffs: 0, noisy: 0 }
      this.paths.set(path, c)
      this.byId.push(c)
    }
    return c
  }

  private verdictOf(c: PathCounts): Verdict {
    return verdict(this.filter, c.diffs, this.runs, c.noisy, this.noiseRuns)
  }

  private verdicts(): Verdict[] {
    return this.byId.map((c) => this.verdictOf(c))
  }

  private countSignature(ids: number[], flagged: boolean): void {
    const key = ids.join(',')
    const s = this.signatures.get(key)
    if (s !== undefined) s.count++
    else if (this.signatures.size < MAX_SIGNATURES) this.signatures.set(key, { ids, count: 1 })
    else if (flagged) this.frozen++
  }

  private mismatched(verdicts: Verdict[]): number {
    let n = this.frozen
    for (const s of this.signatures.values()) if (s.ids.some((id) => verdicts[id] === 'mismatch')) n += s.count
    return n
  }

  private remember(request: GhostExample['request'], stable: CapturedOutput, candidate: CapturedOutput | { error: string },
    diff: Difference[], paths: string[]): void {
    if (this.keep === 0) return
    this.examples.push({ at: Date.now(), request, stable, candidate, diff, paths })
    if (this.examples.length > this.keep) this.examples.shift()
  }
}

/** A new comparison for one release's ghost phase; options are checked here (GRIDDLE_ERR_INVALID_OPTION). */
export function createGhostComparison(options: GhostComparisonOptions = {}): GhostComparison {
  return new Comparison(options)
}
