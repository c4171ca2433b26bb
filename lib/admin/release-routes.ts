/**
 * The release routes of the admin listener:
 *   GET  /releases                                  every release's status
 *   GET  /releases/:route[/:version]                one release's status
 *   POST /releases/:route/:version/:action          ghost, ramp, pause, resume, promote, rollback
 *   GET  /audit?limit=N                             the audit log, oldest first
 * The route is one URL-encoded path segment ("GET%20%2Fusers%2F%3Aid").
 * Errors are coded JSON: an unknown route, version or action 404, a bad body
 * 400, a command the release's state refuses 409. Changes made here are
 * audited as the actor given (default 'admin').
 */
import { GriddleError, GriddleTypeError } from '../errors.js'
import { adminError, json, type AdminAnswer, type AdminRequest, type AdminRoute } from './listener.js'
import { ACTIONS, emptyBody, ghostBody, parseBody, rampBody, rollbackBody, type Action } from './release-bodies.js'
import type { Release, Releases } from '../traffic/release-types.js'

const PREFIX = '/releases/'
const ENCODED = 'the route URL-encoded as one segment, e.g. GET%20%2Fusers%2F%3Aid'
const MAX_AUDIT = 100_000

function segments(path: string): string[] {
  const rest = path.slice(PREFIX.length)
  if (rest === '') return []
  return rest.split('/').map((s) => {
    try {
      return decodeURIComponent(s)
    } catch {
      throw new GriddleError('GRIDDLE_ERR_BAD_URL', `${JSON.stringify(s)} is not URL-encoded`)
    }
  })
}

/** The release of a route (and version), or the coded 404 that says what exists. */
function find(releases: Releases, route: string, version: string | undefined): Release {
  const r = releases.get(route, version)
  if (r !== undefined) return r
  const versions = releases.list().filter((s) => s.route === route).map((s) => s.version)
  if (versions.length === 0) {
    const routes = [...new Set(releases.list().map((s) => s.route))]
    throw new GriddleError('GRIDDLE_ERR_RELEASE_NOT_FOUND', `no release of ${JSON.stringify(route)} (releases: ${routes.map((x) => JSON.stringify(x)).join(', ') || 'none'}; ${ENCODED})`)
  }
  throw new GriddleError('GRIDDLE_ERR_RELEASE_NOT_FOUND', `no version ${JSON.stringify(version)} of ${route}; versions: ${versions.join(', ')}`)
}

function show(releases: Releases, req: AdminRequest): AdminAnswer {
  const parts = segments(req.path)
  if (parts.length === 0) return json({ releases: releases.list() })
  if (parts.length > 2) return adminError('GRIDDLE_ERR_NOT_FOUND', `GET ${req.path}: GET /releases/:route[/:version], ${ENCODED}`)
  return json(find(releases, parts[0]!, parts[1]).status())
}

/** A release method's refusal as a coded answer: bad options 400, its state 409; other errors go on to the listener. */
function refusal(err: unknown): AdminAnswer {
  const code = (err as { code?: unknown } | null)?.code
  if (err instanceof GriddleTypeError && (code === 'GRIDDLE_ERR_INVALID_OPTION' || code === 'GRIDDLE_ERR_UNKNOWN_OPTION' || code === 'GRIDDLE_ERR_INVALID_ARG')) {
    return json({ statusCode: 400, error: 'Bad Request', message: err.message, code }, 400)
  }
  if (typeof code === 'string' && code.endsWith('_STATE') && !(err instanceof GriddleError && err.statusCode !== undefined)) {
    return json({ statusCode: 409, error: 'Conflict', message: (err as Error).message, code }, 409)
  }
  throw err
}

function apply(r: Release, action: Action, body: Record<string, unknown>): void {
  switch (action) {
    case 'ghost': r.ghost(ghostBody(body)); break
    case 'ramp': r.ramp(rampBody(body)); break
    case 'rollback': r.rollback(rollbackBody(body).reason); break
    case 'pause': emptyBody(body, action); r.pause(); break
    case 'resume': emptyBody(body, action); r.resume(); break
    case 'promote': emptyBody(body, action); r.promote(); break
  }
}

function command(releases: Releases, req: AdminRequest): AdminAnswer {
  const parts = segments(req.path)
  if (parts.length !== 3) return adminError('GRIDDLE_ERR_NOT_FOUND', `POST ${req.path}: POST /releases/:route/:version/{${ACTIONS.join(',')}}, ${ENCODED}`)
  const [route, version, action] = parts as [string, string, string]
  if (!(ACTIONS as readonly string[]).includes(action)) {
    return adminError('GRIDDLE_ERR_NOT_FOUND', `no action ${JSON.stringify(action)}; actions: ${ACTIONS.join(', ')}`)
  }
  const r = find(releases, route, version)
  const body = parseBody(req.body, req.headers['content-type'])
  try {
    apply(r, action as Action, body)
  } catch (err) {
    // A bad body was found before the release was touched; what is thrown here is the release's own answer.
    if (err instanceof GriddleError && err.code === 'GRIDDLE_ERR_BAD_REQUEST') throw err
    return refusal(err)
  }
  return json(r.status())
}

function limitOf(query: URLSearchParams): number | undefined {
  const raw = query.get('limit')
  if (raw === null) return undefined
  const n = Number(raw)
  if (!/^\d+$/.test(raw) || n < 1 || n > MAX_AUDIT) throw new GriddleError('GRIDDLE_ERR_BAD_REQUEST', `limit must be an integer from 1 to ${MAX_AUDIT}, got ${JSON.stringify(raw)}`)
  return n
}

/** The routes to mount on the admin listener, reading and driving `releases`. */
export function releaseRoutes(releases: Releases, actor = 'admin'): AdminRoute[] {
  const acting = releases.withActor?.(actor) ?? releases
  return [
    { method: 'GET', path: '/releases', handler: () => json({ releases: releases.list() }) },
    { method: 'GET', path: PREFIX, prefix: true, handler: (req) => show(releases, req) },
    { method: 'POST', path: PREFIX, prefix: true, handler: (req) => command(acting, req) },
    { method: 'GET', path: '/audit', handler: (req) => json({ entries: releases.audit(limitOf(req.query)) }) },
  ]
}
