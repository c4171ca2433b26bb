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

/** Builds the reader: declared headers and cookies, then context(req) on top. */
export function attributeReader(declared: Record<string, AttributeSource>, context: ContextFunction | undefined): AttributeReader {
  const entries = Object.entries(declared)
  return (req) => {
    const headers = (req as { headers?: Record<string, string> }).headers ?? {}
    const out: Record<string, string | number | boolean | undefined> = Object.create(null) as Record<string, string>
    for (const [name, src] of entries) {
      const v = 'header' in src ? headers[src.header] : cookieIn(headers.cookie, src.cookie)
      if (v !== undefined) out[name] = v
    }
    if (context !== undefined) {
      const extra = context(req)
      if (extra !== null && typeof extra === 'object') Object.assign(out, extra)
    }
    return out
  }
}
