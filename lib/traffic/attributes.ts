/**
 * Where rule attributes come from: each declared attribute from exactly one
 * header or cookie, then the app's context function. Nothing else in the
 * request becomes an attribute, so a client cannot send a header that
 * poses as another attribute, or as the unit key.
 */
import { GriddleTypeError } from '../errors.js'
import type { Attributes } from './conditions.js'
import { cookieIn } from '../util/cookie.js'
import type { AttributeReader } from './request-flags.js'

export type AttributeSource = { header: string } | { cookie: string }
export type ContextFunction = (req: any) => Attributes // eslint-disable-line @typescript-eslint/no-explicit-any

export function checkAttributes(v: unknown): Record<string, AttributeSource> {
  if (v === undefined) return {}
  if (v === null || typeof v !== 'object') throw new GriddleTypeError('GRIDDLE_ERR_INVALID_OPTION', 'flags.attributes must be an object { name: { header } | { cookie } }')
  const out: Record<string, AttributeSource> = {}
  for (const [name, src] of Object.entries(v as Record<string, unknown>)) {
    const s = src as Record<string, unknown> | null
    const ok = s !== null && typeof s === 'object' && Object.keys(s).length === 1 &&
      ((typeof s.header === 'string' && s.header.length > 0) || (typeof s.cookie === 'string' && s.cookie.length > 0))
    if (!ok) throw new GriddleTypeError('GRIDDLE_ERR_INVALID_OPTION', `flags.attributes.${name} must be { header } or { cookie }`)
    out[name] = typeof s.header === 'string' ? { header: s.header.toLowerCase() } : { cookie: s.cookie as string }
  }
  return out
}

/**
 * A request's attributes: no prototype chain to speak of (`constructor` or
 * `__proto__` are plain keys), yet a fast-properties object: rules read them
 * with the attribute name fixed, so the loads stay cheap (an object made by
 * Object.create(null) is a dictionary from the start).
 */
const Attrs = function (this: object) {} as unknown as { new(): Record<string, string | number | boolean | undefined> }
Attrs.prototype = Object.create(null) as object

/** Builds the reader: declared headers and cookies, then context(req) on top. */
export function attributeReader(declared: Record<string, AttributeSource>, context: ContextFunction | undefined): AttributeReader {
  const names = Object.keys(declared)
  const headerOf = names.map((n) => 'header' in declared[n]! ? (declared[n] as { header: string }).header : undefined)
  const cookieOf = names.map((n) => 'cookie' in declared[n]! ? (declared[n] as { cookie: string }).cookie : undefined)
  return (req) => {
    const headers = (req as { headers?: Record<string, string> }).headers ?? {}
    const out = new Attrs()
    for (let i = 0; i < names.length; i++) {
      const header = headerOf[i]
      const v = header !== undefined ? headers[header] : cookieIn(headers.cookie, cookieOf[i]!)
      if (v !== undefined) out[names[i]!] = v
    }
    if (context !== undefined) {
      const extra = context(req)
      if (extra !== null && typeof extra === 'object') Object.assign(out, extra)
    }
    return out
  }
}
