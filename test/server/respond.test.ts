import { test } from 'node:test'
import assert from 'node:assert/strict'
import { raw, request, withApp } from '../helpers/http.js'

// Regression (issue 9, defect 10): a Symbol or a function has no JSON text;
// it was answered 200 with an empty body.
test('a handler returning a Symbol, a function or a toJSON giving undefined gets 500 GRIDDLE_ERR_SERIALIZE', async () => {
  const reported: unknown[] = []
  await withApp((app) => {
    app.onError((err) => reported.push(err))
    app.get('/symbol', () => Symbol('s'))
    app.get('/function', () => () => 1)
    app.get('/async-symbol', async () => Symbol('later'))
    app.get('/to-json', () => ({ toJSON: () => undefined }))
  }, async (port) => {
    for (const path of ['/symbol', '/function', '/async-symbol', '/to-json']) {
      const r = await request(port, path)
      assert.equal(r.status, 500, path)
      assert.equal((r.json() as { statusCode: number }).statusCode, 500)
    }
    assert.deepEqual(reported.map((e) => (e as { code: string }).code), Array(4).fill('GRIDDLE_ERR_SERIALIZE'))
  })
})

// Regression (issue 9, defect 13): reply.code(101) answered 101 with a body,
// and 204/304 answers carried the content type of the value they dropped.
test('1xx codes are refused as final answers, and 204 and 304 carry no content type', async () => {
  const reported: unknown[] = []
  await withApp((app) => {
    app.onError((err) => reported.push(err))
    app.get('/switch', (_req, reply) => { reply.code(101); return 'body' })
    app.get('/direct', (_req, reply) => { reply.statusCode = 100; return 'body' })
    app.get('/none', (_req, reply) => { reply.code(204); return { ignored: true } })
    app.get('/typed', (_req, reply) => { reply.code(204).type('text/csv'); return 'a,b' })
    app.get('/same', (_req, reply) => { reply.code(304).header('etag', '"v1"'); return 'ignored' })
  }, async (port) => {
    for (const path of ['/switch', '/direct']) {
      const r = await raw(port, `GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`, 500)
      assert.match(r.text, /^HTTP\/1\.1 500 /, path)
    }
    assert.deepEqual(reported.map((e) => (e as { code: string }).code), ['GRIDDLE_ERR_STATUS', 'GRIDDLE_ERR_INTERNAL'])
    for (const path of ['/none', '/typed', '/same']) {
      const r = await raw(port, `GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`, 500)
      assert.match(r.text, /^HTTP\/1\.1 (204|304) /, path)
      assert.doesNotMatch(r.text, /content-type/i, path)
    }
  })
})
