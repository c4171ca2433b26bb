import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createApp, type App, type AppOptions } from 'griddle'
import { request, sleep } from '../helpers/http.js'
import { kOnEnd } from '../../lib/symbols.js'
import type { Core, Handler } from '../../lib/server/core.js'
import type { Ended } from '../../lib/server/end.js'
import { ghostEnd, GhostRunner, type CandidateRun, type GhostVersions } from '../../lib/traffic/ghost.js'
import { checkGhostOptions, CpuMeter, noiseRun } from '../../lib/traffic/ghost-budget.js'
import type { GhostOptions } from '../../lib/traffic/release-types.js'

/**
 * The internal hooks these tests use: `app[kOnEnd]` (lib/symbols.ts), which
 * installs the end listener, and the app's request-path state, App's private
 * `core` field, read through a cast (inside App the release code has it).
 */
interface Internal { core: Core, [kOnEnd](l: { onEnd(e: Ended): void } | null): void }
const coreOf = (app: App): Core => (app as unknown as Internal).core

/**
 * The smallest wiring the release code does: one end listener that hands
 * ghost ends back to the runners (ghostEnd) and every other answer of a
 * route to its runner (here the whole route is the ghost sample).
 */
function wire(app: App, runners: Map<string, { versions: GhostVersions, options: GhostOptions, runs?: CandidateRun[] }>): Map<string, GhostRunner> {
  const internal = app as unknown as Internal
  const core = coreOf(app)
  const byId = new Map<number, GhostRunner>()
  const out = new Map<string, GhostRunner>()
  for (const r of core.router.routes()) {
    const spec = runners.get(`${r.method} ${r.pattern}`)
    if (spec === undefined) continue
    const runner = new GhostRunner(core, r.id, spec.versions, spec.options, { onRun: (run) => spec.runs?.push(run) })
    byId.set(r.id, runner)
    out.set(`${r.method} ${r.pattern}`, runner)
  }
  internal[kOnEnd]({ onEnd(e) { if (!ghostEnd(e)) byId.get(e.route)?.capture(e) } })
  return out
}

/** Waits (bounded) until `done` holds. */
async function until(done: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 500 && !done(); i++) await sleep(10)
  assert.ok(done(), `timed out waiting for ${what}`)
}

async function listen(options: AppOptions, setup: (app: App) => void): Promise<{ app: App, port: number }> {
  const app = createApp({ closeGraceMs: 100, ...options })
  app.onError(() => {})
  setup(app)
  const { port } = await app.listen(0)
  return { app, port }
}

