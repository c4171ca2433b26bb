/**
 * The end of a request.
 */
import type { Core } from './core.js'
import type { Reply } from './reply.js'
import { SENT } from './reply.js'
import { kCacheKey, kDeadline, kRequest, kState } from '../symbols.js'

export function finish(core: Core, reply: Reply): void {
  reply[kState] = SENT
  if (reply[kDeadline] !== 0) core.pending.delete(reply)
  const key = reply[kRequest]?.[kCacheKey]
  if (key !== undefined) core.flights.end(key)
}
