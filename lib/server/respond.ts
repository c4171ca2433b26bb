/**
 * The answer of a handler that returned a value: serialized by the route's
 * schema, stored when the route caches, written with its headers.
 * hot path: measure before changing.
 */
import { GriddleError } from '../errors.js'
import { COMPRESS_MIN_BYTES } from '../cache/route-options.js'
import { remember } from '../cache/store.js'
import type { Core, RouteEntry } from './core.js'
import { endReply } from './end.js'
import { fail } from './error-answer.js'
import { toBody, type Body } from './payload.js'
import type { Reply } from './reply.js'
import type { Request } from './request.js'
import { STATUS_LINES } from './wire.js'
import { kCacheKey, kHeaders, kType } from '../symbols.js'

const scratch: Body = { payload: '', type: null }

/** Writes the handler's value; a value its serializer refuses becomes a 500. */
export function respond(core: Core, entry: RouteEntry, req: Request, reply: Reply, value: unknown): void {
  const status = reply.statusCode
  if (status < 200 || STATUS_LINES[status] === undefined) {
    return fail(core, req, reply, new GriddleError('GRIDDLE_ERR_INTERNAL', `${entry.where}: statusCode ${String(status)} is not a final status (200 to 599)`))
  }
  try {
    toBody(value, status === 200 ? entry.ok : entry.serializers.for(status), scratch)
  } catch (err) {
    return fail(core, req, reply, new GriddleError('GRIDDLE_ERR_SERIALIZE', `${entry.where}: ${(err as Error).message}`, { cause: err }))
  }
  const type = reply[kType] ?? scratch.type
  let headers = reply[kHeaders]
  if (entry.cache !== null) {
    const etag = req[kCacheKey] === undefined ? null : remember(core, entry, req, reply, value, type, scratch.payload)
    // Bytes, as storeResponse counts them when it decides on compressed variants.
    const size = typeof scratch.payload === 'string' ? Buffer.byteLength(scratch.payload) : scratch.payload.byteLength
    const own = size >= COMPRESS_MIN_BYTES ? entry.cache.headersVary : entry.cache.headers
    if (own !== null) headers = headers === null ? own : headers.concat(own)
    if (etag !== null) headers = headers === null ? ['etag', etag] : headers.concat('etag', etag)
  }
  const payload = scratch.payload
  scratch.payload = ''
  endReply(core, reply, 'miss', status, type, headers, payload, false)
}
