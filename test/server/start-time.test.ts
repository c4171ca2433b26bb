import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { App } from 'griddle'
import { kOnEnd } from '../../lib/symbols.js'
import type { Ended } from '../../lib/server/end.js'
import { raw, request, sleep, withApp } from '../helpers/http.js'

interface Seen { method: string, methodIndex: number, status: number, start: number, seenAt: number }

function listen(app: App): Seen[] {
  const seen: Seen[] = []
  ;(app as unknown as Record<symbol, (l: { onEnd(e: Ended): void }) => void>)[kOnEnd]!({
    onEnd(e) {
      seen.push({ method: e.method, methodIndex: e.methodIndex, status: e.status, start: e.start, seenAt: performance.now() })
    },
  })
  return seen
}

async function settle(seen: Seen[], n: number): Promise<void> {
  for (let i = 0; i < 200 && seen.length < n; i++) await sleep(5)
}

test('the start time is read natively at dispatch, on performance.now()\'s scale, for every kind of answer', async () => {
  let seen: Seen[] = []
  await withApp((app) => {
    seen = listen(app)
    app.get('/ok', () => ({ ok: true }))
    app.post('/p', () => 'posted')
    app.get('/c', { cache: { ttlMs: 60_000 } }, () => 'cached')
  }, async (port) => {
    const before = performance.now()
    await request(port, '/ok')
    await request(port, '/p', { method: 'POST', body: '{}' , headers: { 'content-type': 'application/json' } })
    await request(port, '/ok', { method: 'HEAD' })
    await request(port, '/c')
    await request(port, '/c')
    await request(port, '/nothing')
    await settle(seen, 6)
    assert.deepEqual(seen.map((s) => [s.method, s.methodIndex, s.status]), [
      ['GET', 0, 200], ['POST', 1, 200], ['HEAD', 5, 200], ['GET', 0, 200], ['GET', 0, 200], ['GET', 0, 404],
    ])
    // The native clock's origin is calibrated to performance.now() once (native/dispatch.cc): it reads
    // early by the calibration's crossing, never late, so 5 ms is room for a descheduled thread only.
    let last = before - 5
    for (const s of seen) {
      assert.ok(s.start > last, `start ${s.start} not after the previous request's ${last}`)
      assert.ok(s.start <= s.seenAt, `start ${s.start} after the end ${s.seenAt}`)
      last = s.start
    }
  })
})

test('a request refused before the dispatch call has a start time too', async () => {
  let seen: Seen[] = []
  await withApp((app) => {
    seen = listen(app)
    app.get('/ok', () => 'ok')
  }, async (port) => {
    const before = performance.now()
    const { text } = await raw(port, 'GET /ok HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n')
    assert.match(text, /^HTTP\/1\.1 501/)
    await settle(seen, 1)
    assert.equal(seen.length, 1)
    assert.equal(seen[0]!.methodIndex, 0)
    assert.ok(seen[0]!.start >= before && seen[0]!.start <= seen[0]!.seenAt)
  })
})

test('response bytes are the UTF-8 bytes sent, for strings and bytes alike', async () => {
  const seen: Array<[number, number]> = []
  await withApp((app) => {
    ;(app as unknown as Record<symbol, (l: { onEnd(e: Ended): void }) => void>)[kOnEnd]!({ onEnd(e) { seen.push([e.status, e.bytes]) } })
    app.get('/s', () => 'héllo €')
    app.get('/b', () => Buffer.from('héllo'))
  }, async (port) => {
    const s = await request(port, '/s')
    const b = await request(port, '/b')
    assert.equal(s.text, 'héllo €')
    for (let i = 0; i < 200 && seen.length < 2; i++) await sleep(5)
    assert.deepEqual(seen, [[200, s.bytes.byteLength], [200, b.bytes.byteLength]])
    assert.deepEqual(seen, [[200, 10], [200, 6]])
  })
})
