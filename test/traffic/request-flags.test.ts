import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createApp } from 'griddle'
import { raw, request } from '../helpers/http.js'

const SOURCE = {
  flags: {
    beta: { rules: [{ when: [{ attribute: 'plan', op: 'equals', value: 'pro' }] }], rollout: 0 },
    staff: { rules: [{ when: [{ attribute: 'role', op: 'equals', value: 'staff' }] }], rollout: 0 },
    roll: { rollout: 50 },
    button: { type: 'string', default: 'grey', variants: [{ name: 'red', weight: 1, payload: '#f00' }, { name: 'blue', weight: 1, payload: '#00f' }] },
  },
  experiments: { 'home-layout': { arms: [{ name: 'grid', weight: 1 }, { name: 'list', weight: 1 }] } },
}

test('req.flags answers for the unit in the header, as app.flags.evaluate does for the same key', async () => {
  const app = createApp({ admission: false, unitKey: { header: 'x-user-id', cookie: 'uid' }, flags: { source: SOURCE } })
  app.get('/', (req) => ({ roll: req.flags.isEnabled('roll'), button: req.flags.value('button', 'none'), variant: req.flags.variant('button'), arm: req.experiment('home-layout'), same: req.flags === req.flags }))
  const { port } = await app.listen(0)
  try {
    // Non-ASCII keys travel percent-encoded in the cookie (a header value is ASCII on the wire).
    for (const [user, headers] of [['u1', { 'x-user-id': 'u1' }], ['u2', { 'x-user-id': 'u2' }], ['ключ', { cookie: `a=1; uid=${encodeURIComponent('ключ')}` }],
      ['😀', { cookie: `uid=${encodeURIComponent('😀')}` }], ['x'.repeat(4000), { 'x-user-id': 'x'.repeat(4000) }]] as const) {
      const got = (await request(port, '/', { headers })).json() as Record<string, unknown>
      const e = app.flags.evaluate('button', { unitKey: user })
      assert.deepEqual(got, {
        roll: app.flags.evaluate('roll', { unitKey: user }).enabled, button: e.value,
        variant: { name: e.variant, payload: e.payload, enabled: true }, arm: app.flags.assignment('home-layout', { unitKey: user }), same: true,
      }, user.slice(0, 10))
    }
    const none = (await request(port, '/')).json() as Record<string, unknown>
    assert.deepEqual(none, { roll: false, button: 'grey', variant: { name: 'disabled', enabled: false }, arm: null, same: true })
    const counts = app.flags.exposures()
    assert.equal(Object.values(counts.experiments['home-layout']!).reduce((a, b) => a + b, 0), 5)
    assert.ok(counts.flags.button!.off! >= 1)
  } finally {
    await app.close()
  }
})

test('an attribute comes only from its declared header: other headers cannot pose as it', async () => {
  const app = createApp({
    admission: false,
    unitKey: { header: 'x-user-id' },
    flags: { source: SOURCE, attributes: { plan: { header: 'x-plan' } }, context: (req: { headers: Record<string, string> }) => ({ role: req.headers['x-auth'] === 'secret' ? 'staff' : 'guest' }) },
  })
  app.get('/', (req) => `${req.flags.isEnabled('beta')} ${req.flags.isEnabled('staff')}`)
  const { port } = await app.listen(0)
  try {
    const send = async (headers: string) => (await raw(port, `GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n${headers}\r\n`)).text.split('\r\n\r\n')[1]
    assert.equal(await send('x-plan: pro\r\n'), 'true false')
    assert.equal(await send('plan: pro\r\nrole: staff\r\nx-role: staff\r\n'), 'false false')
    assert.equal(await send('x-auth: secret\r\n'), 'false true')
  } finally {
    await app.close()
  }
})

test('onExposure receives deduplicated (unit, experiment, arm) events in batches', async () => {
  const batches: Array<Array<{ unit: string, experiment: string, arm: string }>> = []
  const app = createApp({ admission: false, unitKey: { header: 'x-user-id' }, flags: { source: SOURCE, onExposure: (b) => batches.push(b), exposureBatchMs: 10 } })
  app.get('/', (req) => req.experiment('home-layout') ?? 'none')
  const { port } = await app.listen(0)
  try {
    for (const u of ['a', 'b', 'a', 'a', 'c']) await request(port, '/', { headers: { 'x-user-id': u } })
    const end = Date.now() + 3000
    while (batches.flat().length < 3 && Date.now() < end) await new Promise((r) => setTimeout(r, 10))
    const events = batches.flat()
    assert.deepEqual(events.map((e) => e.unit).sort(), ['a', 'b', 'c'])
    for (const e of events) assert.equal(e.arm, app.flags.assignment('home-layout', { unitKey: e.unit }))
  } finally {
    await app.close()
  }
})
