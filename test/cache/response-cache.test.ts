import { test } from 'node:test'
import assert from 'node:assert/strict'
import { gunzipSync, brotliDecompressSync } from 'node:zlib'
import { request, sleep, withApp } from '../helpers/http.js'

test('a cached route runs its handler once; later requests are hits with the same body and an ETag', async () => {
  let calls = 0
  await withApp((app) => {
    app.get('/users/:id', { cache: { ttlMs: 60_000, cacheControl: 'public, max-age=60' } }, (req) => {
      calls++
      return { id: Number(req.params.id), name: 'Ada "quoted" \u2028 é' }
    })
  }, async (port) => {
    const first = await request(port, '/users/1')
    const second = await request(port, '/users/1')
    assert.equal(calls, 1)
    // The answer that filled the entry already carries the ETag its hits send.
    assert.equal(first.headers.etag, second.headers.etag)
    assert.equal(second.status, 200)
    assert.equal(second.text, first.text)
    assert.deepEqual(second.json(), { id: 1, name: 'Ada "quoted" \u2028 é' })
    assert.equal(second.headers['content-type'], 'application/json; charset=utf-8')
    assert.match(String(second.headers.etag), /^"[0-9a-f]{16}"$/)
    assert.equal(second.headers['cache-control'], 'public, max-age=60')
    // Too small to compress: no variants, so the answer does not vary.
    assert.equal(second.headers.vary, undefined)
    await request(port, '/users/2')
    assert.equal(calls, 2)
  })
})

test('the default key covers the query in any order, and HEAD is served from the GET entry', async () => {
  let calls = 0
  await withApp((app) => {
    app.get('/search', { cache: { ttlMs: 60_000 } }, (req) => { calls++; return req.query })
  }, async (port) => {
    const a = await request(port, '/search?b=2&a=1')
    const b = await request(port, '/search?a=1&b=2')
    assert.deepEqual(b.json(), a.json())
    assert.equal(calls, 1)
    await request(port, '/search?a=1&b=3')
    assert.equal(calls, 2)
    const head = await request(port, '/search?a=1&b=2', { method: 'HEAD' })
    assert.equal(head.status, 200)
    assert.equal(head.text, '')
    assert.equal(Number(head.headers['content-length']), a.bytes.length)
    assert.equal(calls, 2)
  })
})

test('If-None-Match with the current ETag gets 304 without a body', async () => {
  await withApp((app) => {
    app.get('/thing', { cache: { ttlMs: 60_000 } }, () => ({ ok: true }))
  }, async (port) => {
    await request(port, '/thing')
    const hit = await request(port, '/thing')
    const etag = String(hit.headers.etag)
    const again = await request(port, '/thing', { headers: { 'if-none-match': etag } })
    assert.equal(again.status, 304)
    assert.equal(again.text, '')
    assert.equal(again.headers.etag, etag)
    const other = await request(port, '/thing', { headers: { 'if-none-match': '"0000000000000000"' } })
    assert.equal(other.status, 200)
  })
})

test('large responses are stored gzip and brotli compressed and served by Accept-Encoding', async () => {
  const big = { rows: Array.from({ length: 200 }, (_, i) => ({ i, text: `row number ${i}` })) }
  await withApp((app) => {
    app.get('/big', { cache: { ttlMs: 60_000 } }, () => big)
  }, async (port) => {
    const plain = await request(port, '/big')
    assert.equal(plain.headers.vary, 'accept-encoding')
    const br = await request(port, '/big', { headers: { 'accept-encoding': 'gzip, deflate, br' } })
    assert.equal(br.headers['content-encoding'], 'br')
    assert.equal(br.headers.vary, 'accept-encoding')
    assert.equal(brotliDecompressSync(br.bytes).toString(), plain.text)
    const gz = await request(port, '/big', { headers: { 'accept-encoding': 'gzip' } })
    assert.equal(gz.headers['content-encoding'], 'gzip')
    assert.equal(gunzipSync(gz.bytes).toString(), plain.text)
    assert.ok(gz.bytes.length < plain.bytes.length / 2)
    for (const garbage of ['br;q=0, gzip;q=0', '\u00ff\u00fe', ';;;,,,', 'identity', 'x'.repeat(4000)]) {
      const r = await request(port, '/big', { headers: { 'accept-encoding': garbage } })
      assert.equal(r.headers['content-encoding'], undefined, garbage.slice(0, 20))
      assert.equal(r.text, plain.text)
    }
  })
})

