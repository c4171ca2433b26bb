/**
 * Deadlines: every request that waits (for its body, its handler's promise
 * or a cache fill) has one; the client going away ends it early.
 *
 * Every deadline is `requestTimeoutMs` after the request started waiting, so
 * `core.pending` (a Set, in insertion order) is also in deadline order: one
 * timer, armed for the first deadline, answers each request when its time
 * comes, instead of a periodic sweep that answered up to a period late.
 */
import { performance } from 'node:perf_hooks'
import { GriddleError } from '../errors.js'
import type { Core } from './core.js'
import { corked, endAborted } from './end.js'
import { sendError } from './error-answer.js'
import { READING, type Reply } from './reply.js'
import { kController, kDeadline, kRequest, kRes, kState } from '../symbols.js'

/** Starts the deadline and watches for the client going away. */
export function track(core: Core, reply: Reply): void {
  reply[kDeadline] = performance.now() + core.requestTimeoutMs
  core.pending.add(reply)
  reply[kRes]?.onAborted(() => endAborted(core, reply))
  if (core.deadlines.timer === null) arm(core, reply[kDeadline])
}

/** The one deadline timer of an app: armed while some request waits. */
export interface DeadlineTimer {
  timer: NodeJS.Timeout | null
}

function arm(core: Core, at: number): void {
  const t = core.deadlines.timer = setTimeout(expire, Math.max(1, Math.ceil(at - performance.now())), core)
  t.unref()
}

function expire(core: Core): void {
  core.deadlines.timer = null
  const now = performance.now()
  for (const reply of core.pending) {
    if (reply[kDeadline] > now) return arm(core, reply[kDeadline])
    timeOut(core, reply)
  }
}

/** Stops the deadline timer (the app is closed). */
export function stopDeadlines(core: Core): void {
  if (core.deadlines.timer !== null) clearTimeout(core.deadlines.timer)
  core.deadlines.timer = null
}

/** 408 while reading the body (and the connection closes), else 503. */
function timeOut(core: Core, reply: Reply): void {
  const reading = reply[kState] === READING
  const req = reply[kRequest]
  const err = reading
    ? new GriddleError('GRIDDLE_ERR_REQUEST_TIMEOUT')
    : new GriddleError('GRIDDLE_ERR_HANDLER_TIMEOUT', `${req?.method} ${req?.path} took over ${core.requestTimeoutMs} ms`)
  reply[kController]?.abort(err)
  if (!reading) core.report(err, req)
  corked(reply, () => sendError(core, reply, err.statusCode!, err.message, err.code, undefined, null, reading, 'timeout'))
}
