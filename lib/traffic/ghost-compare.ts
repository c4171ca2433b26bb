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
import { rawHeader, sameRawBody, type RawOutput } from './ghost-capture.js'
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

const KNOWN = new Set(['ignore', 'headers', 'noise', 'examples'])

interface PathCounts {
  id: number
  path: string
  /** Candidate runs that differed from stable here. */
  diffs: number
  /** Paired stable runs that differed between themselves here. */
  noisy: number
}

/** A kept run, as given: the example is built when status() asks (most kept runs are pushed out before anyone reads them). */
export interface Kept {
  /** Numbers the runs one comparison kept, so a snapshot can carry only the new ones. */
  seq: number
  at: number
  request: GhostExample['request']
  stable: CapturedOutput
  candidate: CapturedOutput | { error: string }
  diff: Difference[]
  paths: string[]
}

/**
 * What one comparison has counted, as plain data that structured clone
 * carries (serve()'s workers send it to the main thread, ghost-main.ts).
 * Raw counts, not verdicts: the noise filter must judge the sums.
 */
export interface GhostCounts {
  /** Grows with every observed or shed run: an unchanged comparison need not be sent again. */
  changes: number
  runs: number
  errors: number
  shed: number
  noiseRuns: number
  /** Mismatched runs whose set of paths did not fit the signature table, judged when observed. */
  frozen: number
  /** [path, candidate runs that differed there, paired stable runs that differed there]. */
  paths: Array<[string, number, number]>
  /** [indexes into paths, runs that differed on exactly those paths]. */
  signatures: Array<[number[], number]>
  /** Kept runs numbered above the snapshot's `sinceExample`, oldest first. */
  examples: Kept[]
  /** The number of the last run kept. */
  lastExample: number
}