test('concurrent misses for one key run the handler once (single flight)', async () => {
  let calls = 0
  await withApp((app) => {
    app.get('/slow/:id', { cache: { ttlMs: 60_000 } }, async (req) => {
      calls++
      await sleep(100)
      return { id: req.params.id }
    })
  }, async (port) => {
    const all = await Promise.all(Array.from({ length: 20 }, () => request(port, '/slow/7')))
    assert.equal(calls, 1)
    for (const r of all) assert.deepEqual(r.json(), { id: '7' })
    await Promise.all([request(port, '/slow/8'), request(port, '/slow/9')])
    assert.equal(calls, 3)
  })
})

test('errors and non-2xx answers are never cached', async () => {
  let calls = 0
  await withApp((app) => {
    app.get('/flaky/:n', { cache: { ttlMs: 60_000 } }, (req, reply) => {
      calls++
      if (req.params.n === 'boom') throw Object.assign(new Error('nope'), { statusCode: 503 })
      reply.code(404)
      return { missing: true }
    })
    app.onError(() => {})
  }, async (port) => {
    assert.equal((await request(port, '/flaky/boom')).status, 503)
    assert.equal((await request(port, '/flaky/boom')).status, 503)
    assert.equal((await request(port, '/flaky/x')).status, 404)
    assert.equal((await request(port, '/flaky/x')).status, 404)
    assert.equal(calls, 4)
  })
})

test('stale-while-revalidate serves the stale entry while one refresh runs; a failing refresh keeps it', async () => {
  // Refreshes wait at a gate the test opens one at a time, so no refresh can
  // finish unseen however slow the machine is (a refreshed entry goes stale
  // again after ttlMs, and the next request starts another refresh).
  let version = 0
  let calls = 0
  let failing = false
  let failures = 0
  let gated = false
  const waiting: Array<() => void> = []
  const waitFor = async (what: string, done: () => boolean): Promise<void> => {
    for (let i = 0; i < 200 && !done(); i++) await sleep(10)
    assert.ok(done(), what)
  }
  await withApp((app) => {
    app.get('/v', { cache: { ttlMs: 100, staleWhileRevalidateMs: 60_000 } }, async () => {
      calls++
      if (gated) await new Promise<void>((r) => waiting.push(r))
      if (failing) { failures++; throw new Error('backend down') }
      return { version: ++version }
    })
    app.onError(() => {})
  }, async (port) => {
    try {
      assert.deepEqual((await request(port, '/v')).json(), { version: 1 })
      gated = true
      await sleep(250)
      // Stale: answered at once with version 1 while one refresh waits at the gate.
      for (let i = 0; i < 3; i++) assert.deepEqual((await request(port, '/v')).json(), { version: 1 })
      await waitFor('the refresh started', () => waiting.length === 1)
      assert.equal(calls, 2, 'one refresh for three stale hits')
      waiting.shift()!()
      let seen = 1
      for (let i = 0; i < 100 && seen === 1; i++) {
        await sleep(10)
        seen = ((await request(port, '/v')).json() as { version: number }).version
      }
      assert.equal(seen, 2)
      assert.equal(version, 2)
      // The backend goes down: refreshes throw, and the last good entry is served.
      failing = true
      for (const release of waiting.splice(0)) release()
      await sleep(250)
      assert.deepEqual((await request(port, '/v')).json(), { version: 2 })
      await waitFor('the failing refresh started', () => waiting.length === 1)
      const before = failures
      waiting.shift()!()
      await waitFor('the refresh failed', () => failures === before + 1)
      assert.deepEqual((await request(port, '/v')).json(), { version: 2 })
      assert.equal(version, 2)
    } finally {
      gated = false
      for (const release of waiting.splice(0)) release()
    }
  })
})

test('app.cache deletes by URL or custom key, invalidates by tag, and reports stats', async () => {
  let calls = 0
  await withApp((app) => {
    app.get('/users/:id', { cache: { ttlMs: 60_000, tags: (req) => [`user:${String(req.params.id)}`] } }, (req) => { calls++; return { id: req.params.id } })
    app.get('/me', { cache: { ttlMs: 60_000, key: (req) => `me:${req.headers['x-user'] ?? ''}` } }, (req) => { calls++; return { me: req.headers['x-user'] } })
  }, async (port, app) => {
    await request(port, '/users/1')
    await request(port, '/users/2')
    assert.equal(app.cache.delete('/users/1'), true)
    assert.equal(app.cache.delete('/users/1'), false)
    await request(port, '/users/1')
    assert.equal(calls, 3)
    assert.equal(app.cache.invalidateTag('user:2'), 1)
    await request(port, '/users/2')
    assert.equal(calls, 4)
    const alice = await request(port, '/me', { headers: { 'x-user': 'alice' } })
    const bob = await request(port, '/me', { headers: { 'x-user': 'bob' } })
    assert.deepEqual([alice.json(), bob.json()], [{ me: 'alice' }, { me: 'bob' }])
    assert.deepEqual((await request(port, '/me', { headers: { 'x-user': 'alice' } })).json(), { me: 'alice' })
    assert.equal(calls, 6)
    assert.equal(app.cache.delete('me:alice'), true)
    const stats = app.cache.stats()
    assert.ok(stats.hits >= 1 && stats.entries >= 2, JSON.stringify(stats))
  })
})

