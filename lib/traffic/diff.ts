/**
 * The structural diff of two captured outputs, for ghost mode: the status,
 * the chosen headers, and the JSON body walked in parallel, each difference
 * named by its JSON Pointer (RFC 6901). Off the request path: it runs after
 * both answers exist, in a ghost run.
 */
import { GriddleTypeError } from '../errors.js'
import type { CapturedOutput } from './release-types.js'

/** One differing path; a side that is absent (a missing key, an index past the end) is undefined. */
export interface Difference {
  path: string
  stable: unknown
  candidate: unknown
}

/**
 * At most this many differences per pair of outputs: two unrelated bodies (a
 * list of 10,000 items against an error) would otherwise cost a path each,
 * in memory and in the per-path counters.
 */
export const MAX_DIFFERENCES = 64

/** One pointer token, escaped: "~" becomes "~0" and "/" becomes "~1" (in that order, RFC 6901 §4). */
export function escapeToken(token: string): string {
  if (!token.includes('~') && !token.includes('/')) return token
  return token.replace(/~/g, '~0').replace(/\//g, '~1')
}

/** The tokens of a pointer ("" is the whole document); "~1" is read before "~0", as RFC 6901 §4 says. */
export function parsePointer(pointer: string): string[] {
  if (pointer === '') return []
  if (!pointer.startsWith('/')) throw new GriddleTypeError('GRIDDLE_ERR_INVALID_OPTION', `compare.ignore: ${JSON.stringify(pointer)} is not a JSON Pointer (it must start with "/")`)
  return pointer.slice(1).split('/').map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'))
}

interface Rule {
  tokens: string[]
  /** A trailing "/*": everything under the path is ignored, the path itself is still compared. */
  subtree: boolean
}

/**
 * The compiled `ignore` list. A body rule is a pointer whose "*" tokens match
 * any one token; a trailing "/*" ignores everything under a path (any depth);
 * an exact pointer ignores that node and all it holds. "status" and
 * "header:<name>" ignore those comparisons.
 */
export class IgnoreRules {
  private readonly rules: Rule[] = []
  readonly status: boolean = false
  readonly headers = new Set<string>()

  constructor(ignore: readonly string[] | undefined) {
    if (ignore === undefined) return
    if (!Array.isArray(ignore)) throw new GriddleTypeError('GRIDDLE_ERR_INVALID_OPTION', 'compare.ignore must be an array of JSON Pointers')
    for (const p of ignore) {
      if (typeof p !== 'string') throw new GriddleTypeError('GRIDDLE_ERR_INVALID_OPTION', 'compare.ignore must be an array of JSON Pointers')
      if (p === 'status') this.status = true
      else if (p.startsWith('header:')) this.headers.add(p.slice(7).toLowerCase())
      else {
        const tokens = parsePointer(p)
        const subtree = tokens.length > 0 && tokens[tokens.length - 1] === '*'
        this.rules.push({ tokens: subtree ? tokens.slice(0, -1) : tokens, subtree })
      }
    }
  }

  /** True when the node at `tokens` is not compared. */
  skips(tokens: readonly string[]): boolean {
    for (const r of this.rules) {
      if (r.subtree ? tokens.length > r.tokens.length : tokens.length === r.tokens.length) {
        let i = 0
        while (i < r.tokens.length && (r.tokens[i] === '*' || r.tokens[i] === tokens[i])) i++
        if (i === r.tokens.length) return true
      }
    }
    return false
  }

  get empty(): boolean {
    return this.rules.length === 0
  }
}

type Kind = 'object' | 'array' | 'scalar'

function kindOf(v: unknown): Kind {
  if (Array.isArray(v)) return 'array'
  return v !== null && typeof v === 'object' ? 'object' : 'scalar'
}

/** Walks two values in parallel, appending the differences; `tokens` is the current path. */
class Walk {
  readonly out: Difference[] = []
  private readonly tokens: string[] = []

  constructor(private readonly ignore: IgnoreRules) {}

  node(path: string, a: unknown, b: unknown): void {
    if (this.out.length >= MAX_DIFFERENCES) return
    if (!this.ignore.empty && this.ignore.skips(this.tokens)) return
    const ka = kindOf(a)
    if (a === undefined || b === undefined || ka !== kindOf(b)) {
      if (a !== b) this.out.push({ path, stable: a, candidate: b })
      return
    }
    if (ka === 'scalar') {
      if (a !== b) this.out.push({ path, stable: a, candidate: b })
    } else if (ka === 'array') {
      const x = a as unknown[]
      const y = b as unknown[]
      // Index by index: an element inserted at the front shows as every index differing, as a reader comparing the two would see it.
      for (let i = 0; i < Math.max(x.length, y.length); i++) this.child(path, String(i), x[i], y[i])
    } else {
      const x = a as Record<string, unknown>
      const y = b as Record<string, unknown>
      for (const k of Object.keys(x)) this.child(path, k, x[k], Object.hasOwn(y, k) ? y[k] : undefined)
      for (const k of Object.keys(y)) if (!Object.hasOwn(x, k)) this.child(path, k, undefined, y[k])
    }
  }

  private child(path: string, token: string, a: unknown, b: unknown): void {
    this.tokens.push(token)
    this.node(`${path}/${escapeToken(token)}`, a, b)
    this.tokens.pop()
  }
}

/** The differences between two answers: "status", "header:<name>" for each of `headers`, then the body by pointer. */
export function diffOutputs(stable: CapturedOutput, candidate: CapturedOutput, headers: readonly string[], ignore: IgnoreRules): Difference[] {
  const walk = new Walk(ignore)
  if (!ignore.status && stable.status !== candidate.status) walk.out.push({ path: 'status', stable: stable.status, candidate: candidate.status })
  for (const h of headers) {
    if (ignore.headers.has(h)) continue
    const a = stable.headers[h]
    const b = candidate.headers[h]
    if (a !== b) walk.out.push({ path: `header:${h}`, stable: a, candidate: b })
  }
  walk.node('', stable.body, candidate.body)
  return walk.out
}
