import { test } from 'node:test'
import assert from 'node:assert/strict'
import { connect } from 'node:net'
import type { App } from 'griddle'
import { kOnEnd } from '../../lib/symbols.js'
import type { Ended } from '../../lib/server/end.js'
import { raw, request, sleep, withApp } from '../helpers/http.js'

interface Seen {
  route: number, method: string, status: number, kind: string, bytes: number, elapsed: number, path: string | null,
  body: string | null, type: string | null, headers: string[] | null
}

/** Installs a listener that copies each record (the end point reuses one object). */
function listen(app: App): Seen[] {
  const seen: Seen[] = []
  ;(app as unknown as Record<symbol, (l: { onEnd(e: Ended): void }) => void>)[kOnEnd]!({
    onEnd(e) {
      seen.push({
        route: e.route, method: e.method, status: e.status, kind: e.kind, bytes: e.bytes,
        elapsed: performance.now() - e.start, path: e.req === null ? null : e.req.path,
        body: e.body === null ? null : typeof e.body === 'string' ? e.body : Buffer.from(e.body as Uint8Array).toString(),
        type: e.type, headers: e.headers === null ? null : [...e.headers],
      })
    },
  })
  return seen
}

/** Waits until `n` records arrived, then a little longer to catch a second, wrong one. */
async function settle(seen: Seen[], n: number): Promise<void> {
  for (let i = 0; i < 200 && seen.length < n; i++) await sleep(5)
  await sleep(30)
}

const pick = (s: Seen) => ({ route: s.route, method: s.method, status: s.status, kind: s.kind, bytes: s.bytes })

test('an answer from the handler, a HEAD and an error each end once, with route id, status and bytes', async () => {
  let seen: Seen[] = []
  await withApp((app) => {
    seen = listen(app)
    app.get('/ok', () => ({ ok: true }))
    app.get('/boom', () => { throw new Error('boom') })
    app.get('/h', (_req, reply) => { reply.code(201).header('x-a', '1'); return 'made' })
  }, async (port) => {
    assert.equal((await request(port, '/ok')).text, '{"ok":true}')
    await settle(seen, 1)
    assert.deepEqual(seen.map(pick), [{ route: 0, method: 'GET', status: 200, kind: 'miss', bytes: 11 }])
    assert.ok(seen[0]!.elapsed >= 0 && seen[0]!.path === '/ok')
    // What a ghost run compares: the primary's body, type and headers as handed to uWS.
    assert.equal(seen[0]!.body, '{"ok":true}')
    assert.equal(seen[0]!.type, 'application/json; charset=utf-8')
    seen.length = 0
    assert.equal((await request(port, '/ok', { method: 'HEAD' })).status, 200)
    assert.equal((await request(port, '/boom')).status, 500)
    assert.equal((await request(port, '/nothing')).status, 404)
    await settle(seen, 3)
    assert.deepEqual(seen.map(pick), [
      { route: 0, method: 'HEAD', status: 200, kind: 'miss', bytes: 0 },
      { route: 1, method: 'GET', status: 500, kind: 'error', bytes: seen[1]!.bytes },
      { route: -1, method: 'GET', status: 404, kind: 'error', bytes: seen[2]!.bytes },
    ])
    assert.ok(seen[1]!.bytes > 0 && seen[2]!.bytes > 0)
    assert.deepEqual(seen.map((s) => s.path), ['/ok', '/boom', null])
    seen.length = 0
    assert.equal((await request(port, '/h')).status, 201)
    await settle(seen, 1)
    assert.deepEqual(seen.map((s) => [s.route, s.status, s.kind, s.body, s.type, s.headers]),
      [[2, 201, 'miss', 'made', 'text/plain; charset=utf-8', ['x-a', '1']]])
  })
})

test('cache hits, 304s and HEAD hits end once each, though no handler runs', async () => {
  let seen: Seen[] = []
  await withApp((app) => {
    seen = listen(app)
    app.get('/c', { cache: { ttlMs: 60_000 } }, () => 'cached')
  }, async (port) => {
    const first = await request(port, '/c')
    const etag = first.headers.etag!
    assert.equal((await request(port, '/c')).text, 'cached')
    assert.equal((await request(port, '/c', { headers: { 'if-none-match': etag } })).status, 304)
    assert.equal((await request(port, '/c', { method: 'HEAD' })).status, 200)
    await settle(seen, 4)
    assert.deepEqual(seen.map(pick), [
      { route: 0, method: 'GET', status: 200, kind: 'miss', bytes: 6 },
      { route: 0, method: 'GET', status: 200, kind: 'hit', bytes: 6 },
      { route: 0, method: 'GET', status: 304, kind: 'hit', bytes: 0 },
      { route: 0, method: 'HEAD', status: 200, kind: 'hit', bytes: 0 },
    ])
    assert.deepEqual(seen.map((s) => s.body), ['cached', 'cached', null, null])
  })
})

