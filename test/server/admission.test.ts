import { test } from 'node:test'
import assert from 'node:assert/strict'
import { connect, type Socket } from 'node:net'
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

test('an event loop lagging for a whole interval sheds new requests until it recovers; a shorter stall sheds none', async () => {
  await withApp((app) => {
    app.get('/stall', () => {
      const until = Date.now() + 80
      while (Date.now() < until) { /* hold the event loop, for less than the interval */ }
      return 'done'
    })
    app.get('/block', () => {
      const until = Date.now() + 300
      while (Date.now() < until) { /* hold the event loop */ }
      return 'done'
    })
    app.get('/x', () => 'x')
  }, async (port) => {
    assert.equal((await request(port, '/stall')).text, 'done')
    for (let i = 0; i < 10; i++) assert.equal((await request(port, '/x')).status, 200)
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
  }, { admission: { maxInFlight: 0, maxEventLoopDelayMs: 60, maxQueueDelayMs: 0, queueIntervalMs: 150 } })
})

test('admission: false turns shedding off and bad admission options are refused', async () => {
  const { createApp } = await import('griddle')
  assert.throws(() => createApp({ admission: { maxInFlight: -1 } }), { code: 'GRIDDLE_ERR_INVALID_OPTION' })
  assert.throws(() => createApp({ admission: { maxBodiesInFlight: 1.5 } }), { code: 'GRIDDLE_ERR_INVALID_OPTION' })
  assert.throws(() => createApp({ admission: { maxBodyBytesInFlight: -1 } }), { code: 'GRIDDLE_ERR_INVALID_OPTION' })
  assert.throws(() => createApp({ admission: { queueIntervalMs: '100' as unknown as number } }), { code: 'GRIDDLE_ERR_INVALID_OPTION' })
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

/** A route whose synchronous handler holds the event loop for `ms`. */
function busy(ms: number, counter: { ran: number }) {
  return () => {
    counter.ran++
    const until = performance.now() + ms
    while (performance.now() < until) { /* synchronous work */ }
    return 'done'
  }
}

test('a queue that stands above its target for a whole interval is shed', async () => {
  const counter = { ran: 0 }
  await withApp((app) => { app.get('/busy', busy(5, counter)) }, async (port) => {
    // 16 clients, each sending its next request as soon as it has an answer,
    // keep a queue of 5 ms requests standing: every loop turn runs past the
    // 2 ms target, back to back, for far longer than the 50 ms interval.
    const statuses: number[] = []
    const until = performance.now() + 3000
    await Promise.all(Array.from({ length: 16 }, async () => {
      while (performance.now() < until && !statuses.includes(503)) {
        const r = await request(port, '/busy')
        statuses.push(r.status)
        if (r.status === 503) assert.equal(r.headers['retry-after'], '1')
      }
    }))
    assert.ok(statuses.includes(503), `${statuses.length} answers, none shed`)
    assert.equal(counter.ran, statuses.filter((s) => s === 200).length)
  }, { admission: { maxInFlight: 0, maxEventLoopDelayMs: 0, maxQueueDelayMs: 2, queueIntervalMs: 50 } })
})

test('a burst served within the queue interval is not shed, however far past the target one turn runs', async () => {
  const counter = { ran: 0 }
  await withApp((app) => { app.get('/busy', busy(5, counter)) }, async (port) => {
    for (let round = 0; round < 3; round++) {
      const all = await Promise.all(Array.from({ length: 20 }, () => request(port, '/busy')))
      assert.deepEqual(all.map((r) => r.status), Array(20).fill(200))
      await sleep(50)
    }
    assert.equal(counter.ran, 60)
  }, { admission: { maxInFlight: 0, maxEventLoopDelayMs: 0, maxQueueDelayMs: 1, queueIntervalMs: 10_000 } })
})

/** Opens `count` connections, each sending a POST head announcing 1000 bytes, then 10 of them. */
async function slowUploads(port: number, count: number): Promise<{ sockets: Socket[], refused: () => number }> {
  const sockets: Socket[] = []
  let refused = 0
  for (let i = 0; i < count; i += 100) {
    await Promise.all(Array.from({ length: Math.min(100, count - i) }, () => new Promise<void>((resolve) => {
      const s = connect(port, '127.0.0.1', () => {
        s.write('POST /upload HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\nContent-Length: 1000\r\n\r\n0123456789', () => resolve())
      })
      s.on('data', (c: Buffer) => { if (c.toString('latin1').startsWith('HTTP/1.1 503 ')) refused++ })
      s.on('error', () => resolve())
      sockets.push(s)
    })))
  }
  return { sockets, refused: () => refused }
}

test('slow uploads are bounded by their own limit and never deny service to other routes', async () => {
  let uploaded = 0
  await withApp((app) => {
    app.post('/upload', () => ++uploaded)
    app.get('/hello', () => 'hello')
  }, async (port, app) => {
    const { sockets, refused } = await slowUploads(port, 1100)
    try {
      // Every upload is read or refused before the GETs are sent.
      for (let i = 0; i < 200 && refused() < 1100 - 1024; i++) await sleep(10)
      const gets = await Promise.all(Array.from({ length: 20 }, () => request(port, '/hello')))
      assert.deepEqual(gets.map((r) => r.status), Array(20).fill(200))
      // Past the default maxBodiesInFlight (1024), uploads get 503 and a closed connection.
      assert.equal(refused(), 1100 - 1024)
      assert.equal(uploaded, 0)
    } finally {
      for (const s of sockets) s.destroy()
    }
  }, { admission: { maxEventLoopDelayMs: 0, maxQueueDelayMs: 0 } })
})

test('bodies past maxBodyBytesInFlight get 503; their bytes count again once they end', async () => {
  await withApp((app) => {
    app.post('/upload', (req) => (req.body as Buffer).length)
  }, async (port) => {
    const { sockets, refused } = await slowUploads(port, 3)
    try {
      for (let i = 0; i < 200 && refused() < 1; i++) await sleep(10)
      // Two bodies of 1000 bytes fit in 2500; the third does not.
      assert.equal(refused(), 1)
      assert.equal((await request(port, '/upload', { method: 'POST', body: 'x'.repeat(600) })).status, 503)
    } finally {
      for (const s of sockets) s.destroy()
    }
    // The closed uploads no longer count (they are forgotten within a sampling period).
    await sleep(120)
    const res = await request(port, '/upload', { method: 'POST', body: 'x'.repeat(600), headers: { 'content-type': 'application/octet-stream' } })
    assert.equal(res.status, 200)
    assert.equal(res.text, '600')
  }, { admission: { maxBodyBytesInFlight: 2500 } })
})

test('a burst of 1,000 connections at once to a trivial route is served with no 503', async () => {
  const { connect } = await import('node:net')
  await withApp((app) => { app.get('/hello', () => 'hello') }, async (port) => {
    const answers = await Promise.all(Array.from({ length: 1000 }, () => new Promise<string>((resolve) => {
      const s = connect(port, '127.0.0.1', () => s.write('GET /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'))
      let got = ''
      s.setTimeout(10_000, () => s.destroy())
      s.on('data', (c: Buffer) => { got += c.toString('latin1') })
      s.on('close', () => resolve(got.slice(0, 12)))
      s.on('error', () => { /* reported as a missing answer */ })
    })))
    const statuses = new Map<string, number>()
    for (const a of answers) statuses.set(a, (statuses.get(a) ?? 0) + 1)
    assert.deepEqual([...statuses], [['HTTP/1.1 200', 1000]])
  })
})
