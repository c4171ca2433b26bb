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

test('a DEL character in the path answers 400; other control characters are refused by uWS, which never answers', async () => {
  await withApp(routes, async (port) => {
    const del = await raw(port, get('/files/a\u007fb'), 500)
    assert.match(del.text, /^HTTP\/1\.1 400 /)
    for (const c of ['\u0000', '\u0001', '\t', '\u001b']) {
      // No answer; uWS drops the connection at its idle timeout (about 10 s).
      const res = await raw(port, get(`/files/a${c}b`), 300)
      assert.equal(res.text, '', JSON.stringify(c))
    }
    assert.equal((await request(port, '/ok')).text, 'ok')
  })
})

test('a 64 KB URL answers 414, and so does a parameter over maxParamLength', async () => {
  await withApp(routes, async (port) => {
    const res = await raw(port, get('/files/' + 'a'.repeat(64 * 1024)), 2000)
    assert.match(res.text, /^HTTP\/1\.1 414 /)
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

test('a request head over uWS limit (about 128 KB) is dropped by uWS without an answer, and the server keeps serving', async () => {
  await withApp(routes, async (port) => {
    const res = await raw(port, get('/files/' + 'a'.repeat(200 * 1024)), 2000)
    assert.equal(res.text, '')
    assert.notEqual(res.end, 'timeout')
    assert.equal((await request(port, '/ok')).text, 'ok')
  })
})

test('methods uWS does not know, malformed request lines and HTTP/1.0 get no answer from uWS', async () => {
  await withApp(routes, async (port) => {
    for (const line of ['FOO /ok HTTP/1.1\r\nHost: x\r\n\r\n', 'PURGE /ok HTTP/1.1\r\nHost: x\r\n\r\n', 'GARBAGE\r\n\r\n',
      'GET http://x/ok HTTP/1.1\r\nHost: x\r\n\r\n', 'GET /ok HTTP/1.1\r\n\r\n', 'GET /ok HTTP/1.0\r\nHost: x\r\n\r\n']) {
      const res = await raw(port, line, 300)
      assert.equal(res.text, '', JSON.stringify(line))
    }
    assert.equal((await request(port, '/ok')).text, 'ok')
    // Known to uWS but without a route: 405 where the path exists, else 404.
    assert.equal((await request(port, '/ok', { method: 'TRACE' })).status, 405)
    assert.equal((await request(port, '/none', { method: 'OPTIONS' })).status, 404)
  })
})
