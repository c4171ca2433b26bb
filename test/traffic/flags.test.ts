import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createApp, type App } from 'griddle'

const N = 100_000
const keys = Array.from({ length: N }, (_, i) => `user-${i}`)

async function appWith(source: Record<string, unknown>): Promise<App> {
  const app = createApp({ admission: false, flags: { source } })
  await app.flags.load(source)
  return app
}

test('a 10 % rollout enables 10 % ± 1 of 100k keys, and the same keys every time', async () => {
  const app = await appWith({ flags: { f: { rollout: 10 } } })
  const on = keys.filter((k) => app.flags.evaluate('f', { unitKey: k }).enabled)
  assert.ok(Math.abs(on.length / N - 0.1) <= 0.01, `${on.length}`)
  const again = keys.filter((k) => app.flags.evaluate('f', { unitKey: k }).enabled)
  assert.deepEqual(again, on)
})

test('variants and experiment arms fall within ± 1 % of their weights', async () => {
  const app = await appWith({
    flags: { v: { type: 'string', default: 'none', variants: [{ name: 'a', weight: 20 }, { name: 'b', weight: 30 }, { name: 'c', weight: 50 }] } },
    experiments: { e: { arms: [{ name: 'x', weight: 1 }, { name: 'y', weight: 3 }] } },
  })
  const variants: Record<string, number> = {}
  const arms: Record<string, number> = {}
  for (const k of keys) {
    const v = app.flags.evaluate('v', { unitKey: k }).variant!
    variants[v] = (variants[v] ?? 0) + 1
    const a = app.flags.assignment('e', { unitKey: k })!
    arms[a] = (arms[a] ?? 0) + 1
  }
  for (const [name, share] of [['a', 0.2], ['b', 0.3], ['c', 0.5]] as const) assert.ok(Math.abs(variants[name]! / N - share) <= 0.01, `${name}: ${variants[name]}`)
  for (const [name, share] of [['x', 0.25], ['y', 0.75]] as const) assert.ok(Math.abs(arms[name]! / N - share) <= 0.01, `${name}: ${arms[name]}`)
})

test('the rollout and the variant split are independent', async () => {
  const app = await appWith({ flags: {
    r: { rollout: 10 },
    s: { type: 'string', default: 'off', variants: [{ name: 'a', weight: 1 }, { name: 'b', weight: 1 }] },
    both: { type: 'string', default: 'off', rollout: 10, variants: [{ name: 'a', weight: 1 }, { name: 'b', weight: 1 }] },
  } })
  let rolled = 0, rolledA = 0, bothOn = 0, bothA = 0
  for (const k of keys) {
    if (app.flags.evaluate('r', { unitKey: k }).enabled) {
      rolled++
      if (app.flags.evaluate('s', { unitKey: k }).variant === 'a') rolledA++
    }
    const b = app.flags.evaluate('both', { unitKey: k })
    if (b.enabled) {
      bothOn++
      if (b.variant === 'a') bothA++
    }
  }
  // Inside the 10 % the split is still 50/50: the two positions are not correlated.
  assert.ok(Math.abs(rolledA / rolled - 0.5) <= 0.02, `${rolledA}/${rolled}`)
  assert.ok(Math.abs(bothA / bothOn - 0.5) <= 0.02, `${bothA}/${bothOn}`)
})

test('flags sharing a groupId share their rollout buckets', async () => {
  const app = await appWith({ flags: { a: { rollout: { percentage: 30, groupId: 'g' } }, b: { rollout: { percentage: 30, groupId: 'g' } }, c: { rollout: 30 } } })
  const sample = keys.slice(0, 5000)
  const a = sample.map((k) => app.flags.evaluate('a', { unitKey: k }).enabled)
  assert.deepEqual(sample.map((k) => app.flags.evaluate('b', { unitKey: k }).enabled), a)
  assert.notDeepEqual(sample.map((k) => app.flags.evaluate('c', { unitKey: k }).enabled), a)
})

test('the kill switch wins over rules and rollout', async () => {
  const when = [{ attribute: 'country', op: 'equals', value: 'SE' }]
  const app = await appWith({ flags: { f: { enabled: false, rollout: 100, rules: [{ when, value: true }] } } })
  const r = app.flags.evaluate('f', { unitKey: 'u1', attributes: { country: 'SE' } })
  assert.deepEqual([r.value, r.enabled, r.reason], [false, false, 'DISABLED'])
})

