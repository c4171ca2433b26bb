// req.headers is copied from uWS's request on first read, or once after the
// handler returned without answering (lib/server/request.ts): every way a
// handler can read it later must see the headers the client sent.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { Request } from 'griddle'
import { raw, request, sleep, withApp } from '../helpers/http.js'

const sent = { 'x-a': '1', 'x-b': 'two', cookie: 'k=v' }

function picked(req: Request): Record<string, string | undefined> {
  return { a: req.headers['x-a'], b: req.headers['x-b'], cookie: req.headers.cookie, host: req.headers.host === undefined ? undefined : 'set' }
}
const expected = { a: '1', b: 'two', cookie: 'k=v', host: 'set' }

test('req.headers is the same object on every read, read during the handler, after await, or only after await', async () => {
  const objects: Array<[unknown, unknown]> = []
  await withApp((app) => {
    app.get('/sync', (req) => {
      const first = req.headers
      objects.push([first, req.headers])
      return picked(req)
    })
    app.get('/before-and-after', async (req) => {
      const first = req.headers
      await sleep(5)
      objects.push([first, req.headers])
      return picked(req)
    })
    // Never read before the callback returned: copied once when run() came back unanswered.
    app.get('/only-after', async (req) => {
      await sleep(5)
      const first = req.headers
      await sleep(1)
      objects.push([first, req.headers])
      return picked(req)
    })
    app.get('/in-a-timer', (req) => new Promise((resolve) => setTimeout(() => resolve(picked(req)), 5)))
  }, async (port) => {
    for (const path of ['/sync', '/before-and-after', '/only-after', '/in-a-timer']) {
      const res = await request(port, path, { headers: sent })
      assert.equal(res.status, 200, path)
      assert.deepEqual(res.json(), expected, path)
    }
  })
  assert.equal(objects.length, 3)
  for (const [a, b] of objects) assert.equal(a, b)
})

test('repeated headers are joined, cookies with "; ", the rest with ", "; names are lower case and the object has no prototype', async () => {
  await withApp((app) => {
    app.get('/h', async (req) => {
      await sleep(1)
      return { x: req.headers['x-rep'], cookie: req.headers.cookie, proto: Object.getPrototypeOf(Object.getPrototypeOf(req.headers)) === null && !('toString' in req.headers) }
    })
  }, async (port) => {
    const { text: res } = await raw(port, 'GET /h HTTP/1.1\r\nHost: x\r\nX-Rep: a\r\nCookie: c=1\r\nx-rep: b\r\ncookie: d=2\r\nConnection: close\r\n\r\n')
    const body = JSON.parse(res.slice(res.indexOf('\r\n\r\n') + 4)) as unknown
    assert.deepEqual(body, { x: 'a, b', cookie: 'c=1; d=2', proto: true })
  })
})

test('a body route, a cached route and a thrown error still see the headers', async () => {
  const reported: Array<string | undefined> = []
  await withApp((app) => {
    app.post('/body', (req) => ({ ...picked(req), body: req.body }))
    app.get('/cached/:id', { cache: { ttlMs: 60_000 } }, async (req) => {
      await sleep(1)
      return picked(req)
    })
    app.get('/throws', async (req) => {
      await sleep(1)
      throw Object.assign(new Error('expected'), { header: req.headers['x-a'] })
    })
    app.onError((err) => { reported.push((err as { header?: string }).header) })
  }, async (port) => {
    const body = await request(port, '/body', { method: 'POST', headers: { ...sent, 'content-type': 'application/json' }, body: '{"v":1}' })
    assert.deepEqual(body.json(), { ...expected, body: { v: 1 } })
    const cached = await request(port, '/cached/1', { headers: sent })
    assert.deepEqual(cached.json(), expected)
    const failed = await request(port, '/throws', { headers: sent })
    assert.equal(failed.status, 500)
    assert.deepEqual(reported, ['1'])
  })
})

test('req.headers first read after a synchronous answer is empty, with one GRIDDLE_W_HEADERS_LATE warning', async () => {
  const warnings: string[] = []
  const onWarning = (w: Error & { code?: string }): void => { if (w.code !== undefined) warnings.push(w.code) }
  process.on('warning', onWarning)
  const late: Array<Record<string, string>> = []
  try {
    await withApp((app) => {
      app.get('/late', (req) => {
        setTimeout(() => late.push({ ...req.headers }), 1)
        return 'ok'
      })
    }, async (port) => {
      for (let i = 0; i < 2; i++) assert.equal((await request(port, '/late', { headers: sent })).text, 'ok')
      for (let i = 0; i < 100 && (late.length < 2 || warnings.length === 0); i++) await sleep(5)
    })
  } finally {
    process.off('warning', onWarning)
  }
  assert.deepEqual(late, [{}, {}])
  assert.deepEqual(warnings.filter((c) => c === 'GRIDDLE_W_HEADERS_LATE'), ['GRIDDLE_W_HEADERS_LATE'])
})