test('a stale hit ends as stale, and its background refresh ends as refresh without writing to a socket', async () => {
  let seen: Seen[] = []
  let runs = 0
  await withApp((app) => {
    seen = listen(app)
    app.get('/s', { cache: { ttlMs: 50, staleWhileRevalidateMs: 60_000 } }, () => `v${++runs}`)
  }, async (port) => {
    assert.equal((await request(port, '/s')).text, 'v1')
    await sleep(250)
    assert.equal((await request(port, '/s')).text, 'v1')
    await settle(seen, 3)
    assert.deepEqual(seen.map(pick), [
      { route: 0, method: 'GET', status: 200, kind: 'miss', bytes: 2 },
      { route: 0, method: 'GET', status: 200, kind: 'stale', bytes: 2 },
      { route: 0, method: 'GET', status: 200, kind: 'refresh', bytes: 0 },
    ])
    assert.equal((await request(port, '/s')).text, 'v2')
  })
})

test('a shed request ends once as shed', async () => {
  let seen: Seen[] = []
  const release: Array<() => void> = []
  await withApp((app) => {
    seen = listen(app)
    app.get('/w', () => new Promise((resolve) => release.push(() => resolve('ok'))))
  }, async (port) => {
    const held = request(port, '/w')
    while (release.length < 1) await sleep(5)
    assert.equal((await request(port, '/w')).status, 503)
    await settle(seen, 1)
    assert.deepEqual(seen.map(pick), [{ route: 0, method: 'GET', status: 503, kind: 'shed', bytes: seen[0]!.bytes }])
    release[0]!()
    assert.equal((await held).status, 200)
    await settle(seen, 2)
    assert.deepEqual(seen.map((s) => s.kind), ['shed', 'miss'])
  }, { admission: { maxInFlight: 1, maxEventLoopDelayMs: 0, maxQueueDelayMs: 0 } })
})

test('a handler past its deadline ends once as timeout', async () => {
  let seen: Seen[] = []
  await withApp((app) => {
    seen = listen(app)
    app.onError(() => {})
    app.get('/hang', () => new Promise(() => {}))
  }, async (port) => {
    assert.equal((await request(port, '/hang')).status, 503)
    await settle(seen, 1)
    assert.deepEqual(seen.map((s) => [s.route, s.status, s.kind]), [[0, 503, 'timeout']])
  }, { requestTimeoutMs: 100 })
})

test('a client that goes away ends once as aborted, and its late answer does not end it again', async () => {
  let seen: Seen[] = []
  let finish: (() => void) | null = null
  await withApp((app) => {
    seen = listen(app)
    app.get('/slow', () => new Promise((resolve) => { finish = () => resolve('late') }))
  }, async (port) => {
    const socket = connect(port, '127.0.0.1')
    socket.on('error', () => {})
    socket.write('GET /slow HTTP/1.1\r\nHost: x\r\n\r\n')
    while (finish === null) await sleep(5)
    socket.destroy()
    await settle(seen, 1)
    finish!()
    await sleep(30)
    assert.deepEqual(seen.map(pick), [{ route: 0, method: 'GET', status: 0, kind: 'aborted', bytes: 0 }])
  })
})

test('a body that stops arriving ends once as timeout with 408', async () => {
  let seen: Seen[] = []
  await withApp((app) => {
    seen = listen(app)
    app.post('/up', () => 'never')
  }, async (port) => {
    const r = await raw(port, 'POST /up HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 10\r\n\r\nabc', 2000)
    assert.match(r.text, /^HTTP\/1\.1 408 /)
    await settle(seen, 1)
    assert.deepEqual(seen.map((s) => [s.route, s.status, s.kind]), [[0, 408, 'timeout']])
  }, { requestTimeoutMs: 100 })
})

test('a listener that throws is reported and the answer still goes out', async () => {
  const errors: unknown[] = []
  await withApp((app) => {
    ;(app as unknown as Record<symbol, (l: unknown) => void>)[kOnEnd]!({ onEnd() { throw new Error('listener broke') } })
    app.onError((err) => errors.push(err))
    app.get('/ok', () => 'ok')
  }, async (port) => {
    assert.equal((await request(port, '/ok')).text, 'ok')
    assert.equal((await request(port, '/ok')).text, 'ok')
    assert.equal(errors.length, 2)
    assert.match((errors[0] as Error).message, /listener broke/)
  })
})
