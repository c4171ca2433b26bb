import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createApp } from 'griddle'
import { request } from '../helpers/http.js'

const experiment = (weights: [number, number], extra: Record<string, unknown> = {}) => ({
  experiments: { 'home-layout': { arms: [{ name: 'grid', weight: weights[0] }, { name: 'list', weight: weights[1] }], ...extra } },
})

/** An app whose cached /home body depends on home-layout; `runs` counts the handler's runs. */
async function homeApp(source: unknown, missing?: 'off' | 'empty') {
  const app = createApp({ admission: false, unitKey: { header: 'x-user-id', ...(missing === undefined ? {} : { missing }) }, flags: { source: source as never } })
  const state = { runs: 0 }
  app.get('/home', { cache: { ttlMs: 60_000 }, experiments: ['home-layout'] }, (req) => {
    state.runs++
    return `layout:${req.experiment('home-layout')}`
  })
  const { port } = await app.listen(0)
  const get = async (user?: string) => (await request(port, '/home', user === undefined ? {} : { headers: { 'x-user-id': user } })).text
  return { app, state, get }
}

const users = Array.from({ length: 40 }, (_, i) => `user-${i}`)

test('units in different arms each get their own arm\'s body from the cache, one handler run per arm', async () => {
  const { app, state, get } = await homeApp(experiment([1, 1]))
  try {
    const byArm = new Map<string, string[]>()
    for (const u of users) {
      const arm = app.flags.assignment('home-layout', { unitKey: u })!
      byArm.set(arm, [...(byArm.get(arm) ?? []), u])
    }
    const grid = byArm.get('grid')!, list = byArm.get('list')!
    assert.ok(grid.length >= 2 && list.length >= 2)
    assert.equal(await get(grid[0]), 'layout:grid')
    assert.equal(await get(list[0]), 'layout:list')
    assert.equal(state.runs, 2)
    // Every other unit is served its own arm's body from the entry the first unit of that arm filled.
    for (const u of [...grid, ...list]) assert.equal(await get(u), `layout:${grid.includes(u) ? 'grid' : 'list'}`, u)
    assert.equal(state.runs, 2)
    // Hits count exposures too: one per request, in the unit's arm.
    const counts = app.flags.exposures().experiments['home-layout']!
    assert.equal(counts.grid, grid.length + 1)
    assert.equal(counts.list, list.length + 1)
  } finally {
    await app.close()
  }
})

test('a reload that moves weights moves non-sticky units to their new arm\'s body', async () => {
  const { app, state, get } = await homeApp(experiment([1, 1]))
  try {
    const before = new Map(users.map((u) => [u, app.flags.assignment('home-layout', { unitKey: u })!]))
    for (const u of users) assert.equal(await get(u), `layout:${before.get(u)}`)
    await app.flags.load(experiment([1, 9]))
    let moved = 0
    for (const u of users) {
      const now = app.flags.assignment('home-layout', { unitKey: u })!
      if (now !== before.get(u)) moved++
      assert.equal(await get(u), `layout:${now}`, u)
    }
    assert.ok(moved > 0, 'some unit changed arm')
    // Both arms' bodies existed already: the reload filled nothing new.
    assert.equal(state.runs, 2)
  } finally {
    await app.close()
  }
})

test('a sticky experiment keeps each unit on its body when only another arm grows', async () => {
  const { app, get } = await homeApp(experiment([1, 1], { sticky: true }))
  try {
    const before = new Map(users.map((u) => [u, app.flags.assignment('home-layout', { unitKey: u })!]))
    for (const u of users) await get(u)
    await app.flags.load(experiment([1, 4], { sticky: true }))
    let moved = 0
    for (const u of users) {
      const body = await get(u)
      assert.equal(body, `layout:${app.flags.assignment('home-layout', { unitKey: u })}`, u)
      // list grew: its units stay; a grid unit may only move to list.
      if (before.get(u) === 'list') assert.equal(body, 'layout:list', u)
      if (body !== `layout:${before.get(u)}`) moved++
    }
    assert.ok(moved < users.length / 2 + 5)
  } finally {
    await app.close()
  }
})

test('keyless requests share the body of no arm; an experiment with an audience bypasses the cache', async () => {
  const { app, state, get } = await homeApp(experiment([1, 1], { audience: [{ attribute: 'country', op: 'notIn', values: ['US'] }] }))
  try {
    const u = users[0]!
    assert.equal(await get(u), `layout:${app.flags.assignment('home-layout', { unitKey: u })}`)
    assert.equal(await get(u), `layout:${app.flags.assignment('home-layout', { unitKey: u })}`)
    assert.equal(state.runs, 2, 'an audience is decided in JavaScript: no entry is probed or stored')
    await app.flags.load(experiment([1, 1]))
    assert.equal(await get(), 'layout:null')
    assert.equal(await get(), 'layout:null')
    assert.equal(state.runs, 3)
  } finally {
    await app.close()
  }
})

test('missing "empty" buckets keyless requests as the key "", in the cache as in req.experiment', async () => {
  const { app, state, get } = await homeApp(experiment([1, 1]), 'empty')
  try {
    const arm = app.flags.assignment('home-layout', { unitKey: '' })
    assert.notEqual(arm, null)
    assert.equal(await get(), `layout:${arm}`)
    assert.equal(await get(), `layout:${arm}`)
    assert.equal(state.runs, 1)
  } finally {
    await app.close()
  }
})

test('the experiments option is refused without a default-keyed cache or without flags', () => {
  const app = createApp({ flags: { source: experiment([1, 1]) } })
  const h = () => 'x'
  assert.throws(() => app.get('/a', { experiments: ['home-layout'] }, h), { code: 'GRIDDLE_ERR_INVALID_OPTION' })
  assert.throws(() => app.get('/b', { cache: { ttlMs: 1000, key: () => 'k' }, experiments: ['home-layout'] }, h), { code: 'GRIDDLE_ERR_INVALID_OPTION' })
  assert.throws(() => app.get('/c', { cache: { ttlMs: 1000 }, experiments: ['a', 'b', 'c', 'd'] }, h), { code: 'GRIDDLE_ERR_INVALID_OPTION' })
  assert.throws(() => app.get('/d', { cache: { ttlMs: 1000 }, experiments: 'home-layout' as unknown as string[] }, h), { code: 'GRIDDLE_ERR_INVALID_OPTION' })
  assert.throws(() => createApp().get('/e', { cache: { ttlMs: 1000 }, experiments: ['home-layout'] }, h), { code: 'GRIDDLE_ERR_INVALID_OPTION' })
})
