import { test } from 'node:test'
import assert from 'node:assert/strict'
import { request, withApp } from '../helpers/http.js'

const big = { rows: Array.from({ length: 200 }, (_, i) => ({ i, text: `row number ${i}` })) }

// Regression (issue 9, defect 6): q-values were ignored except q=0 on a named
// coding, so `gzip;q=0, *` got a compressed answer and `gzip;q=1, br;q=0.1` got br.
test('Accept-Encoding follows its q-values (RFC 9110 §12.5.3)', async () => {
  await withApp((app) => {
    app.get('/big', { cache: { ttlMs: 60_000 } }, () => big)
  }, async (port) => {
    await request(port, '/big')
    const cases: Array<[string, string | undefined]> = [
      ['gzip;q=0, *', 'br'],
      ['gzip;q=0, br;q=0, *', undefined],
      ['*;q=0', undefined],
      ['gzip;q=1, br;q=0.1', 'gzip'],
      ['br;q=0.5, gzip;q=0.8', 'gzip'],
      ['gzip;q=0.2, br;q=0.9', 'br'],
      ['gzip, br', 'br'],
      ['GZIP;Q=0.9, br;q=0.4', 'gzip'],
      ['x-gzip', 'gzip'],
      ['*', 'br'],
      ['br;q=2, gzip;q=0.5', 'gzip'],
      ['gzip;q=0.', 'undefined'],
      ['deflate, identity', undefined],
    ]
    for (const [accept, want] of cases) {
      const r = await request(port, '/big', { headers: { 'accept-encoding': accept } })
      assert.equal(String(r.headers['content-encoding']), String(want), accept)
    }
  })
})
