// req.flags decides a request's flags and experiments in one native call on
// its first question and answers the rest from those codes: these tests hold
// those answers to app.flags.evaluate / assignment, across a reload
// mid-request, and check that the exposure counts stay exact.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createApp } from 'griddle'
import { request } from '../helpers/http.js'

const SOURCE = {
  flags: {
    roll: { rollout: 30 },
    half: { rollout: { percentage: 50, groupId: 'g' } },
    killed: { enabled: false, rollout: 100 },
    button: { type: 'string', default: 'grey', variants: [{ name: 'red', weight: 1, payload: '#f00' }, { name: 'blue', weight: 2, payload: '#00f' }] },
    split: { rollout: 60, variants: [{ name: 'a', weight: 1 }, { name: 'b', weight: 1 }, { name: 'c', weight: 1 }] },
    limit: { type: 'number', default: 10, rollout: 40, variants: [{ name: 'big', weight: 1, payload: 50 }] },
    everyone: {},
    ruled: { rollout: 50, rules: [{ when: [{ attribute: 'plan', op: 'equals', value: 'pro' }], variant: 'x' }, { when: [{ attribute: 'plan', op: 'equals', value: 'free' }], serve: 'off' }],
      variants: [{ name: 'x', weight: 1 }, { name: 'y', weight: 1 }] },
  },
  experiments: {
    layout: { arms: [{ name: 'grid', weight: 1 }, { name: 'list', weight: 1 }], coverage: 0.8 },
    checkout: { arms: [{ name: 'a', weight: 1 }, { name: 'b', weight: 3 }], sticky: true },
    pro: { arms: [{ name: 'p', weight: 1 }, { name: 'q', weight: 1 }], audience: [{ attribute: 'plan', op: 'equals', value: 'pro' }] },
  },
}
const FLAGS = Object.keys(SOURCE.flags)
const EXPERIMENTS = Object.keys(SOURCE.experiments)
const PLANS = ['pro', 'free', undefined]

test('answers from one decision per request agree with app.flags.evaluate and assignment, for 300 units over a socket', async () => {
  const app = createApp({ admission: false, unitKey: { header: 'x-user-id' }, flags: { source: SOURCE, attributes: { plan: { header: 'x-plan' } } } })
  app.get('/', (req) => ({
    on: FLAGS.map((n) => req.flags.isEnabled(n)),
    again: FLAGS.map((n) => req.flags.isEnabled(n)),
    variants: FLAGS.map((n) => req.flags.variant(n).name),
    values: FLAGS.map((n) => req.flags.value(n, null)),
    arms: EXPERIMENTS.map((n) => req.experiment(n)),
  }))
  const { port } = await app.listen(0)
  try {
    for (let i = 0; i < 300; i++) {
      const user = `unit-${i}`
      const plan = PLANS[i % 3]
      const got = (await request(port, '/', { headers: { 'x-user-id': user, ...(plan === undefined ? {} : { 'x-plan': plan }) } })).json() as Record<string, unknown[]>
      const ctx = { unitKey: user, attributes: plan === undefined ? {} : { plan } }
      const want = FLAGS.map((n) => app.flags.evaluate(n, ctx))
      const on = want.map((e) => e.enabled)
      assert.deepEqual(got.on, on, user)
      assert.deepEqual(got.again, on, user)
      assert.deepEqual(got.variants, want.map((e) => e.variant ?? 'disabled'), user)
      assert.deepEqual(got.values, want.map((e) => e.value ?? null), user)
      assert.deepEqual(got.arms, EXPERIMENTS.map((n) => app.flags.assignment(n, ctx)), user)
    }
  } finally {
    await app.close()
  }
})

test('exposures stay exact: one per answer, none for flags not asked', async () => {
  const app = createApp({ admission: false, unitKey: { header: 'x-user-id' }, flags: { source: SOURCE } })
  app.get('/', (req) => [req.flags.isEnabled('roll'), req.flags.isEnabled('roll'), req.flags.isEnabled('killed'), req.experiment('layout')])
  const { port } = await app.listen(0)
  try {
    let rollOn = 0
    let arms = 0
    for (let i = 0; i < 100; i++) {
      const [on, , killed, arm] = (await request(port, '/', { headers: { 'x-user-id': `e-${i}` } })).json() as [boolean, boolean, boolean, string | null]
      assert.equal(killed, false)
      if (on) rollOn++
      if (arm !== null) arms++
    }
    const counts = app.flags.exposures()
    assert.deepEqual(counts.flags.roll, { on: 2 * rollOn, off: 2 * (100 - rollOn) })
    assert.equal(Object.values(counts.flags.half ?? {}).reduce((a, b) => a + b, 0), 0)
    assert.equal(Object.values(counts.flags.killed ?? {}).reduce((a, b) => a + b, 0), 0)
    assert.equal(Object.values(counts.experiments.layout!).reduce((a, b) => a + b, 0), arms)
  } finally {
    await app.close()
  }
})

test('a reload mid-request: the request answers from the snapshot of its first question, the next request from the new one', async () => {
  const first = { flags: { a: { rollout: 100 }, gone: {} } }
  const second = { flags: { a: { rollout: 0 }, fresh: {} } }
  let resume: () => void = () => {}
  let paused: () => void = () => {}
  const pausedP = new Promise<void>((r) => { paused = r })
  const app = createApp({ admission: false, unitKey: { header: 'x-user-id' }, flags: { source: first } })
  app.get('/', async (req) => {
    const before = [req.flags.isEnabled('a'), req.flags.isEnabled('gone'), req.flags.isEnabled('fresh')]
    if (req.headers['x-pause'] === '1') {
      await new Promise<void>((r) => { resume = r; paused() })
    }
    return { before, after: [req.flags.isEnabled('a'), req.flags.isEnabled('gone'), req.flags.isEnabled('fresh')] }
  })
  const { port } = await app.listen(0)
  try {
    const pending = request(port, '/', { headers: { 'x-user-id': 'u', 'x-pause': '1' } })
    await pausedP
    await app.flags.load(second)
    // This thread now evaluates on the new snapshot, so the paused request's later answers are counted by name.
    assert.equal(app.flags.evaluate('a', { unitKey: 'u' }).enabled, false)
    resume()
    assert.deepEqual((await pending).json(), { before: [true, true, false], after: [true, true, false] })
    assert.deepEqual((await request(port, '/', { headers: { 'x-user-id': 'u' } })).json(), { before: [false, false, true], after: [false, false, true] })
    const counts = app.flags.exposures()
    assert.deepEqual(counts.flags.a, { on: 2, off: 3 })
    assert.deepEqual(counts.flags.gone, { off: 0, on: 2 })
    assert.deepEqual(counts.flags.fresh, { off: 0, on: 2 })
  } finally {
    resume()
    await app.close()
  }
})
