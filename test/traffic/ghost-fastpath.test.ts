import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createApp } from 'griddle'
import { createGhostComparison, ghostCounts, matchRaw } from '../../lib/traffic/ghost-compare.js'
import type { RawOutput } from '../../lib/traffic/ghost-capture.js'
import { request, sleep } from '../helpers/http.js'

const JSON_TYPE = 'application/json; charset=utf-8'
const raw = (body: string | Uint8Array | null, status = 200, type: string | null = JSON_TYPE, headers: string[] | null = null): RawOutput =>
  ({ status, type, headers, body, error: null })

async function until(cond: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms
  while (!cond() && Date.now() < end) await sleep(10)
}

/** Counts JSON.parse calls on a user body ('{"id":') while fn runs and its ghost runs settle: the fast path makes none. */
async function countingUserParses(fn: () => Promise<void>): Promise<number> {
  const parse = JSON.parse
  let n = 0
  JSON.parse = function (text: string, reviver?: (this: unknown, key: string, value: unknown) => unknown): unknown {
    if (typeof text === 'string' && text.startsWith('{"id":')) n++
    return parse(text, reviver)
  } as typeof JSON.parse
  try {
    await fn()
  } finally {
    JSON.parse = parse
  }
  return n
}

test('matchRaw: equal status, compared headers and bytes are a match counted without a diff; anything else is left to observe()', () => {
  const c = createGhostComparison({ headers: ['content-type', 'x-version'], noise: true })
  const body = '{"id":1,"name":"Ada"}'
  assert.equal(matchRaw(c, raw(body), raw(body), null), true)
  assert.equal(matchRaw(c, raw(Buffer.from(body)), raw(new Uint8Array(Buffer.from(body))), null), true, 'bytes against equal bytes')
  // A noise run equal too: counted as a paired run.
  assert.equal(matchRaw(c, raw(body), raw(body), raw(body)), true)
  assert.equal(matchRaw(c, raw(body), raw('{"id":1,"name":"ADA"}'), null), false, 'other bytes')
  assert.equal(matchRaw(c, raw(body), raw(body, 201), null), false, 'other status')
  assert.equal(matchRaw(c, raw(body, 200, JSON_TYPE, ['X-Version', '1']), raw(body, 200, JSON_TYPE, ['x-version', '2']), null), false, 'a compared header')
  assert.equal(matchRaw(c, raw(body, 200, JSON_TYPE, ['x-other', '1']), raw(body), null), true, 'a header not compared')
  assert.equal(matchRaw(c, raw(body), raw(body, 200, 'text/plain'), null), false, 'the same bytes read as JSON and as text')
  assert.equal(matchRaw(c, raw(body), raw(Buffer.from(body)), null), false, 'a string against bytes goes to the slow path')
  assert.equal(matchRaw(c, raw(body), raw(body), raw('{"id":1,"name":"Ada","at":2}')), false, 'a noise run that differs')
  assert.equal(matchRaw(c, raw(body), { ...raw(null), error: 'timed out after 5 ms' }, null), false, 'a failed run')
  const counts = ghostCounts(c)
  assert.equal(counts.runs, 4)
  assert.equal(counts.noiseRuns, 1)
  assert.deepEqual(counts.paths, [])
  // With the status ignored, another status with the same bytes is a match.
  assert.equal(matchRaw(createGhostComparison({ ignore: ['status'] }), raw(body), raw(body, 500), null), true)
  // Another kind of comparison is never counted here.
  assert.equal(matchRaw({ ...c, observe: () => [] } as unknown as typeof c, raw(body), raw(body), null), false)
})

