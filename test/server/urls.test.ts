import { test } from 'node:test'
import assert from 'node:assert/strict'
import { raw, request, withApp } from '../helpers/http.js'

const get = (target: string): string => `GET ${target} HTTP/1.1\r\nHost: x\r\n\r\n`

function routes(app: import('griddle').App): void {
  app.get('/files/:name', (req) => req.params)
  app.get('/ok', () => 'ok')
}

test('invalid percent-encoding answers 400 before any handler runs', async () => {
  let ran = 0
  await withApp((app) => { app.get('/files/:name', () => ++ran) }, async (port) => {
    for (const target of ['/files/%ZZ', '/files/%', '/files/%C3', '/files/%C0%AF']) {
      const res = await request(port, target)
      assert.equal(res.status, 400, target)
      assert.equal((res.json() as { code: string }).code, 'GRIDDLE_ERR_BAD_URL')
    }
    assert.equal(ran, 0)
  })
})

test('a DEL character in the path answers 400; uWS answers other control characters with an error and closes', async () => {
  await withApp(routes, async (port) => {
    const del = await raw(port, get('/files/a\u007fb'), 500)
    assert.match(del.text, /^HTTP\/1\.1 400 /)
    for (const c of ['\u0000', '\u0001', '\t', '\u001b']) {
      const res = await raw(port, get(`/files/a${c}b`))
      assert.match(res.text, /^HTTP\/1\.1 [45]\d\d /, JSON.stringify(c))
      assert.equal(res.end, 'closed', JSON.stringify(c))
    }
    assert.equal((await request(port, '/ok')).text, 'ok')
  })
})

test('a 64 KB URL answers 414 (431 from uWS when it is over the head limit), and a parameter over maxParamLength 414', async () => {
  await withApp(routes, async (port) => {
    const res = await raw(port, get('/files/' + 'a'.repeat(64 * 1024)), 2000)
    assert.match(res.text, /^HTTP\/1\.1 (414|431) /)
    const query = await raw(port, get('/ok?q=' + 'b'.repeat(9000)), 2000)
    assert.match(query.text, /^HTTP\/1\.1 414 /)
    assert.equal((await request(port, '/files/' + 'c'.repeat(101))).status, 414)
    assert.equal((await request(port, '/files/' + 'c'.repeat(100))).status, 200)
    assert.equal((await request(port, '/ok')).text, 'ok')
  })
})

test('maxUrlLength is configurable', async () => {
  await withApp(routes, async (port) => {
    assert.equal((await request(port, '/files/abcdefghij')).status, 414)
    assert.equal((await request(port, '/files/abc')).status, 200)
  }, { maxUrlLength: 12 })
})

test('a 200 KB request head gets an error answer from uWS and a closed connection, and the server keeps serving', async () => {
  await withApp(routes, async (port) => {
    const res = await raw(port, get('/files/' + 'a'.repeat(200 * 1024)), 2000)
    assert.match(res.text, /^HTTP\/1\.1 (431|505) /)
    assert.equal(res.end, 'closed')
    assert.equal((await request(port, '/ok')).text, 'ok')
  })
})

test('methods without a route get 405 where the path exists, else 404', async () => {
  await withApp(routes, async (port) => {
    for (const line of ['FOO /ok HTTP/1.1\r\nHost: x\r\n\r\n', 'PURGE /ok HTTP/1.1\r\nHost: x\r\n\r\n']) {
      assert.match((await raw(port, line, 300)).text, /^HTTP\/1\.1 405 /, JSON.stringify(line))
    }
    assert.equal((await request(port, '/ok')).text, 'ok')
    assert.equal((await request(port, '/ok', { method: 'TRACE' })).status, 405)
    assert.equal((await request(port, '/none', { method: 'OPTIONS' })).status, 404)
  })
})
