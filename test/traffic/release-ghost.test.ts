import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createApp } from 'griddle'
import { request, sleep } from '../helpers/http.js'

async function until(cond: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms
  while (!cond() && Date.now() < end) await sleep(10)
}

test('ghost mode: the candidate runs after the answer on a frozen copy, its output never reaches the client, mismatches are counted per path', async () => {
  const app = createApp({ unitKey: { header: 'x-user' }, admission: false })
  app.get('/users/:id', (req) => ({ id: req.params.id, name: 'Ada', at: Date.now(), version: 'v1' }))
  const { port } = await app.listen(0)
  const ghosts: boolean[] = []
  try {
    const r = app.release('GET /users/:id', {
      version: 'v2',
      handler: (req) => {
        ghosts.push(req.ghost)
        return { id: req.params.id, name: 'ADA', at: Date.now() + 1, version: 'v1' }
      },
    })
    r.ghost({ sample: 1, cpuShare: 1, maxConcurrent: 100, compare: { ignore: ['/at'], noise: false } })
    await r.ready
    assert.equal(r.status().state, 'ghost')
    for (let i = 0; i < 30; i++) {
      const res = await request(port, `/users/${i}`, { headers: { 'x-user': `u${i}` } })
      assert.equal(res.status, 200)
      assert.equal((res.json() as { name: string }).name, 'Ada', 'the client always gets the stable answer')
    }
    await until(() => r.status().ghost.runs + r.status().ghost.shed >= 30)
    const g = r.status().ghost
    // Each sampled request ran, or was shed by the budget (a loaded machine): none is lost.
    assert.equal(g.runs + g.shed, 30)
    assert.ok(g.runs > 0)
    assert.equal(g.mismatches, g.runs)
    assert.deepEqual(Object.keys(g.paths), ['/name'])
    assert.ok(g.examples.length > 0)
    assert.ok(ghosts.length >= g.runs && ghosts.every((x) => x === true), 'the candidate sees req.ghost === true')
    // Ghost runs are recorded on the candidate's arm as ghost runs.
    const cand = app.stats.snapshot().series.filter((s) => s.route === '/users/:id' && s.arm === 'v2')
    assert.equal(cand.reduce((n, s) => n + s.ghost, 0), g.runs)
    r.rollback('seen enough')
    assert.equal(r.status().state, 'rolled-back')
  } finally {
    await app.close()
  }
})

test('a ghost candidate that throws or hangs never changes a client\'s response and counts as an error', async () => {
  // No admission control: its overload signal would shed ghost runs on a loaded machine.
  const app = createApp({ admission: false })
  app.get('/x', () => ({ ok: true }))
  const { port } = await app.listen(0)
  try {
    let n = 0
    const r = app.release('GET /x', {
      version: 'bad',
      handler: () => (++n % 2 === 0 ? new Promise(() => undefined) : (() => { throw new Error('candidate bug') })()),
    })
    r.ghost({ sample: 1, timeoutMs: 50, compare: { noise: false } })
    await r.ready
    for (let i = 0; i < 10; i++) {
      const res = await request(port, '/x')
      assert.equal(res.status, 200)
      assert.deepEqual(res.json(), { ok: true })
    }
    const ghost = () => r.status().ghost
    await until(() => ghost().runs + ghost().errors + ghost().shed >= 10)
    // Each of the 10 ghost runs failed, unless the CPU budget shed it first (counted as shed).
    assert.equal(ghost().errors + ghost().shed, 10)
    assert.ok(ghost().errors > 0)
    assert.equal(ghost().runs, 0)
  } finally {
    await app.close()
  }
})

test('ghost mismatches past their guard roll a ramp back', async () => {
  const app = createApp({ unitKey: { header: 'x-user' }, admission: false })
  app.get('/users/:id', (req) => ({ id: req.params.id, v: 1 }))
  const { port } = await app.listen(0)
  try {
    const r = app.release('GET /users/:id', { version: 'v2', handler: (req) => ({ id: req.params.id, v: 2 }) })
    r.ghost({ sample: 1, compare: { noise: false } })
    r.ramp({ steps: [10, 100], minSamples: 20, minStepMs: 0, tickMs: 30, guards: { p99AbsMs: 1000 } })
    await r.ready
    for (let i = 0; i < 2000 && r.status().state === 'ramping'; i++) {
      await request(port, '/users/1', { headers: { 'x-user': `k${i}` } })
    }
    const s = r.status()
    assert.equal(s.state, 'rolled-back')
    assert.match(s.reason!, /mismatch/)
  } finally {
    await app.close()
  }
})

test('client requests are counted once each before, during and after ghost runs, and ghost runs only as ghost runs', async () => {
  // The end point records straight into the statistics while no ghost runner runs, and through the
  // ghost wiring while one does (lib/server/end.ts, core.lean): both ways must count the same.
  const app = createApp({ unitKey: { header: 'x-user' }, admission: false })
  app.get('/c/:id', (req) => ({ id: req.params.id }))
  const { port } = await app.listen(0)
  const series = () => app.stats.snapshot().series.filter((s) => s.route === '/c/:id')
  const clients = () => series().reduce((n, s) => n + s.requests - s.ghost, 0)
  const ghostRuns = () => series().reduce((n, s) => n + s.ghost, 0)
  const send = async (from: number) => {
    for (let i = from; i < from + 10; i++) assert.equal((await request(port, `/c/${i}`, { headers: { 'x-user': `u${i}` } })).status, 200)
  }
  try {
    await send(0)
    assert.equal(clients(), 10)
    const r = app.release('GET /c/:id', { version: 'v2', handler: (req) => ({ id: req.params.id }) })
    r.ghost({ sample: 1, cpuShare: 1, maxConcurrent: 100, compare: { noise: false } })
    await r.ready
    await send(10)
    await until(() => r.status().ghost.runs + r.status().ghost.shed >= 10)
    const runs = r.status().ghost.runs
    assert.ok(runs > 0)
    assert.equal(clients(), 20)
    assert.equal(ghostRuns(), runs)
    r.rollback('done')
    await send(20)
    assert.equal(clients(), 30)
    assert.equal(ghostRuns(), runs, 'no ghost run after the rollback')
  } finally {
    await app.close()
  }
})
