/** Which compressed variants a request's Accept-Encoding allows. */
import { ENCODING } from '../routing/dispatch.js'

// Accept-Encoding values repeat across requests; parse each distinct one once.
const acceptMemo = new Map<string, number>()

/** 1 gzip, 2 br: the encodings an Accept-Encoding header allows (q=0 refuses). */
export function acceptMask(header: string): number {
  if (header.length === 0) return 0
  let mask = acceptMemo.get(header)
  if (mask !== undefined) return mask
  mask = 0
  for (const part of header.split(',')) {
    const [name, ...params] = part.split(';')
    const token = name!.trim().toLowerCase()
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='))
    if (q !== undefined && !(Number(q.slice(2)) > 0)) continue
    if (token === 'gzip' || token === '*') mask |= ENCODING.GZIP
    if (token === 'br' || token === '*') mask |= ENCODING.BR
  }
  if (acceptMemo.size >= 256) acceptMemo.clear()
  acceptMemo.set(header, mask)
  return mask
}
