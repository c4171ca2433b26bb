/**
 * Which compressed variant a request's Accept-Encoding asks for, by the
 * rules of RFC 9110 §12.5.3: each coding's q-value (1 when absent), `*` for
 * the codings not named, q=0 refuses, and the highest q wins.
 */
import { ENCODING } from '../routing/dispatch.js'

// Accept-Encoding values repeat across requests; parse each distinct one once.
const acceptMemo = new Map<string, number>()

/** A qvalue ("0", "0.5", "1.000"); NaN when malformed. */
function qvalue(params: string[]): number {
  for (const p of params) {
    const eq = p.indexOf('=')
    if (eq < 0 || p.slice(0, eq).trim().toLowerCase() !== 'q') continue
    const v = p.slice(eq + 1).trim()
    return /^(0(\.\d{0,3})?|1(\.0{0,3})?)$/.test(v) ? Number(v) : NaN
  }
  return 1
}

/**
 * ENCODING.GZIP | ENCODING.BR bits: the variants the request may be answered
 * with. Both bits when both are equally preferred (the smaller, br, is then
 * served); one bit when one has the higher q; 0 for identity only.
 */
export function acceptMask(header: string): number {
  if (header.length === 0) return 0
  let mask = acceptMemo.get(header)
  if (mask !== undefined) return mask
  let gzip = -1
  let br = -1
  let any = -1
  for (const part of header.split(',')) {
    const [name, ...params] = part.split(';')
    const token = name!.trim().toLowerCase()
    let q = qvalue(params)
    // A malformed weight makes the element unusable; refusing it is the safe reading.
    if (Number.isNaN(q)) q = 0
    if (token === 'gzip' || token === 'x-gzip') gzip = Math.max(gzip, q)
    else if (token === 'br') br = Math.max(br, q)
    else if (token === '*') any = Math.max(any, q)
  }
  if (gzip < 0) gzip = any
  if (br < 0) br = any
  mask = 0
  if (gzip > 0 && gzip >= br) mask |= ENCODING.GZIP
  if (br > 0 && br >= gzip) mask |= ENCODING.BR
  if (acceptMemo.size >= 256) acceptMemo.clear()
  acceptMemo.set(header, mask)
  return mask
}