test('ghost output never reaches the client, and the candidate answers a frozen copy with req.ghost set', async () => {
  const seen: Array<{ version: string, ghost: boolean, id: unknown, q: unknown, host: unknown, body: unknown }> = []
  const stable: Handler = (req) => {
    seen.push({ version: 'stable', ghost: req.ghost, id: req.params.id, q: req.query.q, host: req.headers['x-user'], body: structuredClone(req.body) })
    const body = req.body as { items: number[] }
    // Changed after the answer was written: the ghost's copy was taken before.
    queueMicrotask(() => { body.items.push(99) })
    return { id: req.params.id, items: body.items, version: 1 }
  }
  const candidate: Handler = (req, reply) => {
    seen.push({ version: 'candidate', ghost: req.ghost, id: req.params.id, q: req.query.q, host: req.headers['x-user'], body: structuredClone(req.body) })
    reply.code(201).header('x-ghost', 'yes')
    return { id: req.params.id, items: (req.body as { items: number[] }).items, version: 2 }
  }
  const { app, port } = await listen({ admission: false }, (a) => a.post('/users/:id', stable))
  const runner = wire(app, new Map([['POST /users/:id', { versions: { candidate, stable }, options: { sample: 1, cpuShare: 1 } }]])).get('POST /users/:id')!
  try {
    for (let i = 0; i < 3; i++) {
      const res = await request(port, `/users/${i}?q=x${i}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-user': `u${i}` }, body: '{"items":[1,2]}' })
      assert.equal(res.status, 200)
      assert.equal(res.headers['x-ghost'], undefined)
      assert.deepEqual(res.json(), { id: String(i), items: [1, 2], version: 1 })
    }
    await until(() => runner.comparison.status().runs === 3 && runner.running === 0, 'three ghost runs')
    const s = runner.comparison.status()
    assert.equal(s.errors, 0)
    // No noise runs yet: the first runs are pending, until the noise is known; the figures re-judge them then.
    assert.deepEqual(s.paths, {})
    const ghosts = seen.filter((x) => x.ghost)
    assert.equal(ghosts.filter((x) => x.version === 'candidate').length, 3)
    // The first runs also run stable a second time (the noise sample), as ghosts too.
    assert.equal(ghosts.filter((x) => x.version === 'stable').length, 3)
    for (const g of ghosts) assert.deepEqual(g.body, { items: [1, 2] }, 'the frozen body, before the stable handler changed it')
    assert.deepEqual(ghosts.filter((x) => x.version === 'candidate').map((x) => [x.id, x.q, x.host]), [['0', 'x0', 'u0'], ['1', 'x1', 'u1'], ['2', 'x2', 'u2']])
    assert.ok(seen.filter((x) => !x.ghost).every((x) => x.version === 'stable'))
  } finally {
    await app.close()
  }
})

test('once the noise is known, the candidate is flagged on what it changed: status and a body field', async () => {
  const stable: Handler = (req) => ({ id: req.params.id, at: process.hrtime.bigint().toString(), version: 1 })
  const candidate: Handler = (req, reply) => {
    reply.code(201)
    return { id: req.params.id, at: process.hrtime.bigint().toString(), version: 2 }
  }
  const { app, port } = await listen({ admission: false }, (a) => a.get('/users/:id', stable))
  const runner = wire(app, new Map([['GET /users/:id', { versions: { candidate, stable }, options: { sample: 1, cpuShare: 1 } }]])).get('GET /users/:id')!
  try {
    for (let i = 0; i < 15; i++) assert.equal((await request(port, `/users/${i}`)).status, 200)
    await until(() => runner.comparison.status().runs === 15, 'fifteen ghost runs')
    const s = runner.comparison.status()
    assert.deepEqual(s.paths, { status: 15, '/version': 15 })
    assert.deepEqual(Object.keys(s.noise), ['/at'])
    assert.equal(s.mismatches, 15)
    assert.equal(s.examples.at(-1)!.request.url, '/users/14')
  } finally {
    await app.close()
  }
})

test('a candidate that returns other bodies, throws, rejects or hangs never changes the client\'s answer', async () => {
  const rejections: unknown[] = []
  const onRejection = (err: unknown): void => { rejections.push(err) }
  process.on('unhandledRejection', onRejection)
  const stable: Handler = (req) => ({ route: req.path, ok: true })
  const candidates: Record<string, Handler> = {
    '/other': () => ({ other: 'body', list: [1, 2, 3] }),
    '/throws': () => { throw new Error('candidate broke') },
    '/rejects': async () => { await sleep(1); throw new Error('candidate rejected') },
    '/hangs': () => new Promise(() => {}),
    '/late': () => sleep(200).then(() => ({ late: true })),
    '/async': async (req) => { await sleep(1); return { route: req.path, ok: true } },
  }
  const runs = new Map(Object.keys(candidates).map((p) => [p, [] as CandidateRun[]]))
  const { app, port } = await listen({ admission: false }, (a) => { for (const p of Object.keys(candidates)) a.get(p, stable) })
  const runners = wire(app, new Map(Object.entries(candidates).map(([p, candidate]) => [`GET ${p}`,
    { versions: { candidate, stable }, options: { sample: 1, cpuShare: 1, timeoutMs: 50 }, runs: runs.get(p)! }])))
  const { app: plain, port: plainPort } = await listen({ admission: false }, (a) => { for (const p of Object.keys(candidates)) a.get(p, stable) })
  try {
    for (let round = 0; round < 3; round++) {
      for (const p of Object.keys(candidates)) {
        const [ghosted, alone] = [await request(port, p), await request(plainPort, p)]
        assert.equal(ghosted.status, alone.status, p)
        assert.equal(ghosted.text, alone.text, p)
        assert.equal(ghosted.headers['content-type'], alone.headers['content-type'], p)
        assert.equal(ghosted.headers['content-length'], alone.headers['content-length'], p)
      }
    }
    await until(() => [...runs.values()].every((r) => r.length === 3), 'three runs of every candidate')
    const figures = (p: string) => runners.get(`GET ${p}`)!.comparison.status()
    assert.equal(figures('/other').errors, 0)
    assert.equal(figures('/other').runs, 3)
    // An answer after an await is found again through its request, and equals the client's.
    assert.deepEqual([figures('/async').runs, figures('/async').errors, figures('/async').mismatches], [3, 0, 0])
    assert.ok(runs.get('/async')!.every((r) => !r.failed && r.status === 200))
    for (const p of ['/throws', '/rejects', '/hangs', '/late']) {
      assert.equal(figures(p).errors, 3, p)
      assert.equal(figures(p).runs, 0, p)
      assert.ok(runs.get(p)!.every((r) => r.failed && r.status === 0 && r.error !== null), p)
    }
    assert.match(runs.get('/throws')![0]!.error!, /threw: candidate broke/)
    assert.match(runs.get('/rejects')![0]!.error!, /threw: candidate rejected/)
    assert.match(runs.get('/hangs')![0]!.error!, /timed out after 50 ms/)
    assert.ok(runs.get('/other')!.every((r) => !r.failed && r.status === 200))
    await sleep(250)  // the late answers arrive after their timeout, and are dropped
    assert.equal(figures('/late').errors, 3)
    assert.deepEqual(rejections, [])
  } finally {
    process.off('unhandledRejection', onRejection)
    await app.close()
    await plain.close()
  }
})

test('a ghost run on a cached route never stores its answer', async () => {
  const stable: Handler = () => ({ version: 1 })
  const candidate: Handler = () => ({ version: 2 })
  const { app, port } = await listen({ admission: false }, (a) => a.get('/c', { cache: { ttlMs: 60_000 } }, stable))
  const runner = wire(app, new Map([['GET /c', { versions: { candidate, stable }, options: { sample: 1, cpuShare: 1 } }]])).get('GET /c')!
  try {
    assert.deepEqual((await request(port, '/c')).json(), { version: 1 })
    await until(() => runner.comparison.status().runs === 1, 'the ghost run')
    for (let i = 0; i < 3; i++) assert.deepEqual((await request(port, '/c')).json(), { version: 1 })
    assert.equal(app.cache.stats().entries >= 1, true)
  } finally {
    await app.close()
  }
})

test('at most maxConcurrent ghost runs are in flight; the rest are shed and counted', async () => {
  let open!: () => void
  const gate = new Promise<void>((r) => { open = r })
  let now = 0
  let most = 0
  const stable: Handler = (req) => ({ id: req.params.id })
  const candidate: Handler = async (req) => {
    most = Math.max(most, ++now)
    await gate
    now--
    return { id: req.params.id }
  }
  const { app, port } = await listen({ admission: false }, (a) => a.get('/users/:id', stable))
  const runner = wire(app, new Map([['GET /users/:id', { versions: { candidate, stable }, options: { sample: 1, cpuShare: 1, maxConcurrent: 3, timeoutMs: 30_000 } }]])).get('GET /users/:id')!
  try {
    for (let i = 0; i < 8; i++) assert.equal((await request(port, `/users/${i}`)).status, 200)
    await until(() => now === 3, 'three candidates waiting')
    assert.equal(runner.running, 3)
    assert.equal(runner.comparison.status().shed, 5)
    open()
    await until(() => runner.comparison.status().runs === 3, 'the three runs to finish')
    assert.equal(most, 3)
    assert.equal(runner.running, 0)
    assert.equal((await request(port, '/users/9')).status, 200)
    await until(() => runner.comparison.status().runs === 4, 'a run once there is room again')
  } finally {
    open()
    await app.close()
  }
})

test('under overload ghost runs are shed first: clients are still admitted while ghosts are not', async () => {
  let open!: () => void
  const gate = new Promise<void>((r) => { open = r })
  const stable: Handler = (req) => ({ id: req.params.id })
  // Only the in-flight bound: the loop and queue bounds depend on this machine's load.
  const { app, port } = await listen({ admission: { maxInFlight: 4, maxEventLoopDelayMs: 0, maxQueueDelayMs: 0 } }, (a) => {
    a.get('/users/:id', stable)
    a.get('/slow', async () => { await gate; return 'slow' })
  })
  const core = coreOf(app)
  const runner = wire(app, new Map([['GET /users/:id', { versions: { candidate: stable, stable }, options: { sample: 1, cpuShare: 1 } }]])).get('GET /users/:id')!
  try {
    const slow = [request(port, '/slow'), request(port, '/slow')]
    await until(() => core.pending.size === 2, 'two slow requests in flight')
    for (let i = 0; i < 3; i++) assert.equal((await request(port, `/users/${i}`)).status, 200, 'the client is admitted')
    assert.equal(runner.comparison.status().shed, 3)
    assert.equal(runner.comparison.status().runs, 0)
    open()
    for (const r of await Promise.all(slow)) assert.equal(r.status, 200)
    assert.equal((await request(port, '/users/7')).status, 200)
    await until(() => runner.comparison.status().runs === 1, 'a ghost run once the load is gone')
    assert.equal(runner.comparison.status().shed, 3)
  } finally {
    open()
    await app.close()
  }
})

test('the CPU meter sums a sliding window, and the noise sample is the first runs then one in ten', () => {
  let t = 0
  const m = new CpuMeter(1000, 10, () => t)
  m.add(50)
  t = 450
  m.add(30)
  assert.equal(m.share(), 0.08)
  t = 1050
  assert.equal(m.share(), 0.03)
  t = 1500
  assert.equal(m.share(), 0)
  // Time added in the slot the last share() summed shows at once; a later slot sums again.
  m.add(20)
  assert.equal(m.share(), 0.02)
  t = 1550
  m.add(5)
  assert.equal(m.share(), 0.025)
  t = 1650
  m.add(10)
  assert.equal(m.share(), 0.035)
  t = 2549
  assert.equal(m.share(), 0.01)
  t = 2650
  assert.equal(m.share(), 0)
  assert.deepEqual([0, 19, 20, 21, 30, 35].map(noiseRun), [true, true, true, false, true, false])
})

test('ghost options are checked, each error naming its field', () => {
  assert.deepEqual(checkGhostOptions({ sample: 0.2 }), { maxConcurrent: 32, cpuShare: 0.1, timeoutMs: 1000, noise: true })
  assert.equal(checkGhostOptions({ sample: 1, compare: { noise: false } }).noise, false)
  for (const [bad, field] of [[{ sample: 2 }, 'sample'], [{ sample: 0.1, maxConcurrent: 0 }, 'maxConcurrent'], [{ sample: 0.1, cpuShare: 0 }, 'cpuShare'],
    [{ sample: 0.1, timeoutMs: 1.5 }, 'timeoutMs'], [{ sample: 0.1, extra: 1 }, 'extra'], [{ sample: 0.1, compare: 3 }, 'compare']] as const) {
    assert.throws(() => checkGhostOptions(bad as unknown as GhostOptions), (err: Error & { code?: string }) => err.code === 'GRIDDLE_ERR_INVALID_OPTION' && err.message.includes(field))
  }
})

test('a request whose body the handler made uncloneable is not ghosted, and the error is reported', async () => {
  const reported: unknown[] = []
  const stable: Handler = (req) => {
    const body = req.body as Record<string, unknown>
    const answer = { ok: true }
    body.callback = () => 1
    return answer
  }
  const { app, port } = await listen({ admission: false }, (a) => a.post('/p', stable))
  app.onError((err) => { reported.push(err) })
  const runner = wire(app, new Map([['POST /p', { versions: { candidate: stable, stable }, options: { sample: 1, cpuShare: 1 } }]])).get('POST /p')!
  try {
    const res = await request(port, '/p', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a":1}' })
    assert.equal(res.status, 200)
    assert.deepEqual(res.json(), { ok: true })
    assert.equal(runner.running, 0)
    assert.equal(reported.length, 1)
    assert.match(String((reported[0] as Error).message), /could not be cloned/)
  } finally {
    await app.close()
  }
})
