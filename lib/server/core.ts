/**
 * The state the request path reads: per route (RouteEntry, built once when
 * the route is added) and per app (Core).
 */
import type { Admission } from './admission.js'
import type { Flights } from '../cache/flights.js'
import type { RouteCache } from '../cache/route-options.js'
import type { Dispatcher } from '../routing/dispatch.js'
import type { Router } from '../routing/router.js'
import type { Check } from '../schema/validate.js'
import type { RouteSerializers, Serializer } from '../schema/serialize.js'
import type { DeadlineTimer } from './deadlines.js'
import type { Ended, EndListener } from './end.js'
import type { StatsListener } from '../telemetry/record.js'
import type { Reply } from './reply.js'
import type { Request, UnitReader } from './request.js'

export type Handler = (req: Request, reply: Reply) => unknown

/** What the server keeps per route id: built once, read on every request. */
import type { RouteExperiments } from '../traffic/route-experiments.js'

export interface RouteEntry {
  readonly method: string
  /** "GET /users/:id", for messages. */
  readonly where: string
  readonly handler: Handler
  /** releases: the stable version's name given at registration ('v1' by default). */
  readonly version: string
  /** releases: the handler of each loaded version, by arm id (lib/traffic/app-releases.ts). */
  readonly versions: Array<Handler | undefined>
  readonly params: (path: string, out: Int32Array) => Record<string, string>
  readonly checkParams: Check | null
  readonly checkQuery: Check | null
  readonly checkBody: Check | null
  readonly serializers: RouteSerializers
  /** The serializer for status 200. */
  readonly ok: Serializer
  /** False for GET and HEAD: their bodies are skipped, never buffered. */
  readonly readsBody: boolean
  /** Response caching, or null. */
  readonly cache: RouteCache | null
  /** False for routes that are never shed (health checks, admin). */
  readonly shedding: boolean
  /** The experiments a cached body depends on (lib/traffic/route-experiments.ts), or null. */
  readonly experiments: RouteExperiments | null
}

/** The app state the request path reads. */
export interface Core {
  readonly router: Router<number>
  /** The router's offsets array: params of the last lookup. */
  readonly out: Int32Array
  /** The one native call per request, and the response cache behind it. */
  readonly dispatcher: Dispatcher
  /** True when some route caches responses (then requests read Accept-Encoding and If-None-Match). */
  caching: boolean
  readonly flights: Flights
  readonly admission: Admission | null
  readonly entries: RouteEntry[]
  readonly maxUrlLength: number
  readonly bodyLimit: number
  /** The largest body the response cache stores (cache.maxEntryBytes). */
  readonly maxEntryBytes: number
  readonly requestTimeoutMs: number
  readonly unit: UnitReader
  /** Requests waiting for their body or their handler, with a deadline. */
  readonly pending: Set<Reply>
  readonly deadlines: DeadlineTimer
  /** True while closing: answers ask the client to close the connection. */
  closing: boolean
  report(err: unknown, req: Request | null): void
  /** Told of every request's end (telemetry, ghost capture), or null. */
  onEnd: EndListener | null
  /**
   * The statistics listener while it is the only one that needs each end (no
   * ghost runner, no other listener): the end point records into it with no
   * `Ended` record; null otherwise. Ghost runs' own ends take onEnd always.
   */
  lean: StatsListener | null
  /** The one record the end point fills for onEnd. */
  readonly ended: Ended
}
