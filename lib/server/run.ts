/**
 * Handler runs: the route's checks, the handler, and its answer now or when
 * its promise settles.
 * hot path: measure before changing.
 */
import type { GriddleError } from '../errors.js'
import type { Core, RouteEntry } from './core.js'
import { track } from './deadlines.js'
import { corked } from './end.js'
import { fail, httpStatus } from './error-answer.js'
import { OPEN, type Reply } from './reply.js'
import type { Request } from './request.js'
import { respond } from './respond.js'
import { kArm, kDeadline, kState } from '../symbols.js'

/** Validates, runs the handler, and answers now or when its promise settles. */
export function run(core: Core, entry: RouteEntry, req: Request, reply: Reply): void {
  let value: unknown
  try {
    let invalid: GriddleError | null = null
    if (entry.checkParams !== null) invalid = entry.checkParams(req.params)
    if (invalid === null && entry.checkQuery !== null) invalid = entry.checkQuery(req.query)
    if (invalid === null && entry.checkBody !== null) invalid = entry.checkBody(req.body)
    if (invalid !== null) return fail(core, req, reply, invalid)
    // releases: the version dispatch chose; a version unloaded meanwhile falls back to the route's own handler.
    const arm = reply[kArm]
    value = (arm === 0 ? entry.handler : entry.versions[arm] ?? entry.handler)(req, reply)
  } catch (err) {
    return fail(core, req, reply, err)
  }
  if (typeof value === 'object' && value !== null && typeof (value as PromiseLike<unknown>).then === 'function') {
    return wait(core, entry, req, reply, value as PromiseLike<unknown>)
  }
  respond(core, entry, req, reply, value)
}

/**
 * A handler that answers later: the response is written corked, and only
 * while the request is still open (not aborted, not timed out).
 */
function wait(core: Core, entry: RouteEntry, req: Request, reply: Reply, promise: PromiseLike<unknown>): void {
  if (reply[kDeadline] === 0) track(core, reply)
  Promise.resolve(promise).then((value) => {
    if (reply[kState] === OPEN) corked(reply, () => respond(core, entry, req, reply, value))
  }, (err: unknown) => {
    if (reply[kState] === OPEN) corked(reply, () => fail(core, req, reply, err))
    else if (httpStatus(err) === 0) core.report(err, req)
  })
}
