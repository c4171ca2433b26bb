import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Agent, request as httpRequest } from 'node:http'
import { createApp, type App } from 'griddle'
import type { Release } from 'griddle'

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

interface LoadResult {
  statuses: Map<number, number>
  failures: number
  /** Per user, the versions seen in order. */
  seen: Map<string, string[]>
}

/**
 * Closed-loop load over keep-alive connections to loopback: `concurrency`
 * loops, each request for one of `users` unit keys, until `stop()` says so,
 * maxRequests are sent, or maxMs pass.
 */
async function load(port: number, stop: () => boolean, o: { concurrency?: number, users?: number, maxRequests?: number, maxMs?: number } = {}): Promise<LoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: o.concurrency ?? 8 })
  const res: LoadResult = { statuses: new Map(), failures: 0, seen: new Map() }
  const users = o.users ?? 200
  const until = Date.now() + (o.maxMs ?? 20_000)
  let sent = 0
  const one = (user: string) => new Promise<void>((resolve) => {
    const req = httpRequest({ host: '127.0.0.1', port, path: '/users/1', agent, headers: { 'x-user': user } }, (r) => {
      const chunks: Buffer[] = []
      r.on('data', (c: Buffer) => chunks.push(c))
      r.on('end', () => {
        res.statuses.set(r.statusCode!, (res.statuses.get(r.statusCode!) ?? 0) + 1)
        if (r.statusCode === 200) {
          const v = (JSON.parse(Buffer.concat(chunks).toString()) as { version: string }).version
          const list = res.seen.get(user) ?? []
          if (list.at(-1) !== v) list.push(v)
          res.seen.set(user, list)
        }
        resolve()
      })
    })
    req.on('error', () => { res.failures++; resolve() })
    req.end()
  })
  await Promise.all(Array.from({ length: o.concurrency ?? 8 }, async (_, w) => {
    while (!stop() && Date.now() < until && sent < (o.maxRequests ?? 200_000)) {
      sent++
      await one(`user-${(sent * 7 + w) % users}`)
    }
  }))
  agent.destroy()
  return res
}

function app(candidate: (n: number) => unknown): { app: App, release: () => Release } {
  const a = createApp({ unitKey: { header: 'x-user' }, admission: false })
  a.get('/users/:id', () => ({ version: 'v1' }))
  let n = 0
  return { app: a, release: () => a.release('GET /users/:id', { version: 'v2', handler: () => candidate(++n) }) }
}

async function rolledBackAtFirstTick(candidate: (n: number) => unknown, reason: RegExp): Promise<void> {
  const { app: a, release } = app(candidate)
  const { port } = await a.listen(0)
  try {
    const r = release()
    r.ramp({ steps: [50, 100], minSamples: 150, minStepMs: 0, tickMs: 50 })
    await r.ready
    await load(port, () => r.status().state !== 'ramping', { maxMs: 30_000 })
    const s = r.status()
    assert.equal(s.state, 'rolled-back', JSON.stringify(s.audit))
    assert.match(s.reason!, reason)
    // No tick with enough samples passed the step: the first one rolled back.
    // (A hold, said once, is the step waiting for its samples.)
    assert.deepEqual(a.releases.audit().map((e) => e.action).filter((x) => x !== 'hold'), ['load', 'ramp', 'rollback'])
    const last = a.releases.audit().at(-1)!
    assert.equal(last.actor, 'controller')
    const ev = last.evidence as { stable: { requests: number }, candidate: { requests: number }, guards: object }
    assert.ok(ev.stable.requests >= 150 && ev.candidate.requests >= 150, JSON.stringify(ev))
    assert.deepEqual(last.to, { state: 'rolled-back', percent: 0 })
    // After the rollback everyone is on stable again.
    const after = await load(port, () => false, { maxRequests: 100 })
    assert.deepEqual([...after.seen.values()].flat().filter((v) => v !== 'v1'), [])
  } finally {
    await a.close()
  }
}

