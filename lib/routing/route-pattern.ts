/**
 * Parses a route pattern into the parts the native router inserts, with the
 * semantics of find-my-way (the router fastify uses):
 * - `:name` is a parameter; it ends at `/`, `-`, `.` or the end. Static text
 *   after `-` or `.` within the same segment makes a multi-parameter segment
 *   (`/near/:lat-:lng`, `/files/:name.:ext`, `/:file.json`);
 * - `::` is a literal colon; a trailing `*` is a wildcard named `*`.
 * The encoded parts are 's' + static text, 'p' + a segment template in which
 * U+0001 stands for each parameter, and 'w'.
 */
import { GriddleError } from '../errors.js'

export interface ParsedPattern {
  /** Encoded parts for the native insert. */
  readonly parts: string[]
  /** Parameter names in the order their values are captured. */
  readonly names: string[]
  /** Identity of the route shape: equal keys for one method conflict. */
  readonly key: string
  /**
   * For a route of static text only, the one request path that matches it
   * byte for byte without any decoding or folding; otherwise null.
   */
  readonly exact: string | null
}

export interface PatternOptions {
  readonly caseSensitive: boolean
  readonly ignoreTrailingSlash: boolean
  readonly ignoreDuplicateSlashes: boolean
  readonly maxParams: number
}

const PARAM = '\u0001'

/** Case folding shared with native/util/url.h: ASCII and Latin-1 letters. */
export function foldCase(s: string): string {
  let out = ''
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if ((c >= 65 && c <= 90) || (c >= 0xc0 && c <= 0xde && c !== 0xd7)) out += String.fromCharCode(c + 32)
    else out += s[i]
  }
  return out
}

function fail(code: 'GRIDDLE_ERR_ROUTE_PATTERN' | 'GRIDDLE_ERR_PARAM_NAME' | 'GRIDDLE_ERR_WILDCARD_POSITION',
  pattern: string, why: string): never {
  throw new GriddleError(code, `${JSON.stringify(pattern)}: ${why}`)
}

export function normalizePattern(pattern: string, opts: PatternOptions): string {
  let p = pattern
  if (opts.ignoreDuplicateSlashes) p = p.replace(/\/\/+/g, '/')
  if (opts.ignoreTrailingSlash && p.length > 1 && p.endsWith('/')) p = p.slice(0, -1)
  return p
}

/** Reads the static text of a template from `j` up to `/` or a lone `:`. */
function staticRun(p: string, j: number): [string, number] {
  let text = ''
  for (; j < p.length; j++) {
    const c = p[j]
    if (c === '/') break
    if (c === ':') {
      if (p[j + 1] !== ':') break
      j++
    }
    text += c
  }
  return [text, j]
}

export function parsePattern(pattern: string, opts: PatternOptions): ParsedPattern {
  if (typeof pattern !== 'string') fail('GRIDDLE_ERR_ROUTE_PATTERN', String(pattern), 'a pattern must be a string')
  if (pattern[0] !== '/') fail('GRIDDLE_ERR_ROUTE_PATTERN', pattern, 'a pattern must start with "/"')
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(pattern)) fail('GRIDDLE_ERR_ROUTE_PATTERN', pattern, 'control characters are not allowed')
  const p = normalizePattern(pattern, opts)
  const parts: string[] = []
  const names: string[] = []
  let text = ''
  const flushStatic = () => {
    if (text.length === 0) return
    const t = text.replaceAll('%', '%25')
    parts.push('s' + (opts.caseSensitive ? t : foldCase(t)))
    text = ''
  }
  for (let i = 0; i < p.length; i++) {
    const c = p[i]
    if (c === ':' && p[i + 1] === ':') {
      text += ':'
      i++
    } else if (c === ':') {
      flushStatic()
      let template = ''
      let j = i + 1
      for (;;) {
        const start = j
        while (j < p.length && !'-./('.includes(p[j]!)) j++
        const name = p.slice(start, j)
        if (p[j] === '(') fail('GRIDDLE_ERR_ROUTE_PATTERN', pattern, `regular-expression parameters are not supported (":${name}(")`)
        if (name.length === 0) fail('GRIDDLE_ERR_PARAM_NAME', pattern, 'a parameter name is empty')
        if (name.includes('*')) fail('GRIDDLE_ERR_PARAM_NAME', pattern, `parameter name ${JSON.stringify(name)} contains "*"`)
        // Router#add has already turned a valid optional parameter (last, after "/") into two patterns.
        if (name.includes('?')) fail('GRIDDLE_ERR_PARAM_NAME', pattern, `parameter name ${JSON.stringify(name)} contains "?": an optional parameter must end the pattern, after "/"`)
        names.push(name)
        template += PARAM
        const [run, end] = staticRun(p, j)
        template += run.replaceAll('%', '%25')
        j = end
        if (j >= p.length || p[j] === '/') break
        j++ // a ':' after static text: the next parameter of this segment
      }
      parts.push('p' + template)
      i = j - 1
    } else if (c === '*') {
      if (i !== p.length - 1) fail('GRIDDLE_ERR_WILDCARD_POSITION', pattern, 'a wildcard must be the last character')
      flushStatic()
      names.push('*')
      parts.push('w')
    } else {
      text += c
    }
  }
  flushStatic()
  const seen = new Set<string>()
  for (const name of names) {
    if (seen.has(name)) {
      throw new GriddleError('GRIDDLE_ERR_DUPLICATE_PARAM', `${JSON.stringify(pattern)}: ":${name}" appears twice`)
    }
    seen.add(name)
  }
  if (names.length > opts.maxParams) {
    throw new GriddleError('GRIDDLE_ERR_TOO_MANY_PARAMS', `${JSON.stringify(pattern)} has ${names.length}, at most ${opts.maxParams}`)
  }
  // Only text that needs no decoding qualifies: '%' is stored as %25, '::' as ':',
  // and case-insensitive routes also match other spellings.
  const exact = names.length === 0 && opts.caseSensitive && !/[%:?#]/.test(p) ? p : null
  return { parts, names, key: parts.join('\u0000'), exact }
}
