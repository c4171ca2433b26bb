import { test } from 'node:test'
import assert from 'node:assert/strict'
import { gunzipSync } from 'node:zlib'
import { request, sleep, withApp } from '../helpers/http.js'

const big = { rows: Array.from({ length: 200 }, (_, i) => ({ i, text: `row number ${i}` })) }

// Regression (issue 9, defect 4): the gzip entry was stored before the
// variant bits were known, so its hits and 304s went out without Vary and a
// shared cache in front could serve gzip to a client that cannot decode it.
test('every answer of a route with compressed variants carries Vary: hit, miss, 304 and HEAD, in every encoding', async () => {
  await withApp((app) => {
    app.get('/big', { cache: { ttlMs: 60_000 } }, () => big)
  }, async (port) => {
    const miss = await request(port, '/big', { headers: { 'accept-encoding': 'gzip' } })
    assert.equal(miss.headers.vary, 'accept-encoding')
    for (const accept of ['gzip', 'br', 'identity', 'gzip, br']) {
      const hit = await request(port, '/big', { headers: { 'accept-encoding': accept } })
      assert.equal(hit.headers.vary, 'accept-encoding', `hit, ${accept}`)
      const etag = hit.headers.etag!
      const notModified = await request(port, '/big', { headers: { 'accept-encoding': accept, 'if-none-match': etag } })
      assert.equal(notModified.status, 304)
      assert.equal(notModified.headers.vary, 'accept-encoding', `304, ${accept}`)
      const head = await request(port, '/big', { method: 'HEAD', headers: { 'accept-encoding': accept } })
      assert.equal(head.headers.vary, 'accept-encoding', `HEAD, ${accept}`)
    }
    const gz = await request(port, '/big', { headers: { 'accept-encoding': 'gzip' } })
    assert.equal(gz.headers['content-encoding'], 'gzip')
    assert.deepEqual(JSON.parse(gunzipSync(gz.bytes).toString()), big)
  })
})

// Regression (issue 9, defect 14): a body over maxEntryBytes had its gzip and
// br variants stored and served while identity requests reran the handler.
test('a body over maxEntryBytes is stored in no encoding: every request runs the handler', async () => {
  let runs = 0
  const large = 'x'.repeat(8000)
  await withApp((app) => {
    app.get('/large', { cache: { ttlMs: 60_000 } }, () => { runs++; return large })
  }, async (port, app) => {
    for (const accept of ['gzip', 'br', 'gzip', 'identity', 'br']) {
      const r = await request(port, '/large', { headers: { 'accept-encoding': accept } })
      assert.equal(r.headers['content-encoding'], undefined, accept)
      assert.equal(r.text, large)
    }
    assert.equal(runs, 5)
    assert.equal(app.cache.stats().entries, 0)
  }, { cache: { maxEntryBytes: 4096 } })
})

test('a body of exactly maxEntryBytes is cached, whatever the length of its content type', async () => {
  let runs = 0
  const type = 'application/vnd.example.a-rather-long-media-type-name+json; charset=utf-8'
  await withApp((app) => {
    app.get('/edge', { cache: { ttlMs: 60_000 } }, (_req, reply) => { runs++; reply.type(type); return 'y'.repeat(4096) })
  }, async (port) => {
    for (let i = 0; i < 3; i++) assert.equal((await request(port, '/edge')).text.length, 4096)
    assert.equal(runs, 1)
  }, { cache: { maxEntryBytes: 4096 } })
})

// Regression (issue 9, defect 15): the fresh-until time was rounded up to a
// decisecond and compared with the current decisecond, so entries with
// ttlMs 200 stayed fresh for 300–400 ms. Once ttlMs has passed, the next
// request must be served stale and start a refresh.
test('with stale-while-revalidate, an entry is no longer fresh once ttlMs has passed', async () => {
  let runs = 0
  await withApp((app) => {
    app.get('/f/:n', { cache: { ttlMs: 200, staleWhileRevalidateMs: 60_000 } }, () => ++runs)
  }, async (port) => {
    for (let n = 0; n < 3; n++) {
      const before = runs
      await request(port, `/f/${n}`)
      assert.equal(runs, before + 1)
      await sleep(205)
      await request(port, `/f/${n}`)
      for (let i = 0; i < 50 && runs === before + 1; i++) await sleep(5)
      assert.equal(runs, before + 2, `round ${n}: no refresh ran 205 ms after the entry was stored`)
    }
  })
})
