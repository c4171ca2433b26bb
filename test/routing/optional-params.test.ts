import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import { Router } from 'griddle'
import { request, withApp } from '../helpers/http.js'

// Regression tests for optional parameters (issue 9, defect 11): supported as
// find-my-way supports them, `/opt/:id?` being `/opt/:id` and `/opt`.

const require = createRequire(import.meta.url)
// eslint-disable-next-line @typescript-eslint/no-require-imports
const FindMyWay = require('find-my-way') as (opts?: object) => {
  on(method: string, path: string, opts: object, handler: () => void): void
  find(method: string, path: string): { params: Record<string, string>, handler: () => void } | null
}

test('an optional last parameter matches with and without its segment, as find-my-way matches it', () => {
  const patterns = ['/opt/:id?', '/files/:dir/:name?', '/:lang?', '/v/:a-:b?', '/w/:x?/']
  const paths = ['/opt', '/opt/', '/opt/7', '/opt/7/8', '/files/a', '/files/a/b', '/files', '/', '/en', '/en/x',
    '/v', '/v/1-2', '/v/1', '/w', '/w/', '/w/3', '/w/3/']
  const ours = new Router<number>()
  const fmw = FindMyWay()
  // find-my-way drops the store of an optional route: routes are told apart by their handler.
  const handlers = patterns.map(() => () => {})
  patterns.forEach((p, i) => { ours.add('GET', p, i); fmw.on('GET', p, {}, handlers[i]!) })
  for (const path of paths) {
    const want = fmw.find('GET', path)
    const got = ours.find('GET', path)
    assert.deepEqual(got === null ? null : { route: got.value, params: { ...got.params } },
      want === null ? null : { route: handlers.indexOf(want.handler), params: { ...want.params } }, path)
  }
})

test('an optional parameter that is not last is refused with a coded error', () => {
  const r = new Router()
  assert.throws(() => r.add('GET', '/a/:id?/b', 1), { code: 'GRIDDLE_ERR_ROUTE_PATTERN' })
  assert.throws(() => r.add('GET', '/a-:id?', 1), { code: 'GRIDDLE_ERR_PARAM_NAME' })
  assert.equal(r.find('GET', '/a'), null)
})

test('an optional parameter conflicts with the routes it registers', () => {
  const r = new Router()
  r.add('GET', '/opt', 1)
  assert.throws(() => r.add('GET', '/opt/:id?', 2), { code: 'GRIDDLE_ERR_ROUTE_CONFLICT' })
  assert.deepEqual(r.routes(), [{ id: 0, method: 'GET', pattern: '/opt' }])
})

test('an app route with an optional parameter answers both forms over the network', async () => {
  await withApp((app) => {
    app.get('/opt/:id?', (req) => ({ params: req.params }))
  }, async (port) => {
    assert.deepEqual((await request(port, '/opt/42')).json(), { params: { id: '42' } })
    assert.deepEqual((await request(port, '/opt')).json(), { params: {} })
    assert.deepEqual((await request(port, '/opt/id%3F')).json(), { params: { id: 'id?' } })
    assert.equal((await request(port, '/opt/1/2')).status, 404)
  })
})
