import { test } from 'node:test'
import assert from 'node:assert/strict'
import { serve, type Cluster, type Release } from 'griddle'
import { request, sleep } from '../helpers/http.js'

const APP = new URL('../fixtures/ghost-app.js', import.meta.url)
const V2 = new URL('../fixtures/ghost-v2.js', import.meta.url)
const THROWS = new URL('../fixtures/ghost-throws.js', import.meta.url)
const TOKEN = 'ghost-test-token'

interface Item { id: string, name: string, thread: number }

function start(): Promise<Cluster> {
  return serve({
    app: APP, workers: 2, port: 0, restartDelayMs: 10, log: () => {},
    options: { unitKey: { header: 'x-user' }, admission: false, admin: { port: 0, token: TOKEN } },
  })
}

/** n client requests, each on its own connection; every answer must be the stable one. Returns the threads that answered. */
async function clients(port: number, n: number, from = 0): Promise<Set<number>> {
  const threads = new Set<number>()
  for (let i = from; i < from + n; i++) {
    const r = await request(port, `/items/${i}`, { headers: { 'x-user': `u${i}` } })
    assert.equal(r.status, 200, r.text)
    const item = r.json() as Item
    assert.equal(item.name, 'Ada', 'a client never gets the candidate\'s answer')
    threads.add(item.thread)
  }
  return threads
}

/** Waits (at most 15 s) until the main thread's merged figures account for `n` ghost runs: compared, failed or shed. */
async function accounted(r: Release, n: number): Promise<void> {
  const end = Date.now() + 15_000
  const seen = (): number => { const g = r.status().ghost; return g.runs + g.errors + g.shed }
  while (seen() < n && Date.now() < end) await sleep(25)
  assert.equal(seen(), n, JSON.stringify(r.status().ghost))
}

test('serve(): ghost runs in both workers are merged in the main thread, flagged on the changed path alone, with the random id as noise', async () => {
  const cluster = await start()
  try {
    const r = cluster.release('GET /items/:id', { version: 'v2', module: V2 })
    r.ghost({ sample: 1, cpuShare: 1, maxConcurrent: 100 })
    await r.ready
    const threads = await clients(cluster.port, 80)
    assert.equal(threads.size, 2, 'both workers answered')
    // Neither worker served all 80: the total is reached only if both workers' figures are merged.
    await accounted(r, 80)
    const g = r.status().ghost
    assert.ok(g.runs > 0)
    assert.equal(g.errors, 0)
    assert.deepEqual(Object.keys(g.paths), ['/name'], JSON.stringify(g))
    assert.equal(g.paths['/name'], g.runs)
    assert.equal(g.mismatches, g.runs)
    assert.ok((g.noise['/rid'] ?? 0) > 0, 'two stable runs differ on the random id')
    assert.ok(g.examples.length > 0 && g.examples.length <= 10)
    assert.deepEqual(g.examples[0]!.diff.map((d) => d.path), ['/name'])
    // The admin API (and the dashboard, which polls it) reads the same merged figures.
    const admin = await request(cluster.admin!.port, `/releases/${encodeURIComponent('GET /items/:id')}`, { headers: { authorization: `Bearer ${TOKEN}` } })
    assert.equal(admin.status, 200, admin.text)
    assert.deepEqual((admin.json() as { ghost: { paths: unknown } }).ghost.paths, g.paths)
    // The ramp's mismatch guard reads the merged rate: the first tick with data in both arms rolls back.
    r.ramp({ steps: [50, 100], minSamples: 1, minStepMs: 0, tickMs: 50, guards: { p99Ratio: 1000, p99AbsMs: 60_000, errorRateDelta: 1, mismatchRate: 0.001 } })
    const end = Date.now() + 15_000
    for (let i = 0; r.status().state === 'ramping' && Date.now() < end; i++) {
      await request(cluster.port, `/items/${i}`, { headers: { 'x-user': `ramp-${i}` } })
      if (i % 20 === 19) await sleep(60)
    }
    const s = r.status()
    assert.equal(s.state, 'rolled-back')
    assert.match(s.reason ?? '', /ghost mismatch rate/)
  } finally {
    await cluster.close()
  }
})

test('serve(): a candidate module that throws counts errors, in both workers, and clients get the stable answer', async () => {
  const cluster = await start()
  try {
    const r = cluster.release('GET /items/:id', { version: 'bad', module: THROWS })
    r.ghost({ sample: 1, cpuShare: 1, maxConcurrent: 100, compare: { noise: false } })
    await r.ready
    assert.equal((await clients(cluster.port, 40)).size, 2)
    await accounted(r, 40)
    const g = r.status().ghost
    assert.equal(g.runs, 0)
    assert.ok(g.errors > 0)
    assert.equal(g.errors + g.shed, 40)
    assert.deepEqual(g.paths, {})
    assert.ok(g.examples.some((e) => 'error' in e.candidate && /candidate bug/.test(e.candidate.error)))
  } finally {
    await cluster.close()
  }
})

test('serve(): a worker that crashes in ghost mode comes back into it, and the figures of the one that crashed stay', async () => {
  const cluster = await start()
  try {
    const r = cluster.release('GET /items/:id', { version: 'v2', module: V2 })
    r.ghost({ sample: 1, cpuShare: 1, maxConcurrent: 100 })
    await r.ready
    const before = await clients(cluster.port, 30)
    await accounted(r, 30)
    await request(cluster.port, '/crash')
    const end = Date.now() + 10_000
    while ((cluster.restarts < 1 || cluster.size < 2) && Date.now() < end) await sleep(20)
    assert.equal(cluster.restarts, 1)
    // Ask until the replacement (a new thread id) has answered, in at most 400 requests.
    let sent = 0
    let fresh = false
    while (!fresh && sent < 400) {
      const threads = await clients(cluster.port, 10, 1000 + sent)
      sent += 10
      fresh = [...threads].some((t) => !before.has(t))
      if (!fresh) await sleep(50)
    }
    assert.ok(fresh, 'the replacement worker answered')
    // Every request before and after the crash is accounted for: the replacement runs ghosts too.
    await accounted(r, 30 + sent)
    assert.deepEqual(Object.keys(r.status().ghost.paths), ['/name'])
  } finally {
    await cluster.close()
  }
})
