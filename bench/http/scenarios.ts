/**
 * Scenarios are data: which paths to request, which servers, what load.
 * The runner knows nothing about any particular route.
 *
 * An open-loop rate is either a number of requests per second, or
 * `{ capacity: f }`: f times the closed-loop req/s that the same server process
 * just reached with wrk (2 = offered load at twice capacity, the overload case).
 */
export type Rate = number | { capacity: number }

export interface Scenario {
  name: string
  /** Heading of the section this scenario writes in bench/results/http.md. */
  section: string
  description: string
  /** `{id}` in the template is replaced by each id of the cycle, in order. */
  paths: { template: string; ids: { count: number; stride: number; max: number } }
  /** What every server must answer for every checked path (checked before timing). */
  expect: { status: number; contentType: string }
  servers: string[]
  closed: { threads: number; connections: number }
  /**
   * settleSeconds: the overload's onset, left out of the "after onset" p99
   * (admission control sheds only once a queue has stood for its interval,
   * 500 ms by default; until then the backlog grows, by design).
   */
  open: { connections: number; pipeline: number; rates: Rate[]; settleSeconds?: number }
  /**
   * Optional check that the generator keeps up: drive this server above its
   * capacity; its achieved rate should then match wrk's closed-loop figure.
   */
  validate?: { server: string; capacity: number }
  /** Goals a server is judged against, checked in the results when that server ran. */
  targets?: Targets
}

export interface Targets {
  server: string
  /** closed-loop req/s of `server` at least `min` times the peer's median */
  closed: { peer: string; min: number }[]
  /** at this fixed open-loop rate, p99 and p99.9 at most these milliseconds (medians of runs) */
  open?: { rate: number; p99Ms: number; p999Ms: number }
}

const USER_PATHS = { template: '/users/{id}', ids: { count: 1000, stride: 7919, max: 100_000 } }
const JSON_200 = { status: 200, contentType: 'application/json; charset=utf-8' }
const ALL = ['griddle', 'uws-json', 'uws-prebuilt', 'fastify', 'node-http']

export const SCENARIOS: readonly Scenario[] = [
  {
    name: 'users',
    section: 'HTTP: peers',
    description: 'GET /users/:id, a fresh object per request from the read model',
    paths: USER_PATHS,
    expect: JSON_200,
    servers: ALL,
    closed: { threads: 1, connections: 64 },
    open: { connections: 64, pipeline: 1, rates: [20_000, 35_000, 50_000] },
    validate: { server: 'node-http', capacity: 1.5 },
    targets: {
      server: 'griddle',
      closed: [{ peer: 'uws-json', min: 0.9 }, { peer: 'fastify', min: 2 }],
      open: { rate: 50_000, p99Ms: 1.5, p999Ms: 5 },
    },
  },
  {
    name: 'overload',
    section: 'HTTP: overload',
    // 512 connections with one request each, rather than pipelining: the server
    // then holds the excess (and may shed it with 503s), as with many clients,
    // instead of the generator queueing it; capacity is wrk's closed-loop req/s.
    description: 'GET /users/:id offered at 2x each server\'s own capacity over 512 connections',
    paths: USER_PATHS,
    expect: JSON_200,
    servers: ['griddle', 'griddle-noshed', 'fastify', 'uws-json'],
    closed: { threads: 1, connections: 64 },
    open: { connections: 512, pipeline: 1, rates: [{ capacity: 2 }], settleSeconds: 1 },
  },
  {
    name: 'overload-pipelined',
    section: 'HTTP: overload, pipelined',
    // 64 connections with up to 8 requests in flight each: the excess reaches
    // the server (rather than queueing in the generator), which can shed it.
    description: 'GET /users/:id offered at 2x each server\'s own capacity over 64 connections pipelining 8 deep',
    paths: USER_PATHS,
    expect: JSON_200,
    servers: ['griddle', 'griddle-noshed', 'fastify'],
    closed: { threads: 1, connections: 64 },
    open: { connections: 64, pipeline: 8, rates: [{ capacity: 2 }], settleSeconds: 1 },
  },
  {
    name: 'overload-work',
    section: 'HTTP: overload, 100 µs handlers',
    // Each request costs ~100 µs of handler work (server-kit work()), so a
    // 503 is far cheaper than an answer; 512 connections, one request each.
    description: 'GET /users/:id with ~100 µs of work per request, offered at 2x each server\'s own capacity over 512 connections',
    paths: USER_PATHS,
    expect: JSON_200,
    servers: ['griddle', 'griddle-noshed', 'fastify'],
    closed: { threads: 1, connections: 64 },
    open: { connections: 512, pipeline: 1, rates: [{ capacity: 2 }], settleSeconds: 1 },
  },
  {
    name: 'cached',
    section: 'HTTP: cached reads',
    description: 'GET /users/:id over a hot set of 100 ids: griddle answering from its response cache against uWS.js with prebuilt bytes',
    paths: { template: '/users/{id}', ids: { count: 100, stride: 7919, max: 100_000 } },
    expect: JSON_200,
    servers: ['griddle-cached', 'uws-prebuilt', 'uws-json'],
    closed: { threads: 1, connections: 64 },
    open: { connections: 64, pipeline: 1, rates: [20_000, 35_000, 50_000] },
  },
  {
    name: 'cached-gc',
    section: 'HTTP: cached reads with 1 GB held',
    description: 'the cached scenario with 1 GB of other entries in griddle\'s cache: p99 should not move',
    paths: { template: '/users/{id}', ids: { count: 100, stride: 7919, max: 100_000 } },
    expect: JSON_200,
    servers: ['griddle-cached', 'griddle-cached-1gb'],
    closed: { threads: 1, connections: 64 },
    open: { connections: 64, pipeline: 1, rates: [50_000] },
  },
  {
    name: 'ghost',
    section: 'HTTP: ghost runs',
    description: 'GET /users/:id with a candidate version run after the answer on every 10th request (noise filter on), against the same app without',
    paths: USER_PATHS,
    expect: JSON_200,
    servers: ['griddle', 'griddle-ghost'],
    closed: { threads: 1, connections: 64 },
    open: { connections: 64, pipeline: 1, rates: [20_000, 50_000] },
  },
  {
    name: 'flags',
    section: 'HTTP: 20 flags and 2 experiments per request',
    description: 'GET /users/:id evaluating 20 flags and 2 experiments per request, against the same app without them',
    paths: USER_PATHS,
    expect: JSON_200,
    servers: ['griddle', 'griddle-flags'],
    closed: { threads: 1, connections: 64 },
    open: { connections: 64, pipeline: 1, rates: [50_000] },
    targets: { server: 'griddle-flags', closed: [{ peer: 'griddle', min: 0.95 }] },
  },
]

/** Ids 1..max visited as 1 + (k * stride) mod max: spread over the model, identical for every server. */
export function scenarioPaths(s: Scenario): string[] {
  const { count, stride, max } = s.paths.ids
  const out: string[] = []
  for (let k = 0; k < count; k++) out.push(s.paths.template.replace('{id}', String(1 + ((k * stride) % max))))
  return out
}

export function findScenario(name: string): Scenario {
  const s = SCENARIOS.find((x) => x.name === name)
  if (!s) throw new Error(`unknown scenario "${name}"; known: ${SCENARIOS.map((x) => x.name).join(', ')}`)
  return s
}
