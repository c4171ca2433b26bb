import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Agent, request as httpRequest } from 'node:http'
import { createApp } from 'griddle'
import { raw, request, withApp } from '../helpers/http.js'

test('a GET route answers JSON with its params, query, url and headers copied into req', async () => {
  await withApp((app) => {
    app.get('/users/:id/posts/:post', async (req) => {
      await new Promise((r) => setImmediate(r))
      // Still valid after await: req is griddle's own object.
      return { method: req.method, url: req.url, path: req.path, params: req.params, query: req.query, agent: req.headers['x-agent'], body: req.body ?? null }
    })
  }, async (port) => {
    const res = await request(port, '/users/7/posts/caf%C3%A9?a=1&b=x%20y&a=2', { headers: { 'X-Agent': 'test' } })
    assert.equal(res.status, 200)
    assert.equal(res.headers['content-type'], 'application/json; charset=utf-8')
    assert.deepEqual(res.json(), {
      method: 'GET', url: '/users/7/posts/caf%C3%A9?a=1&b=x%20y&a=2', path: '/users/7/posts/caf%C3%A9',
      params: { id: '7', post: 'café' }, query: { a: ['1', '2'], b: 'x y' }, agent: 'test', body: null,
    })
  })
})

test('an unknown path answers 404 JSON and a known path with another method answers 405 with Allow', async () => {
  await withApp((app) => {
    app.get('/items/:id', () => 'item')
    app.delete('/items/:id', () => 'gone')
  }, async (port) => {
    const missing = await request(port, '/nothing/here')
    assert.equal(missing.status, 404)
    assert.equal((missing.json() as { code: string }).code, 'GRIDDLE_ERR_NOT_FOUND')
    const wrong = await request(port, '/items/3', { method: 'PUT', body: '{}' })
    assert.equal(wrong.status, 405)
    assert.equal(wrong.headers.allow, 'GET, DELETE, HEAD')
    assert.equal((wrong.json() as { code: string }).code, 'GRIDDLE_ERR_METHOD_NOT_ALLOWED')
    assert.equal((await request(port, '/items/3', { method: 'DELETE' })).text, 'gone')
  })
})

test('HEAD works for every GET route: same status and length, no body', async () => {
  await withApp((app) => {
    app.get('/page', () => ({ hello: 'wörld' }))
    app.head('/explicit', (req, reply) => { reply.header('x-head', 'own') })
  }, async (port) => {
    const get = await request(port, '/page')
    const head = await request(port, '/page', { method: 'HEAD' })
    assert.equal(head.status, 200)
    assert.equal(head.text, '')
    assert.equal(head.headers['content-length'], String(get.bytes.length))
    assert.equal(head.headers['content-type'], get.headers['content-type'])
    assert.equal((await request(port, '/explicit', { method: 'HEAD' })).headers['x-head'], 'own')
    assert.equal((await request(port, '/nope', { method: 'HEAD' })).status, 404)
  })
})

test('string bodies arrive as UTF-8 with their byte length, short, at the encoding buffer\'s edge, past it, and one after another', async () => {
  const edge = '\u{1F600}'.repeat(32768) // 65,536 UTF-16 units, 131,072 bytes: the largest body encoded in the reused buffer
  const long = 'é'.repeat(70000) // past it: encoded by uWS or Buffer.from
  await withApp((app) => {
    app.get('/s/:n', (req) => `${req.params.n}:${'ü'.repeat(Number(req.params.n))}`)
    app.get('/edge', () => edge)
    app.get('/long', () => long)
  }, async (port) => {
    const e = await request(port, '/edge')
    assert.equal(e.headers['content-length'], '131072')
    assert.equal(e.text, edge)
    const l = await request(port, '/long')
    assert.equal(l.headers['content-length'], '140000')
    assert.equal(l.text, long)
    // Pipelined on one connection: each answer is its own bytes, not what the buffer held before.
    const res = await raw(port, ['3', '1', '2'].map((n) => `GET /s/${n} HTTP/1.1\r\nHost: x\r\n\r\n`).join(''), 300)
    const text = Buffer.from(res.text, 'latin1').toString('utf8')
    const bodies = text.split('\r\n\r\n').slice(1).map((b) => b.split('HTTP/1.1')[0])
    assert.deepEqual(bodies, ['3:üüü', '1:ü', '2:üü'])
    assert.deepEqual([...text.matchAll(/content-length: (\d+)\r\n/gi)].map((m) => m[1]), ['8', '4', '6'])
  })
})