test('headers cannot poison the default key, and enormous keys are refused without harm', async () => {
  let calls = 0
  await withApp((app) => {
    app.get('/p/:x', { cache: { ttlMs: 60_000 } }, (req) => { calls++; return { x: req.params.x, host: req.headers.host ?? null } })
    app.get('/k', { cache: { ttlMs: 60_000, key: (req) => String(req.query.k) } }, (req) => { calls++; return { k: String(req.query.k).length } })
  }, async (port) => {
    const a = await request(port, '/p/1', { headers: { 'x-forwarded-host': 'evil.example', 'x-original-url': '/p/2' } })
    const b = await request(port, '/p/1')
    assert.equal(b.text, a.text)
    assert.equal(calls, 1)
    const huge = 'k'.repeat(7000)
    const r = await request(port, `/k?k=${huge}`)
    assert.equal(r.status, 200)
    assert.deepEqual(r.json(), { k: 7000 })
    assert.equal((await request(port, '/p/3')).status, 200)
  }, { cache: { maxBytes: 1 << 16, maxEntryBytes: 4096 } })
})

test('apps sharing a named store answer a hit with the content type stored with it', async () => {
  const name = `shared-${process.pid}-${Date.now()}`
  await withApp((a) => {
    a.get('/t', { cache: { ttlMs: 60_000 } }, (req, reply) => { reply.type('text/csv; charset=utf-8'); return 'a,b\n1,2\n' })
  }, async (portA) => {
    assert.equal((await request(portA, '/t')).headers['content-type'], 'text/csv; charset=utf-8')
    await withApp((b) => {
      b.get('/t', { cache: { ttlMs: 60_000 } }, () => ({ never: 'runs' }))
    }, async (portB) => {
      const hit = await request(portB, '/t')
      assert.equal(hit.text, 'a,b\n1,2\n')
      assert.equal(hit.headers['content-type'], 'text/csv; charset=utf-8')
    }, { cache: { name } })
  }, { cache: { name } })
})

test('when the client filling a cache entry goes away, the requests waiting for it are still answered', async () => {
  const { connect } = await import('node:net')
  let calls = 0
  await withApp((app) => {
    app.get('/slow', { cache: { ttlMs: 60_000 } }, async () => {
      calls++
      await sleep(150)
      return { n: calls }
    })
  }, async (port) => {
    const leader = connect(port, '127.0.0.1')
    await new Promise<void>((r) => leader.once('connect', () => r()))
    leader.write('GET /slow HTTP/1.1\r\nHost: x\r\n\r\n')
    while (calls === 0) await sleep(5)
    const waiter = request(port, '/slow')
    await sleep(20)
    leader.destroy()
    const res = await waiter
    assert.equal(res.status, 200)
    assert.ok(calls >= 1 && calls <= 2, `handler ran ${calls} times`)
  }, { requestTimeoutMs: 5000 })
})

test('cache options are checked when the route is added, and only read routes may cache', async () => {
  const { createApp } = await import('griddle')
  const app = createApp()
  const bad: unknown[] = [{}, { ttlMs: 0 }, { ttlMs: -5 }, { ttlMs: 1.5 }, { ttlMs: 10, key: 'x' }, { ttlMs: 10, tags: [] },
    { ttlMs: 10, cacheControl: 'a\r\nb' }, { ttlMs: 10, statuses: [500] }, { ttlMs: 10, staleWhileRevalidateMs: -1 }, 'yes']
  for (const cache of bad) {
    assert.throws(() => app.get('/c', { cache: cache as never }, () => 1), { code: 'GRIDDLE_ERR_INVALID_OPTION' }, JSON.stringify(cache))
  }
  assert.throws(() => app.post('/p', { cache: { ttlMs: 1000 } }, () => 1), { code: 'GRIDDLE_ERR_INVALID_OPTION' })
  assert.throws(() => createApp({ cache: { maxBytes: -1 } }), { code: 'GRIDDLE_ERR_INVALID_OPTION' })
  assert.throws(() => createApp({ cache: { name: '' } }), { code: 'GRIDDLE_ERR_INVALID_OPTION' })
})
