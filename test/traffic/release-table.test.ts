import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Cache, Router } from 'griddle'
import { Dispatcher, IO, MODE } from '../../lib/routing/dispatch.js'
import { ReleaseTable, releaseSeed, type LiveState } from '../../lib/traffic/release-table.js'
import { kPublish } from '../../lib/symbols.js'

function setup(table = new ReleaseTable()) {
  const router = new Router<string>()
  const users = router.add('GET', '/users/:id', 'user')
  const other = router.add('GET', '/other', 'other')
  const cache = new Cache({ maxBytes: 1 << 20 })
  const d = new Dispatcher(router as Router<unknown>, cache, 4096)
  const slot = table.bindRoute(router as Router<unknown>, users, 'GET /users/:id')
  table.attach(d)
  router[kPublish]()
  d.io[IO.METHOD] = router.methodCode('GET')
  d.io[IO.FALLBACK] = -1
  return { router, d, table, slot, users, other, cache }
}

function state(over: Partial<LiveState>): LiveState {
  return { active: true, percentBp: 0, ghostBp: 0, seed: releaseSeed('GET /users/:id', 'v2'), stableArm: 1, candidateArm: 2, ...over }
}

const KEYS = Array.from({ length: 20000 }, (_, i) => `user-${i}`)

function arms(d: Dispatcher, keys: readonly string[]): { arm: number[], ghost: number[] } {
  const arm: number[] = []
  const ghost: number[] = []
  for (const k of keys) {
    d.dispatch('/users/7', undefined, undefined, k)
    arm.push(d.io[IO.ARM]!)
    ghost.push(d.io[IO.GHOST]!)
  }
  return { arm, ghost }
}

test('a route without a live release gets arm 0 and no ghost bit', () => {
  const { d, table, slot } = setup()
  d.dispatch('/users/1', undefined, undefined, 'a')
  assert.equal(d.io[IO.ARM], 0)
  table.set(slot, state({ active: false, percentBp: 10000 }))
  d.dispatch('/users/1', undefined, undefined, 'a')
  assert.equal(d.io[IO.ARM], 0)
  assert.equal(d.io[IO.GHOST], 0)
})

test('the candidate share follows the percentage and a unit only moves forward as it grows', () => {
  const { d, table, slot } = setup()
  let before: number[] | null = null
  for (const pct of [1, 5, 25, 50, 100]) {
    table.set(slot, state({ percentBp: pct * 100 }))
    const { arm } = arms(d, KEYS)
    const share = arm.filter((a) => a === 2).length / KEYS.length
    assert.ok(Math.abs(share - pct / 100) < 0.015, `at ${pct} %: ${share}`)
    assert.ok(arm.every((a) => a === 1 || a === 2))
    if (before !== null) before.forEach((a, i) => { if (a === 2) assert.equal(arm[i], 2, `${KEYS[i]} moved back at ${pct} %`) })
    before = arm
  }
})

test('the same key gets the same arm on every dispatch and from a second dispatcher sharing the table', () => {
  const table = new ReleaseTable('release-table-test-shared')
  const a = setup(table)
  const b = setup(new ReleaseTable('release-table-test-shared'))
  assert.equal(a.slot, b.slot)
  a.table.set(a.slot, state({ percentBp: 3000 }))
  const first = arms(a.d, KEYS.slice(0, 2000)).arm
  assert.deepEqual(arms(a.d, KEYS.slice(0, 2000)).arm, first)
  assert.deepEqual(arms(b.d, KEYS.slice(0, 2000)).arm, first)
})

test('the ghost bit marks a deterministic share of the stable requests only', () => {
  const { d, table, slot } = setup()
  table.set(slot, state({ percentBp: 5000, ghostBp: 1000 }))
  const { arm, ghost } = arms(d, KEYS)
  let stable = 0, ghosts = 0
  arm.forEach((a, i) => {
    if (a === 2) assert.equal(ghost[i], 0, 'a candidate request is never a ghost')
    else { stable++; ghosts += ghost[i]! }
  })
  assert.ok(Math.abs(ghosts / stable - 0.1) < 0.015, `ghost share ${ghosts / stable}`)
  assert.deepEqual(arms(d, KEYS).ghost, ghost)
})

test('requests without a unit key are drawn afresh: the share holds, the arm is not sticky', () => {
  const { d, table, slot } = setup()
  table.set(slot, state({ percentBp: 2500 }))
  let cand = 0
  for (let i = 0; i < 20000; i++) {
    d.dispatch('/users/7')
    if (d.io[IO.ARM] === 2) cand++
    else assert.equal(d.io[IO.ARM], 1)
  }
  assert.ok(Math.abs(cand / 20000 - 0.25) < 0.015, `keyless share ${cand / 20000}`)
})

test('routes without a release slot are untouched by another route\'s release', () => {
  const { d, table, slot } = setup()
  table.set(slot, state({ percentBp: 10000 }))
  d.dispatch('/other', undefined, undefined, 'x')
  assert.equal(d.io[IO.ROUTE], 1)
  assert.equal(d.io[IO.ARM], 0)
})

test('a cached route caches per arm: a promotion or a rollback never serves the other version\'s body', () => {
  const { router, d, table, slot, users } = setup()
  d.setMode(users, MODE.DEFAULT_KEY)
  router[kPublish]()
  const get = router.methodCode('GET')
  const opts = { ttlMs: 60_000, tags: null, status: 200, type: 'application/json', variants: 0, freshUntilMs: 0 }
  assert.ok(d.store(d.key(get, '/users/1', undefined, 1), 0, new TextEncoder().encode('"v1"'), opts))
  assert.ok(d.store(d.key(get, '/users/1', undefined, 2), 0, new TextEncoder().encode('"v2 body"'), opts))
  assert.notEqual(d.key(get, '/users/1', undefined, 1), d.key(get, '/users/1', undefined, 2))
  const body = () => new TextDecoder().decode(d.body())
  table.set(slot, state({ percentBp: 0 }))
  d.dispatch('/users/1', undefined, undefined, 'k')
  assert.equal(d.io[IO.ARM], 1)
  assert.equal(body(), '"v1"')
  // promoted: v2 is stable
  table.set(slot, state({ percentBp: 0, stableArm: 2, candidateArm: 1 }))
  d.dispatch('/users/1', undefined, undefined, 'k')
  assert.equal(d.io[IO.ARM], 2)
  assert.equal(body(), '"v2 body"')
  // rolled back: v1 again, whatever is cached under v2
  table.set(slot, state({ percentBp: 0 }))
  d.dispatch('/users/1', undefined, undefined, 'k')
  assert.equal(body(), '"v1"')
  // arm 3 has nothing cached: a miss, never another arm's body
  table.set(slot, state({ percentBp: 10000, candidateArm: 3 }))
  d.dispatch('/users/1', undefined, undefined, 'k')
  assert.equal(d.io[IO.ARM], 3)
  assert.equal(d.io[IO.HIT], -1)
  // deleting the URL removes every arm's entry
  table.arm('v1'); table.arm('v2')
  assert.equal(d.delete(d.key(get, '/users/1')), 2)
})

test('bad release states are refused with a coded error', () => {
  const { table, slot } = setup()
  assert.throws(() => table.set(slot, state({ percentBp: 10001 })), { code: 'GRIDDLE_ERR_INVALID_ARG' })
  assert.throws(() => table.set(-1, state({})), { code: 'GRIDDLE_ERR_INVALID_ARG' })
  assert.throws(() => table.set(slot, state({ candidateArm: 70000 })), { code: 'GRIDDLE_ERR_INVALID_ARG' })
})
