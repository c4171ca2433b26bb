import { test } from 'node:test'
import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { serve } from 'griddle'
import { request, sleep } from '../helpers/http.js'
import { tempDir } from '../helpers/temp.js'

const APP = new URL('../fixtures/release-app.js', import.meta.url)
const V2 = new URL('../fixtures/release-v2.js', import.meta.url)

interface Answer { version: string, thread: number }

async function get(port: number, user: string): Promise<Answer> {
  const r = await request(port, '/users/1', { headers: { 'x-user': user } })
  assert.equal(r.status, 200, r.text)
  return r.json() as Answer
}

test('serve(): a module version loads in every worker thread, sticks per user across threads, and a crashed worker comes back into it', async () => {
  const cluster = await serve({ app: APP, workers: 2, port: 0, restartDelayMs: 10, log: () => {}, options: { unitKey: { header: 'x-user' }, admission: false } })
  try {
    const r = cluster.release('GET /users/:id', { version: 'v2', module: V2 })
    await r.ready
    r.ramp({ steps: [50, 100], minSamples: 1e9, minStepMs: 3_600_000 })
    assert.equal(r.status().percent, 50)
    const users = Array.from({ length: 60 }, (_, i) => `user-${i}`)
    const first = new Map<string, string>()
    const threads = new Set<number>()
    for (let round = 0; round < 3; round++) {
      for (const u of users) {
        const a = await get(cluster.port, u)
        threads.add(a.thread)
        if (round === 0) first.set(u, a.version)
        else assert.equal(a.version, first.get(u), `${u} got another version on another connection`)
      }
    }
    assert.equal(threads.size, 2, 'both workers answered')
    const v2 = [...first.values()].filter((v) => v === 'v2').length
    assert.ok(v2 > 10 && v2 < 50, `v2 share: ${v2} of 60`)
    // The controller in this thread reads what the workers recorded.
    await sleep(300)
    const s = r.status()
    assert.equal(s.stable.requests + s.candidate.requests, 180)
    r.promote()
    assert.equal((await get(cluster.port, 'x')).version, 'v2')
    await request(cluster.port, '/crash')
    const until = Date.now() + 10_000
    while ((cluster.restarts < 1 || cluster.size < 2) && Date.now() < until) await sleep(20)
    assert.equal(cluster.restarts, 1)
    const after = new Set<number>()
    // The replacement listens once it has loaded the current versions: ask until it answers too.
    for (let i = 0; i < 400 && after.size < 2; i++) {
      if (i > 0 && i % 20 === 0) await sleep(50)
      const a = await get(cluster.port, `after-${i}`)
      assert.equal(a.version, 'v2', 'the replacement worker serves the promoted version')
      after.add(a.thread)
    }
    assert.equal(after.size, 2, 'both workers answer after the restart')
    assert.deepEqual(cluster.releases.list().map((x) => x.state), ['promoted'])
  } finally {
    await cluster.close()
  }
})

test('serve(): a broken module is refused with GRIDDLE_ERR_RELEASE_LOAD and the stable keeps serving', async (t) => {
  const dir = tempDir((fn) => t.after(fn), 'griddle-serve-release-')
  const broken = join(dir, 'broken.mjs')
  writeFileSync(broken, 'throw new Error("broken at import")\n')
  const cluster = await serve({ app: APP, workers: 2, port: 0, log: () => {} })
  try {
    const r = cluster.release('GET /users/:id', { version: 'v3', module: broken })
    await assert.rejects(r.ready, (err: Error & { code?: string }) => err.code === 'GRIDDLE_ERR_RELEASE_LOAD' && /broken at import/.test(err.message))
    for (let i = 0; i < 10; i++) assert.equal((await get(cluster.port, `u${i}`)).version, 'v1')
    assert.equal(cluster.releases.get('GET /users/:id'), undefined)
    // A handler function cannot reach the worker threads: only modules load under serve().
    await assert.rejects(cluster.release('GET /users/:id', { version: 'v4', handler: () => 1 }).ready, { code: 'GRIDDLE_ERR_RELEASE_LOAD' })
  } finally {
    await cluster.close()
  }
})