test('over a socket: a candidate with equal bytes is a match counted with no JSON.parse; one differing only in an ignored path is a match; a real difference is a mismatch with its path and example', async () => {
  const app = createApp({ unitKey: { header: 'x-user' }, admission: false })
  let at = 0
  app.get('/users/:id', (req) => ({ id: req.params.id, name: 'Ada', at }))
  const { port } = await app.listen(0)
  const N = 20
  const send = async (): Promise<void> => {
    for (let i = 0; i < N; i++) {
      const res = await request(port, `/users/${i}`, { headers: { 'x-user': `u${i}` } })
      assert.equal(res.status, 200)
      assert.match(res.text, /"name":"Ada"/, 'the client always gets the stable answer')
    }
  }
  try {
    // 1. The same bytes.
    const same = app.release('GET /users/:id', { version: 'same', handler: (req) => ({ id: req.params.id, name: 'Ada', at }) })
    same.ghost({ sample: 1, cpuShare: 1, maxConcurrent: 100, compare: { noise: false } })
    await same.ready
    const g1 = () => same.status().ghost
    const parses = await countingUserParses(async () => {
      await send()
      await until(() => g1().runs + g1().shed >= N)
    })
    assert.equal(g1().runs + g1().shed, N)
    assert.ok(g1().runs > 0)
    assert.equal(g1().mismatches, 0)
    assert.deepEqual(g1().paths, {})
    assert.equal(parses, 0, 'equal bytes are never parsed')
    same.rollback('next case').drop()

    // 2. Differing only in an ignored path: the slow path parses, and finds it a match.
    const ignored = app.release('GET /users/:id', { version: 'ignored', handler: (req) => ({ id: req.params.id, name: 'Ada', at: at + 1 }) })
    ignored.ghost({ sample: 1, cpuShare: 1, maxConcurrent: 100, compare: { ignore: ['/at'], noise: false } })
    await ignored.ready
    const g2 = () => ignored.status().ghost
    const parsed = await countingUserParses(async () => {
      await send()
      await until(() => g2().runs + g2().shed >= N)
    })
    assert.equal(g2().runs + g2().shed, N)
    assert.ok(g2().runs > 0)
    assert.equal(g2().mismatches, 0)
    assert.deepEqual(g2().paths, {})
    assert.deepEqual(g2().examples, [])
    assert.ok(parsed >= 2 * g2().runs, 'a difference in bytes is parsed, both bodies')
    ignored.rollback('next case').drop()

    // 3. A real difference.
    const real = app.release('GET /users/:id', { version: 'real', handler: (req) => ({ id: req.params.id, name: 'ADA', at: at + 1 }) })
    real.ghost({ sample: 1, cpuShare: 1, maxConcurrent: 100, compare: { ignore: ['/at'], noise: false } })
    await real.ready
    const g3 = () => real.status().ghost
    await send()
    await until(() => g3().runs + g3().shed >= N)
    assert.ok(g3().runs > 0)
    assert.equal(g3().mismatches, g3().runs)
    assert.deepEqual(g3().paths, { '/name': g3().runs })
    const ex = g3().examples.at(-1)!
    assert.deepEqual(ex.diff, [{ path: '/name', stable: 'Ada', candidate: 'ADA' }])
    assert.equal((ex.stable.body as { name: string }).name, 'Ada')
    assert.equal((ex.candidate as { body: { name: string } }).body.name, 'ADA')
    assert.equal(ex.request.url.startsWith('/users/'), true)
    at++
  } finally {
    await app.close()
  }
})

test('over a socket with the noise filter on: equal noise runs are counted as paired runs on the fast path, and a later real difference is flagged', async () => {
  const app = createApp({ admission: false })
  app.get('/v', () => ({ id: 1, v: 1 }))
  const { port } = await app.listen(0)
  try {
    let calls = 0
    const r = app.release('GET /v', { version: 'v2', handler: () => ({ id: 1, v: ++calls > 25 ? 2 : 1 }) })
    r.ghost({ sample: 1, cpuShare: 1, maxConcurrent: 100 })
    await r.ready
    const g = () => r.status().ghost
    for (let i = 0; i < 30; i++) {
      assert.equal((await request(port, '/v')).text, '{"id":1,"v":1}')
      // One at a time, so that the candidate's calls count in request order.
      await until(() => g().runs + g().shed + g().errors > i)
    }
    assert.equal(g().runs + g().shed, 30)
    // The first 25 candidate calls equal stable; those after differ on /v, a path no noise run ever saw differ.
    assert.ok(g().runs > 0)
    assert.equal(g().errors, 0)
    assert.equal(calls, g().runs)
    assert.equal(g().mismatches, Math.max(0, calls - 25))
    assert.deepEqual(Object.keys(g().paths), calls > 25 ? ['/v'] : [])
    assert.deepEqual(g().noise, {})
  } finally {
    await app.close()
  }
})
