import { test } from 'node:test'
import assert from 'node:assert/strict'
import { request, sleep, withApp } from '../helpers/http.js'

test('past maxInFlight, new requests get 503 with Retry-After while exempt routes still answer', async () => {
  const release: Array<() => void> = []
  let ran = 0
  await withApp((app) => {
    app.get('/work/:n', () => { ran++; return new Promise((resolve) => release.push(() => resolve({ ok: true }))) })
    app.get('/health', { shedding: false }, () => ({ status: 'ok' }))
  }, async (port) => {
    const held = [request(port, '/work/1'), request(port, '/work/2')]
    while (release.length < 2) await sleep(5)
    const shed = await request(port, '/work/3')
    assert.equal(shed.status, 503)
    assert.equal(shed.headers['retry-after'], '2')
    assert.equal((shed.json() as { code: string }).code, 'GRIDDLE_ERR_OVERLOADED')
    assert.equal(ran, 2)
    assert.equal((await request(port, '/health')).status, 200)
    for (const r of release) r()
    for (const r of await Promise.all(held)) assert.equal(r.status, 200)
    // The backlog is gone: admitted again.
    const after = request(port, '/work/4')
    while (release.length < 3) await sleep(5)
    release[2]!()
    assert.equal((await after).status, 200)
  }, { admission: { maxInFlight: 2, maxEventLoopDelayMs: 0, maxQueueDelayMs: 0, retryAfterSeconds: 2 } })
})

test('a lagging event loop sheds new requests until it recovers', async () => {
  await withApp((app) => {
    app.get('/block', () => {
      const until = Date.now() + 300
      while (Date.now() < until) { /* hold the event loop */ }
      return 'done'
    })
    app.get('/x', () => 'x')
  }, async (port) => {
    assert.equal((await request(port, '/block')).text, 'done')
    // The sampler's first tick after the 300 ms stall sees it; until its next tick, /x is shed.
    let statuses: number[] = []
    for (let i = 0; i < 20 && !statuses.includes(503); i++) statuses.push((await request(port, '/x')).status)
    assert.ok(statuses.includes(503), `expected a 503 after the stall, got ${statuses}`)
    statuses = []
    for (let i = 0; i < 100 && statuses.at(-1) !== 200; i++) {
      await sleep(20)
      statuses.push((await request(port, '/x')).status)
    }
    assert.equal(statuses.at(-1), 200)
  }, { admission: { maxInFlight: 0, maxEventLoopDelayMs: 100, maxQueueDelayMs: 0 } })
})

test('admission: false turns shedding off and bad admission options are refused', async () => {
  const { createApp } = await import('griddle')
  assert.throws(() => createApp({ admission: { maxInFlight: -1 } }), { code: 'GRIDDLE_ERR_INVALID_OPTION' })
  assert.throws(() => createApp({ admission: 'on' as unknown as false }), { code: 'GRIDDLE_ERR_INVALID_OPTION' })
  assert.throws(() => createApp().get('/h', { shedding: 'no' as unknown as boolean }, () => 1), { code: 'GRIDDLE_ERR_INVALID_ARG' })
  const release: Array<() => void> = []
  await withApp((app) => {
    app.get('/w', () => new Promise((resolve) => release.push(() => resolve('ok'))))
  }, async (port) => {
    const held = [request(port, '/w'), request(port, '/w'), request(port, '/w')]
    while (release.length < 3) await sleep(5)
    for (const r of release) r()
    for (const r of await Promise.all(held)) assert.equal(r.status, 200)
  }, { admission: false })
})

test('requests queued behind slow synchronous handlers in one loop turn are shed', async () => {
  let ran = 0
  await withApp((app) => {
    app.get('/busy', () => {
      ran++
      const until = Date.now() + 20
      while (Date.now() < until) { /* synchronous work */ }
      return 'done'
    })
  }, async (port) => {
    const all = await Promise.all(Array.from({ length: 6 }, () => request(port, '/busy')))
    const statuses = all.map((r) => r.status)
    assert.ok(statuses.includes(200), `${statuses}`)
    assert.ok(statuses.includes(503), `${statuses}`)
    assert.equal(ran, statuses.filter((s) => s === 200).length)
    for (const r of all.filter((x) => x.status === 503)) assert.equal(r.headers['retry-after'], '1')
  }, { admission: { maxInFlight: 0, maxEventLoopDelayMs: 0, maxQueueDelayMs: 1 } })
})
