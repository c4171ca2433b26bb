import { test } from 'node:test'
import assert from 'node:assert/strict'
import { connect, type Socket } from 'node:net'
import { createApp, type App } from 'griddle'
import { request, sleep, withApp } from '../helpers/http.js'

type Series = ReturnType<App['stats']['snapshot']>['series'][number]

function find(app: App, route: string | null, method: string, status: number): Series | undefined {
  return app.stats.snapshot().series.find((s) => s.route === route && s.method === method && s.status === status)
}

test('app.stats counts every answer by route, method and status, with hits, misses and bytes', async () => {
  await withApp((app) => {
    app.get('/users/:id', (req) => ({ id: req.params.id }))
    app.get('/cached/:id', { cache: { ttlMs: 60_000 } }, (req) => ({ id: req.params.id }))
    app.get('/boom', () => { throw Object.assign(new Error('nope'), { statusCode: 418 }) })
  }, async (port, app) => {
    for (let i = 0; i < 7; i++) assert.equal((await request(port, `/users/${i}`)).status, 200)
    for (let i = 0; i < 5; i++) assert.equal((await request(port, '/cached/1')).status, 200)
    assert.equal((await request(port, '/cached/1', { method: 'HEAD' })).status, 200)
    assert.equal((await request(port, '/boom')).status, 418)
    assert.equal((await request(port, '/nowhere')).status, 404)
    const users = find(app, '/users/:id', 'GET', 200)!
    assert.equal(users.requests, 7)
    assert.equal(users.bytes, 7 * '{"id":"0"}'.length)
    assert.equal(users.hits + users.misses, 0)
    const cached = find(app, '/cached/:id', 'GET', 200)!
    assert.deepEqual([cached.requests, cached.misses, cached.hits], [5, 1, 4])
    assert.equal(find(app, '/cached/:id', 'HEAD', 200)!.hits, 1)
    assert.equal(find(app, '/boom', 'GET', 418)!.requests, 1)
    assert.equal(find(app, null, 'GET', 404)!.requests, 1)
    const p99 = app.stats.percentile('/users/:id', 'stable', 0.99)!
    assert.ok(p99 > 0 && p99 >= app.stats.percentile('/users/:id', 'stable', 0.5)!)
    assert.ok(users.latencyMs.max >= users.latencyMs.p50 && users.latencyMs.p50 > 0)
    assert.equal(app.stats.percentile('/never/added', 'stable', 0.5), null)
    assert.equal(app.stats.percentile('/users/:id', 'no-such-arm', 0.5), null)
    assert.throws(() => app.stats.percentile('/users/:id', 'stable', 1.5), { code: 'GRIDDLE_ERR_INVALID_ARG' })
  })
})

test('shed requests are counted as shed', async () => {
  const release: Array<() => void> = []
  await withApp((app) => {
    app.get('/slow', () => new Promise((resolve) => release.push(() => resolve({ ok: true }))))
  }, async (port, app) => {
    const held = request(port, '/slow')
    while (release.length < 1) await sleep(5)
    assert.equal((await request(port, '/slow')).status, 503)
    release[0]!()
    assert.equal((await held).status, 200)
    assert.equal(find(app, '/slow', 'GET', 503)!.shed, 1)
    assert.equal(find(app, '/slow', 'GET', 200)!.requests, 1)
  }, { admission: { maxInFlight: 1 } })
})

test('a client that goes away before its answer is counted with status 0', async () => {
  const release: Array<() => void> = []
  await withApp((app) => {
    app.get('/slow', () => new Promise((resolve) => release.push(() => resolve({ ok: true }))))
  }, async (port, app) => {
    const socket = connect(port, '127.0.0.1')
    socket.write('GET /slow HTTP/1.1\r\nHost: x\r\n\r\n')
    while (release.length < 1) await sleep(5)
    socket.destroy()
    for (let i = 0; i < 100 && find(app, '/slow', 'GET', 0) === undefined; i++) await sleep(10)
    assert.equal(find(app, '/slow', 'GET', 0)!.requests, 1)
    release[0]!()
  })
})

test('a snapshot carries the process figures: memory, threads with event-loop delay, cache', async () => {
  await withApp((app) => {
    app.get('/x', () => 'x')
  }, async (port, app) => {
    await request(port, '/x')
    const s = app.stats.snapshot()
    assert.ok(s.process.memory.rssBytes > 0 && s.process.memory.heapUsedBytes > 0)
    assert.equal(s.process.threads.length, 1)
    assert.ok(s.process.threads[0]!.heapUsedBytes > 0)
    assert.equal(typeof s.process.cache.entries, 'number')
    assert.equal(s.process.inFlight, 0)
    assert.equal(JSON.parse(JSON.stringify(s)).series.length, 1)
  })
})

function keepAlive(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1')
    s.once('error', reject)
    s.once('data', () => resolve(s))
    s.write('GET /ok HTTP/1.1\r\nHost: x\r\n\r\n')
  })
}

test('open connections are counted from real keep-alive sockets, per app and in Prometheus', async () => {
  const app = createApp({ metrics: { path: '/metrics' } })
  app.get('/ok', () => 'ok')
  const { port } = await app.listen(0)
  const sockets: Socket[] = []
  try {
    for (let i = 0; i < 3; i++) sockets.push(await keepAlive(port))
    const snap = app.stats.snapshot()
    assert.equal(snap.process.openConnections, 3)
    assert.equal(snap.process.threads.reduce((n, t) => n + t.openConnections, 0), 3)
    // The scrape's own connection is the fourth.
    const text = (await request(port, '/metrics')).text
    assert.match(text, /^griddle_active_connections\{thread_id="\d+"\} 4$/m)
    for (const s of sockets.splice(0, 2)) s.destroy()
    let open = -1
    for (let i = 0; i < 100 && open !== 1; i++) {
      open = app.stats.snapshot().process.openConnections
      if (open !== 1) await sleep(10)
    }
    assert.equal(open, 1)
  } finally {
    for (const s of sockets) s.destroy()
    await app.close()
  }
})
