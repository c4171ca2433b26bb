/**
 * The hit writer: answers from the entry the last dispatch or probe found in
 * the dispatcher's output buffer; the handler does not run.
 */
import { IO, VARIANT, type Dispatcher } from '../routing/dispatch.js'
import { STATUS_LINES, endEmpty, endHead } from '../server/wire.js'
import type { RouteCache } from './route-options.js'
import type { UwsResponse } from '../uws.js'

const CONTENT_ENCODING = ['', 'gzip', 'br']

/**
 * Answers from the hit in the dispatcher's buffer: 304 when If-None-Match
 * named its ETag. Returns the status sent.
 */
export function sendHit(d: Dispatcher, res: UwsResponse, cache: RouteCache, head: boolean, close: boolean): number {
  const io = d.io
  const etag = d.etagView
  const type = io[IO.TYPE]!
  // Bodies too small to compress have no variants, so their answer does not vary.
  const h = (type & (VARIANT.GZIP | VARIANT.BR)) !== 0 ? cache.headersVary : cache.headers
  if (io[IO.NOT_MODIFIED] === 1) {
    res.writeStatus('304 Not Modified')
    res.writeHeader('etag', etag)
    if (h !== null) for (let i = 0; i < h.length; i += 2) res.writeHeader(h[i]!, h[i + 1]!)
    endEmpty(res, close)
    return 304
  }
  const status = io[IO.STATUS]!
  if (status !== 200) res.writeStatus(STATUS_LINES[status]!)
  res.writeHeader('content-type', d.typeView())
  res.writeHeader('etag', etag)
  const encoding = io[IO.ENCODING]!
  if (encoding !== 0) res.writeHeader('content-encoding', CONTENT_ENCODING[encoding]!)
  if (h !== null) for (let i = 0; i < h.length; i += 2) res.writeHeader(h[i]!, h[i + 1]!)
  if (head) {
    endHead(res, io[IO.HIT]!, close)
  } else {
    res.end(d.body(), close)
  }
  return status
}
