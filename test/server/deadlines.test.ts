import { test } from 'node:test'
import assert from 'node:assert/strict'
import { request, withApp } from '../helpers/http.js'

// Regression (issue 9, defect 17): the deadline was checked by a sweep every
// quarter of requestTimeoutMs, so a timeout fired up to 25 % late and a
// handler answering just after its deadline still got through. The order of
// two timers decides here, not a measured duration.
test('a handler that answers just after its deadline gets 503, every time', async () => {
  await withApp((app) => {
    app.onError(() => {})
    app.get('/late', () => new Promise((resolve) => setTimeout(() => resolve('too late'), 410)))
  }, async (port) => {
    for (let i = 0; i < 3; i++) {
      const r = await request(port, '/late')
      assert.equal(r.status, 503, `round ${i}: ${r.text}`)
      assert.equal((r.json() as { code: string }).code, 'GRIDDLE_ERR_HANDLER_TIMEOUT')
    }
  }, { requestTimeoutMs: 400 })
})

test('a handler that answers just before its deadline gets its answer, and later requests get their own deadline', async () => {
  await withApp((app) => {
    app.onError(() => {})
    app.get('/in-time', () => new Promise((resolve) => setTimeout(() => resolve('in time'), 100)))
    app.get('/never', () => new Promise(() => {}))
  }, async (port) => {
    const [never, ok] = await Promise.all([request(port, '/never'), request(port, '/in-time')])
    assert.equal(ok.text, 'in time')
    assert.equal(never.status, 503)
    assert.equal((await request(port, '/in-time')).text, 'in time')
    assert.equal((await request(port, '/never')).status, 503)
  }, { requestTimeoutMs: 400 })
})