test('rules apply in order, the first match wins, and a rule can switch a unit off', async () => {
  const app = await appWith({ flags: { price: {
    type: 'number', default: 10, value: 20,
    rules: [
      { when: [{ op: 'unitIn', values: ['banned'] }], serve: 'off' },
      { when: [{ attribute: 'country', op: 'in', values: ['SE', 'NO'] }], value: 30 },
      { when: [{ attribute: 'age', op: 'gte', value: 18 }], value: 40 },
      { when: [{ attribute: 'app', op: 'semverLt', value: '2.0.0' }], value: 50 },
    ],
  } } })
  const v = (unitKey: string, attributes: Record<string, string>) => app.flags.evaluate('price', { unitKey, attributes })
  assert.deepEqual([v('banned', { country: 'SE' }).value, v('banned', {}).reason], [10, 'TARGETING_MATCH'])
  assert.equal(v('u', { country: 'SE', age: '30' }).value, 30)
  assert.equal(v('u', { country: 'DK', age: '30' }).value, 40)
  assert.equal(v('u', { age: '17', app: '1.9.9' }).value, 50)
  assert.equal(v('u', { app: '2.0.0-beta.1' }).value, 50)
  assert.deepEqual([v('u', { app: '2.0.0' }).value, v('u', {}).reason], [20, 'DEFAULT'])
})

test('a unit lands in at most one experiment of a namespace, and a holdout keeps units out', async () => {
  const arms = [{ name: 'a', weight: 1 }, { name: 'b', weight: 1 }]
  const app = await appWith({
    holdouts: { global: { percentage: 10 } },
    experiments: {
      x: { arms, namespace: { name: 'home', range: [0, 0.3] } },
      y: { arms, namespace: { name: 'home', range: [0.3, 0.8] } },
      z: { arms, holdout: 'global', coverage: 0.5 },
    },
  })
  let x = 0, y = 0, z = 0
  for (const k of keys.slice(0, 20_000)) {
    const inX = app.flags.assignment('x', { unitKey: k }) !== null
    const inY = app.flags.assignment('y', { unitKey: k }) !== null
    assert.ok(!(inX && inY), k)
    x += inX ? 1 : 0
    y += inY ? 1 : 0
    z += app.flags.assignment('z', { unitKey: k }) !== null ? 1 : 0
  }
  assert.ok(Math.abs(x / 20_000 - 0.3) < 0.02 && Math.abs(y / 20_000 - 0.5) < 0.02, `${x} ${y}`)
  assert.ok(Math.abs(z / 20_000 - 0.45) < 0.02, `${z}`)
})

test('a sticky experiment moves units only toward the arm whose weight grew', async () => {
  const config = (a: number, b: number, c: number) => ({ experiments: { e: { sticky: true, arms: [{ name: 'a', weight: a }, { name: 'b', weight: b }, { name: 'c', weight: c }] } } })
  const app = await appWith(config(1, 1, 1))
  const sample = keys.slice(0, 20_000)
  const before = sample.map((k) => app.flags.assignment('e', { unitKey: k }))
  await app.flags.load(config(1, 1, 2))
  const after = sample.map((k) => app.flags.assignment('e', { unitKey: k }))
  let moved = 0
  for (let i = 0; i < sample.length; i++) {
    if (before[i] === after[i]) continue
    moved++
    assert.equal(after[i], 'c', `${sample[i]} moved from ${before[i]} to ${after[i]}`)
  }
  // c goes from 1/3 to 1/2: about a sixth of the units move, no more.
  assert.ok(Math.abs(moved / sample.length - 1 / 6) < 0.02, `${moved}`)
  assert.ok(Math.abs(after.filter((a) => a === 'c').length / sample.length - 0.5) < 0.02)
})

test('a request without a unit key gets defaults and no arm unless asked to bucket it', async () => {
  const source = { flags: { f: { rollout: 100 }, s: { rules: [{ when: [{ attribute: 'p', op: 'equals', value: 'x' }] }], rollout: 0 } }, experiments: { e: { arms: [{ name: 'a', weight: 1 }] } } }
  const off = await appWith(source)
  assert.deepEqual([off.flags.evaluate('f', {}).value, off.flags.assignment('e', {})], [false, null])
  assert.equal(off.flags.evaluate('s', { attributes: { p: 'x' } }).value, true)
  const empty = createApp({ unitKey: { header: 'x-user', missing: 'empty' }, flags: { source } })
  await empty.flags.ready
  assert.deepEqual([empty.flags.evaluate('f', {}).value, empty.flags.assignment('e', {})], [true, 'a'])
})

test('an unknown flag is an error answer, not an exception', async () => {
  const app = await appWith({ flags: {} })
  assert.deepEqual(app.flags.evaluate('nope', { unitKey: 'u' }), { value: undefined, variant: null, enabled: false, reason: 'ERROR', errorCode: 'FLAG_NOT_FOUND', version: '1' })
})