test('strings are text, bytes are bytes, undefined is an empty body', async () => {
  await withApp((app) => {
    app.get('/text', () => 'héllo')
    app.get('/bytes', () => new Uint8Array([0, 1, 2, 255]))
    app.get('/buffer', () => Buffer.from('buf'))
    app.get('/nothing', () => undefined)
    app.get('/null', () => null)
  }, async (port) => {
    const text = await request(port, '/text')
    assert.equal(text.headers['content-type'], 'text/plain; charset=utf-8')
    assert.equal(text.text, 'héllo')
    const bytes = await request(port, '/bytes')
    assert.equal(bytes.headers['content-type'], 'application/octet-stream')
    assert.deepEqual([...bytes.bytes], [0, 1, 2, 255])
    assert.equal((await request(port, '/buffer')).text, 'buf')
    const nothing = await request(port, '/nothing')
    assert.equal(nothing.status, 200)
    assert.equal(nothing.text, '')
    assert.equal(nothing.headers['content-type'], undefined)
    assert.equal((await request(port, '/null')).text, 'null')
  })
})

test('reply sets status, headers and content type in a chain', async () => {
  await withApp((app) => {
    app.post('/things', (req, reply) => {
      reply.code(201).header('Location', '/things/1').header('x-count', 3).type('application/vnd.thing+json')
      assert.equal(reply.getHeader('location'), '/things/1')
      return { id: 1 }
    })
    app.get('/bad-header', (req, reply) => { reply.header('x-bad', 'a\r\nInjected: yes') })
    app.get('/bad-status', (req, reply) => { reply.code(1000) })
  }, async (port) => {
    const res = await request(port, '/things', { method: 'POST' })
    assert.equal(res.status, 201)
    assert.equal(res.headers.location, '/things/1')
    assert.equal(res.headers['x-count'], '3')
    assert.equal(res.headers['content-type'], 'application/vnd.thing+json')
    assert.equal(res.text, '{"id":1}')
    const bad = await request(port, '/bad-header')
    assert.equal(bad.status, 500)
    assert.equal(bad.headers.injected, undefined)
    assert.equal((await request(port, '/bad-status')).status, 500)
  }, { })
})

test('the unit key comes from the configured header, else the cookie', async () => {
  await withApp((app) => {
    app.get('/unit', (req) => req.unit)
  }, async (port) => {
    assert.equal((await request(port, '/unit', { headers: { 'x-user': 'u-1' } })).text, 'u-1')
    assert.equal((await request(port, '/unit', { headers: { cookie: 'a=b; uid=u%202; c=d' } })).text, 'u 2')
    assert.equal((await request(port, '/unit', { headers: { 'x-user': 'h', cookie: 'uid=c' } })).text, 'h')
    assert.equal((await request(port, '/unit')).text, '')
  }, { unitKey: { header: 'X-User', cookie: 'uid' } })
})

test('app.route registers several methods; routes cannot be added after listen', async () => {
  const app = createApp()
  app.route({ method: ['GET', 'POST'], path: '/both', handler: (req) => req.method })
  const { port } = await app.listen(0)
  try {
    assert.equal((await request(port, '/both')).text, 'GET')
    assert.equal((await request(port, '/both', { method: 'POST' })).text, 'POST')
    assert.throws(() => app.get('/late', () => 1), { code: 'GRIDDLE_ERR_APP_STATE' })
  } finally {
    await app.close()
  }
})