test('a candidate 5 ms slower is rolled back at the first tick after enough samples', async () => {
  await rolledBackAtFirstTick(async () => {
    await sleep(5)
    return { version: 'v2' }
  }, /p99/)
})

test('a candidate failing 2 % of requests is rolled back at the first tick after enough samples', async () => {
  await rolledBackAtFirstTick((n) => {
    if (n % 50 === 0) throw new Error('candidate failure')
    return { version: 'v2' }
  }, /error rate/)
})

test('missing data holds a step: too few samples, or too little time, never passes it', async () => {
  const { app: a, release } = app(() => ({ version: 'v2' }))
  const { port } = await a.listen(0)
  try {
    const r = release()
    r.ramp({ steps: [20, 100], minSamples: 1_000_000, minStepMs: 0, tickMs: 20 })
    await r.ready
    await load(port, () => false, { maxRequests: 600 })
    await sleep(100)
    let s = r.status()
    assert.equal(s.state, 'ramping')
    assert.equal(s.step, 0)
    assert.equal(s.percent, 20)
    const holds = a.releases.audit().filter((e) => e.action === 'hold')
    assert.equal(holds.length, 1, 'one hold entry per step, not one per tick')
    assert.match(String(holds[0]!.evidence.why), /fewer than 1000000/)
    r.pause()
    r.drop()
    // Enough samples, but the step's time is not up.
    const r2 = a.release('GET /users/:id', { version: 'v3', handler: () => ({ version: 'v3' }) })
    r2.ramp({ steps: [20, 100], minSamples: 10, minStepMs: 3_600_000, tickMs: 20, guards: { p99AbsMs: 60_000, errorRateDelta: 1 } })
    await r2.ready
    await load(port, () => false, { maxRequests: 600 })
    await sleep(100)
    s = r2.status()
    assert.equal(s.state, 'ramping')
    assert.equal(s.step, 0)
    assert.ok(s.candidate.requests >= 10 && s.stable.requests >= 10)
    assert.ok(!a.releases.audit().some((e) => e.action === 'step'))
  } finally {
    await a.close()
  }
})

test('a ramp under load goes step by step to promotion with no failed request, and nobody moves back', async () => {
  const { app: a, release } = app(() => ({ version: 'v2' }))
  const { port } = await a.listen(0)
  try {
    const r = release()
    r.ramp({ steps: [10, 50, 100], minSamples: 60, minStepMs: 0, tickMs: 40, guards: { p99AbsMs: 50, p99Ratio: 5 } })
    await r.ready
    const res = await load(port, () => r.status().state !== 'ramping', { users: 400, maxMs: 40_000 })
    const s = r.status()
    assert.equal(s.state, 'promoted', JSON.stringify([s, res.statuses.size, res.failures]))
    assert.equal(res.failures, 0)
    assert.deepEqual([...res.statuses.keys()], [200])
    for (const [user, seen] of res.seen) assert.ok(seen.length <= 2 && seen[0] !== 'v2' || seen.length === 1, `${user} moved back: ${seen}`)
    const actions = a.releases.audit().map((e) => e.action).filter((x) => x !== 'hold')
    assert.deepEqual(actions, ['load', 'ramp', 'step', 'step', 'promote'])
    const steps = a.releases.audit().filter((e) => e.action === 'step').map((e) => [e.from.percent, e.to.percent])
    assert.deepEqual(steps, [[10, 50], [50, 100]])
    // And a rollback under load: no failed request either.
    let rolled = false
    setTimeout(() => { r.rollback('by hand, under load'); rolled = true }, 200)
    let after = 0
    const back = await load(port, () => rolled && ++after > 200, { maxMs: 20_000 })
    assert.equal(back.failures, 0)
    assert.deepEqual([...back.statuses.keys()], [200])
    assert.equal(r.status().state, 'rolled-back')
  } finally {
    await a.close()
  }
})