/** Checks compare options (GRIDDLE_ERR_INVALID_OPTION, naming the field); the admin API checks request bodies with it. */
export function checkCompareOptions(o: GhostComparisonOptions): { headers: string[], ignore: IgnoreRules, noise: boolean, examples: number } {
  if (o === null || typeof o !== 'object' || Array.isArray(o)) throw new GriddleTypeError('GRIDDLE_ERR_INVALID_OPTION', 'compare options must be an object')
  for (const k of Object.keys(o)) if (!KNOWN.has(k)) throw new GriddleTypeError('GRIDDLE_ERR_INVALID_OPTION', `compare: unknown option "${k}"`)
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
  private changes = 0
  private seq = 0

  constructor(options: GhostComparisonOptions) {
    const o = checkCompareOptions(options)
    this.headers = o.headers
    this.ignore = o.ignore
    this.filter = o.noise
    this.keep = o.examples
  }

  observe(request: GhostExample['request'], stable: CapturedOutput, candidate: CapturedOutput, stable2?: CapturedOutput): string[] {
    // The client's answer itself failed to capture: nothing to compare against.
    if (stable.error !== null) return []
    this.changes++
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

  /**
   * The fast path of a run (ghost.ts): when the candidate's raw answer, and
   * the noise run's if there is one, equal the client's in status, compared
   * headers and body bytes, the run is counted as a match here, with no parse
   * and no walk, exactly as observe() would count it (an empty diff), and
   * true is returned. False: nothing was counted, the caller goes to observe().
   */
  matchRaw(stable: RawOutput, candidate: RawOutput, stable2: RawOutput | null): boolean {
    if (stable.error !== null || candidate.error !== null || !this.sameRaw(stable, candidate)) return false
    const paired = this.filter && stable2 !== null && stable2.error === null
    if (paired && !this.sameRaw(stable, stable2)) return false
    this.changes++
    this.runs++
    if (paired) this.noiseRuns++
    return true
  }

  private sameRaw(a: RawOutput, b: RawOutput): boolean {
    if (!this.ignore.status && a.status !== b.status) return false
    for (const h of this.headers) if (!this.ignore.headers.has(h) && rawHeader(a, h) !== rawHeader(b, h)) return false
    return sameRawBody(a, b)
  }

  shed(): void {
    this.shedRuns++
    this.changes++
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
    this.changes++
    this.runs = this.errors = this.shedRuns = this.noiseRuns = this.frozen = 0
    this.paths = new Map()
    this.byId = []
    this.signatures = new Map()
    this.examples = []
  }

  /** The raw counts, with the kept runs numbered above sinceExample. Path ids are indexes of byId, so signatures index `paths`. */
  snapshot(sinceExample: number): GhostCounts {
    return {
      changes: this.changes, runs: this.runs, errors: this.errors, shed: this.shedRuns, noiseRuns: this.noiseRuns, frozen: this.frozen,
      paths: this.byId.map((c) => [c.path, c.diffs, c.noisy]),
      signatures: [...this.signatures.values()].map((s) => [s.ids, s.count]),
      examples: this.examples.filter((k) => k.seq > sinceExample),
      lastExample: this.seq,
    }
  }

  /**
   * Adds other comparisons' counts into this one: totals and per-path counts
   * are summed first, so every verdict is then taken on the sums, the same
   * as if one comparison had observed every run. `examples` are kept as
   * given (the caller picks the last ones across parts).
   */
  absorb(parts: readonly GhostCounts[], examples: readonly Kept[]): void {
    this.changes++
    const ids = parts.map((p) => {
      this.runs += p.runs
      this.errors += p.errors
      this.shedRuns += p.shed
      this.noiseRuns += p.noiseRuns
      this.frozen += p.frozen
      return p.paths.map(([path, diffs, noisy]) => {
        const c = this.counts(path)
        c.diffs += diffs
        c.noisy += noisy
        return c.id
      })
    })
    const verdicts = this.verdicts()
    parts.forEach((p, i) => {
      for (const [local, count] of p.signatures) {
        // Two local paths may have been folded into one (OTHER_PATH) here.
        const merged = [...new Set(local.map((id) => ids[i]![id]!))].sort((a, b) => a - b)
        this.countSignature(merged, merged.some((id) => verdicts[id] === 'mismatch'), count)
      }
    })
    for (const k of examples) {
      this.keepRun({ ...k, paths: k.paths.map((path) => (this.paths.has(path) ? path : OTHER_PATH)) })
    }
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

  private countSignature(ids: number[], flagged: boolean, runs = 1): void {
    const key = ids.join(',')
    const s = this.signatures.get(key)
    if (s !== undefined) s.count += runs
    else if (this.signatures.size < MAX_SIGNATURES) this.signatures.set(key, { ids, count: runs })
    else if (flagged) this.frozen += runs
  }

  private mismatched(verdicts: Verdict[]): number {
    let n = this.frozen
    for (const s of this.signatures.values()) if (s.ids.some((id) => verdicts[id] === 'mismatch')) n += s.count
    return n
  }

  private remember(request: GhostExample['request'], stable: CapturedOutput, candidate: CapturedOutput | { error: string },
    diff: Difference[], paths: string[]): void {
    this.keepRun({ seq: this.seq + 1, at: Date.now(), request, stable, candidate, diff, paths })
  }

  private keepRun(k: Kept): void {
    if (this.keep === 0) return
    this.seq = Math.max(this.seq, k.seq)
    this.examples.push(k)
    if (this.examples.length > this.keep) this.examples.shift()
  }
}

/** A new comparison for one release's ghost phase; options are checked here (GRIDDLE_ERR_INVALID_OPTION). */
export function createGhostComparison(options: GhostComparisonOptions = {}): GhostComparison {
  return new Comparison(options)
}

/** Counts a run whose answers are equal byte for byte as a match (Comparison.matchRaw); false for another kind of comparison, or a difference. */
export function matchRaw(c: GhostComparison, stable: RawOutput, candidate: RawOutput, stable2: RawOutput | null): boolean {
  return c instanceof Comparison && c.matchRaw(stable, candidate, stable2)
}

/** The raw counts of a comparison made by createGhostComparison, with its kept runs numbered above sinceExample. */
export function ghostCounts(c: GhostComparison, sinceExample = 0): GhostCounts {
  if (!(c instanceof Comparison)) throw new GriddleTypeError('GRIDDLE_ERR_INVALID_ARG', 'not a comparison made by createGhostComparison')
  return c.snapshot(sinceExample)
}

/**
 * One comparison judged on the sums of several (serve()'s workers):
 * equal to one that observed every run itself. `examples`: the kept runs
 * to show, oldest first (the last `options.examples` of them are kept).
 */
export function mergeGhostCounts(options: GhostComparisonOptions, parts: readonly GhostCounts[], examples: readonly Kept[] = []): GhostComparison {
  const c = new Comparison(options)
  c.absorb(parts, examples)
  return c
}
