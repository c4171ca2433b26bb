import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createServer } from 'node:net'
import { createApp } from 'griddle'
import { registerDemo } from '../../demo/app.js'
import { ReadModel } from '../../demo/read-model.js'
import { raw, request, sleep } from '../helpers/http.js'

test('listen(0) picks a free port and close() stops serving; a second close() is harmless', async () => {
  const app = createApp()
  app.get('/ok', () => 'ok')
  const { port, host } = await app.listen(0)
  assert.equal(host, '127.0.0.1')
  assert.ok(port > 0)
  assert.deepEqual(app.addressOf(), { host, port })
  assert.equal((await request(port, '/ok')).text, 'ok')
  await app.close()
  await app.close()
  await assert.rejects(request(port, '/ok'), { code: 'ECONNREFUSED' })
  await assert.rejects(app.listen(0), { code: 'GRIDDLE_ERR_APP_STATE' })
})

test('listen on a busy port fails with a clear error, whether node or another griddle app holds it', async () => {
  const holder = createServer()
  await new Promise<void>((r) => holder.listen(0, '127.0.0.1', r))
  const busy = (holder.address() as { port: number }).port
  try {
    await assert.rejects(createApp().listen(busy), (err: Error & { code: string }) => {
      assert.equal(err.code, 'GRIDDLE_ERR_LISTEN')
      assert.match(err.message, /in use/)
      return true
    })
  } finally {
    holder.close()
  }
  const first = createApp()
  const { port } = await first.listen(0)
  try {
    await assert.rejects(createApp().listen(port), { code: 'GRIDDLE_ERR_LISTEN' })
    await assert.rejects(createApp({ reusePort: true }).listen(port), { code: 'GRIDDLE_ERR_LISTEN' })
  } finally {
    await first.close()
  }
})

function freePort(): Promise<number> {
  const probe = createServer()
  return new Promise((resolve) => probe.listen(0, '127.0.0.1', () => {
    const { port } = probe.address() as { port: number }
    probe.close(() => resolve(port))
  }))
}

// uSockets never sets SO_REUSEPORT on a port-0 listen, so sharing needs a named port.
test('apps that ask for reusePort share one named port', async () => {
  const a = createApp({ reusePort: true })
  a.get('/who', () => 'a')
  const b = createApp({ reusePort: true })
  b.get('/who', () => 'b')
  const port = await freePort()
  await a.listen(port)
  try {
    await b.listen(port)
    const seen = new Set<string>()
    for (let i = 0; i < 40 && seen.size < 2; i++) seen.add((await request(port, '/who')).text)
    assert.ok(seen.size >= 1)
  } finally {
    await Promise.all([a.close(), b.close()])
  }
})

test('close() lets in-flight requests finish within the grace period, then closes', async () => {
  const app = createApp({ closeGraceMs: 2000 })
  // close() starts once the handler runs, not after a fixed sleep (which a loaded machine can outlast).
  let running!: () => void
  const started = new Promise<void>((resolve) => { running = resolve })
  app.get('/slow', async () => { running(); await sleep(150); return 'done' })
  const { port } = await app.listen(0)
  const inflight = raw(port, 'GET /slow HTTP/1.1\r\nHost: x\r\n\r\n', 3000)
  await started
  const closing = app.close()
  const res = await inflight
  assert.match(res.text, /^HTTP\/1\.1 200 OK\r\n[^]*Connection: close\r\n[^]*\r\n\r\ndone$/)
  assert.equal(res.end, 'closed')
  await closing
  await assert.rejects(request(port, '/slow'), { code: 'ECONNREFUSED' })
})

test('close() gives up on requests that outlive the grace period without crashing', async () => {
  const app = createApp({ closeGraceMs: 50 })
  app.get('/never', () => new Promise(() => {}))
  const { port } = await app.listen(0)
  const inflight = request(port, '/never').then(() => 'answered', (err: Error & { code: string }) => err.code)
  await sleep(30)
  await app.close()
  assert.match(await inflight, /ECONNRESET|socket hang up|answered/)
})

test('the demo app serves users, friends and health with its schemas', async () => {
  const app = registerDemo(createApp(), new ReadModel(1000))
  const { port } = await app.listen(0)
  try {
    assert.deepEqual((await request(port, '/health')).json(), { status: 'ok', users: 1000 })
    const user = await request(port, '/users/42')
    assert.equal(user.status, 200)
    assert.equal(user.text, JSON.stringify(new ReadModel(1000).user(42)))
    const friends = await request(port, '/users/42/friends?limit=3')
    assert.equal((friends.json() as unknown[]).length, 3)
    assert.equal((await request(port, '/users/1001')).status, 404)
    assert.equal((await request(port, '/users/x')).status, 400)
    assert.equal((await request(port, '/users/1/friends?limit=99')).status, 400)
  } finally {
    await app.close()
  }
})
