import { test } from 'node:test'
import assert from 'node:assert/strict'
import { parseProfileQuery, profiling, takeProfile, type CpuProfile } from '../../lib/admin/debug-profile.js'
import { request, withApp } from '../helpers/http.js'

/** Requests in a loop until `stop` resolves, so the server's handler runs while the profiler samples. */
async function traffic(port: number, until: Promise<unknown>): Promise<number> {
  let done = false
  void until.finally(() => { done = true })
  let n = 0
  while (!done && n < 50_000) {
    const res = await request(port, `/users/${n % 100}`)
    assert.equal(res.status, 200)
    n++
  }
  return n
}

test('a profile of the main thread is a plain cpuprofile whose nodes include griddle\'s request handler', async () => {
  await withApp((app) => {
    app.get('/users/:id', (req) => ({ id: Number(req.params.id), name: 'x'.repeat(20) }))
  }, async (port) => {
    const pending = takeProfile({ seconds: 1, intervalUs: 200 })
    assert.equal(profiling(), true)
    const served = await traffic(port, pending)
    const profile: CpuProfile = await pending
    assert.equal(profiling(), false)
    assert.ok(served > 0)
    assert.ok(profile.endTime > profile.startTime)
    assert.ok(Array.isArray(profile.samples) && profile.samples.length > 0)
    const names = new Set(profile.nodes.map((n) => n.callFrame.functionName))
    assert.ok(names.has('onRequest'), 'lib/server/on-request.ts onRequest is in the profile')
    const handler = profile.nodes.find((n) => n.callFrame.functionName === 'onRequest')!
    assert.match(handler.callFrame.url, /lib\/server\/on-request\.js$/)
    // The same object round-trips through JSON, as a .cpuprofile file does.
    assert.deepEqual(JSON.parse(JSON.stringify(profile)).nodes.length, profile.nodes.length)
  }, { admission: false }) // starting the profiler stalls the loop for a moment; no shedding here
})

test('a second profile while one runs is refused with a coded 409, and the first still completes', async () => {
  const first = takeProfile({ seconds: 0.3 })
  await assert.rejects(takeProfile({ seconds: 0.3 }), (err: { code?: string, statusCode?: number }) =>
    err.code === 'GRIDDLE_ERR_PROFILE_BUSY' && err.statusCode === 409)
  const profile = await first
  assert.ok(profile.nodes.length > 0)
  // Once it is done, the next one may run.
  assert.ok((await takeProfile({ seconds: 0.1 })).nodes.length > 0)
})

test('bad seconds, threads and intervals are coded 400s and start nothing', async () => {
  for (const bad of [{ seconds: 0 }, { seconds: -1 }, { seconds: 301 }, { seconds: Number.NaN }, { seconds: 1, thread: 2 as const },
    { seconds: 1, intervalUs: 5 }]) {
    await assert.rejects(takeProfile(bad as never), (err: { code?: string, statusCode?: number }) =>
      err.code === 'GRIDDLE_ERR_BAD_REQUEST' && err.statusCode === 400, JSON.stringify(bad))
    assert.equal(profiling(), false)
  }
})

test('the query parser reads seconds and thread (main, all or a worker number), defaulting to 10 s of the main thread', () => {
  assert.deepEqual(parseProfileQuery(new URLSearchParams('')), { seconds: 10, thread: 'main' })
  assert.deepEqual(parseProfileQuery(new URLSearchParams('seconds=2.5&thread=main')), { seconds: 2.5, thread: 'main' })
  assert.deepEqual(parseProfileQuery(new URLSearchParams('seconds=1&thread=all')), { seconds: 1, thread: 'all' })
  assert.deepEqual(parseProfileQuery(new URLSearchParams('seconds=1&thread=3')), { seconds: 1, thread: 3 })
  for (const q of ['seconds=ten', 'seconds=1e3', 'seconds=0', 'thread=x', 'thread=-1', 'thread=1.5', 'thread=']) {
    assert.throws(() => parseProfileQuery(new URLSearchParams(q)), (err: { code?: string }) => err.code === 'GRIDDLE_ERR_BAD_REQUEST', q)
  }
})
