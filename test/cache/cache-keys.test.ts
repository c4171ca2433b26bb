import { test } from 'node:test'
import assert from 'node:assert/strict'
import { request, withApp } from '../helpers/http.js'

// Regression tests for cache keys (issue 9, defects 5 and 18), over real sockets.

test('repeated query names keep their value order in the default key, other names may move', async () => {
  let calls = 0
  await withApp((app) => {
    app.get('/list', { cache: { ttlMs: 60_000 } }, (req) => { calls++; return { sort: req.query.sort ?? null } })
  }, async (port) => {
    const a = await request(port, '/list?sort=name&sort=date')
    const b = await request(port, '/list?sort=date&sort=name')
    assert.deepEqual(a.json(), { sort: ['name', 'date'] })
    assert.deepEqual(b.json(), { sort: ['date', 'name'] })
    assert.equal(calls, 2)
    // Pairs of different names still share an entry in any order, each name's values in order.
    await request(port, '/list?page=2&sort=date&sort=name')
    const c = await request(port, '/list?sort=date&page=2&sort=name')
    assert.deepEqual(c.json(), { sort: ['date', 'name'] })
    assert.equal(calls, 3, 'the same names and value orders are one entry')
    // Two spellings of one name ("s%6Frt" is "sort") are one name when ordering.
    const d = await request(port, '/list?sort=name&s%6Frt=date')
    const e = await request(port, '/list?s%6Frt=date&sort=name')
    assert.deepEqual(d.json(), { sort: ['name', 'date'] })
    assert.deepEqual(e.json(), { sort: ['date', 'name'] })
  })
})

test('custom cache keys are scoped to their route unless routes share them', async () => {
  const runs: string[] = []
  await withApp((app) => {
    const key = (req: { params: Record<string, unknown> }) => 'shared:' + String(req.params.id)
    app.get('/key-a/:id', { cache: { ttlMs: 60_000, key } }, (req) => { runs.push('a'); return { route: 'a', id: req.params.id } })
    app.get('/key-b/:id', { cache: { ttlMs: 60_000, key } }, (req) => { runs.push('b'); return { route: 'b', id: req.params.id } })
    app.get('/key-c/:id', { cache: { ttlMs: 60_000, key, shared: true } }, () => { runs.push('c'); return { route: 'c' } })
    app.get('/key-d/:id', { cache: { ttlMs: 60_000, key, shared: true } }, () => { runs.push('d'); return { route: 'd' } })
  }, async (port, app) => {
    assert.deepEqual((await request(port, '/key-a/1')).json(), { route: 'a', id: '1' })
    assert.deepEqual((await request(port, '/key-b/1')).json(), { route: 'b', id: '1' })
    assert.deepEqual((await request(port, '/key-a/1')).json(), { route: 'a', id: '1' })
    assert.deepEqual((await request(port, '/key-b/1')).json(), { route: 'b', id: '1' })
    assert.deepEqual(runs, ['a', 'b'])
    // Routes that ask to share their keys do.
    assert.deepEqual((await request(port, '/key-c/1')).json(), { route: 'c' })
    assert.deepEqual((await request(port, '/key-d/1')).json(), { route: 'c' })
    assert.deepEqual(runs, ['a', 'b', 'c'])
    // app.cache.delete removes an application key under every route that has it.
    assert.equal(app.cache.delete('shared:1'), true)
    await request(port, '/key-a/1')
    await request(port, '/key-b/1')
    await request(port, '/key-d/1')
    assert.deepEqual(runs, ['a', 'b', 'c', 'a', 'b', 'd'])
  })
})

test('cache.shared needs a key function and a boolean', async () => {
  await withApp((app) => {
    assert.throws(() => app.get('/x', { cache: { ttlMs: 1000, shared: true } }, () => 1), { code: 'GRIDDLE_ERR_INVALID_OPTION' })
    assert.throws(() => app.get('/y', { cache: { ttlMs: 1000, key: () => 'k', shared: 1 as unknown as boolean } }, () => 1),
      { code: 'GRIDDLE_ERR_INVALID_OPTION' })
  }, async () => {})
})