test('invalid options and routes are refused with coded errors', () => {
  assert.throws(() => createApp({ bodyLimit: -1 }), { code: 'GRIDDLE_ERR_INVALID_OPTION' })
  assert.throws(() => createApp({ unitKey: { header: '' } }), { code: 'GRIDDLE_ERR_INVALID_OPTION' })
  const app = createApp()
  assert.throws(() => app.get('no-slash', () => 1), { code: 'GRIDDLE_ERR_ROUTE_PATTERN' })
  app.get('/a', () => 1)
  assert.throws(() => app.get('/a', () => 1), { code: 'GRIDDLE_ERR_ROUTE_CONFLICT' })
  assert.throws(() => app.get('/s', { schema: { response: { 200: { type: 'nope' } } } }, () => 1), { code: 'GRIDDLE_ERR_SCHEMA' })
  assert.throws(() => app.get('/t', { schema: { params: { type: 'nope' } } }, () => 1), { code: 'GRIDDLE_ERR_SCHEMA' })
  assert.throws(() => app.get('/u', { schema: { response: { ok: {} } } }, () => 1), { code: 'GRIDDLE_ERR_SCHEMA' })
})

test('a keep-alive connection carries HEAD, GET, async and error answers in turn', async () => {
  await withApp((app) => {
    app.get('/sync', () => ({ a: 1 }))
    app.get('/async', async () => { await new Promise((r) => setTimeout(r, 5)); return 'later' })
  }, async (port) => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 })
    const sockets = new Set<unknown>()
    agent.on('free', (socket) => sockets.add(socket))
    try {
      const seen: Array<[number, string]> = []
      for (const [method, path] of [['HEAD', '/async'], ['GET', '/sync'], ['HEAD', '/sync'], ['GET', '/async'], ['GET', '/missing'], ['HEAD', '/missing'], ['GET', '/sync']]) {
        const res = await new Promise<[number, string]>((resolve, reject) => {
          httpRequest({ host: '127.0.0.1', port, method, path, agent }, (r) => {
            let text = ''
            r.on('data', (c) => { text += c })
            r.on('end', () => resolve([r.statusCode!, text]))
          }).on('error', reject).end()
        })
        seen.push(res)
      }
      assert.deepEqual(seen, [[200, ''], [200, '{"a":1}'], [200, ''], [200, 'later'], [404, seen[4]![1]], [404, ''], [200, '{"a":1}']])
      assert.equal(sockets.size, 1, 'every request used the same connection')
    } finally {
      agent.destroy()
    }
  })
})

test('pipelined requests after a synchronous answer are answered in order', async () => {
  await withApp((app) => { app.get('/sync', () => ({ a: 1 })) }, async (port) => {
    const lines = ['HEAD /sync', 'GET /sync', 'GET /missing', 'GET /sync'].map((l) => `${l} HTTP/1.1\r\nHost: x\r\n\r\n`).join('')
    const res = await raw(port, lines, 500)
    assert.deepEqual([...res.text.matchAll(/HTTP\/1\.1 (\d{3})/g)].map((m) => m[1]), ['200', '200', '404', '200'])
    assert.equal(res.text.split('{"a":1}').length - 1, 2)
  })
})

test('204 and 304 answers carry no body, whatever the handler returned', async () => {
  await withApp((app) => {
    app.delete('/things/:id', (req, reply) => { reply.code(204); return { ignored: true } })
    app.get('/cached', (req, reply) => { reply.code(304).header('etag', '"v1"'); return 'ignored' })
    app.get('/after', () => 'after')
  }, async (port) => {
    const lines = ['DELETE /things/1', 'GET /cached', 'GET /after'].map((l) => `${l} HTTP/1.1\r\nHost: x\r\n\r\n`).join('')
    const res = await raw(port, lines, 500)
    assert.deepEqual([...res.text.matchAll(/HTTP\/1\.1 (\d{3})/g)].map((m) => m[1]), ['204', '304', '200'])
    assert.doesNotMatch(res.text, /ignored/)
    assert.match(res.text, /etag: "v1"/)
    assert.match(res.text, /after$/)
  })
})
