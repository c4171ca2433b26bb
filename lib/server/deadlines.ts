/**
 * Deadlines: every request that waits (for its body, its handler's promise
 * or a cache fill) has one; the client going away ends it early.
 */
import { performance } from 'node:perf_hooks'
import { GriddleError } from '../errors.js'
import type { Core } from './core.js'
import { sendError } from './error-answer.js'
import { ABORTED, READING, SENT, type Reply } from './reply.js'
import { kCacheKey, kController, kDeadline, kRequest, kRes, kState } from '../symbols.js'

/** Starts the deadline and watches for the client going away. */
export function track(core: Core, reply: Reply): void {
  reply[kDeadline] = performance.now() + core.requestTimeoutMs
  core.pending.add(reply)
  reply[kRes].onAborted(() => abort(core, reply))
}

function abort(core: Core, reply: Reply): void {
  if (reply[kState] === SENT) return
  reply[kState] = ABORTED
  core.pending.delete(reply)
  reply[kController]?.abort()
  // A cache fill whose client left will never answer: let the requests
  // waiting for it go on (each probes again, then runs the handler).
  const key = reply[kRequest]?.[kCacheKey]
  if (key !== undefined) core.flights.end(key)
}

/** Answers every pending request past its deadline: 408 while reading the body, else 503. */
export function sweep(core: Core, now: number): void {
  for (const reply of core.pending) {
    if (reply[kDeadline] > now) continue
    const reading = reply[kState] === READING
    const req = reply[kRequest]
    const err = reading
      ? new GriddleError('GRIDDLE_ERR_REQUEST_TIMEOUT')
      : new GriddleError('GRIDDLE_ERR_HANDLER_TIMEOUT', `${req?.method} ${req?.path} took over ${core.requestTimeoutMs} ms`)
    reply[kController]?.abort(err)
    if (!reading) core.report(err, req)
    reply[kRes].cork(() => sendError(core, reply, err.statusCode!, err.message, err.code, undefined, null, reading))
  }
}
