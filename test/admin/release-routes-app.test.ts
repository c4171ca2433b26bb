import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createApp } from 'griddle'
import { request } from '../helpers/http.js'

const TOKEN = 'release-admin-token-0123456789'
const auth = (extra: Record<string, string> = {}) => ({ headers: { authorization: `Bearer ${TOKEN}`, ...extra } })
const ROUTE = encodeURIComponent('GET /users/:id')

test('createApp\'s admin listener serves and drives the app\'s own releases, audited as admin', async () => {
  const app = createApp({ unitKey: { header: 'x-user' }, admin: { port: 0, token: TOKEN } })
  app.get('/users/:id', (req) => ({ id: req.params.id, version: 'v1' }))
  app.release('GET /users/:id', { version: 'v2', handler: (req) => ({ id: req.params.id, version: 'v2' }) })
  const { port, admin } = await app.listen(0)
  try {
    const a = admin!.port
    assert.equal((await request(a, '/releases')).status, 401)
    const list = (await request(a, '/releases', auth())).json() as { releases: Array<{ route: string, version: string, state: string }> }
    assert.deepEqual(list.releases.map((r) => [r.route, r.version, r.state]), [['GET /users/:id', 'v2', 'loaded']])
    const ramp = await request(a, `/releases/${ROUTE}/v2/ramp`, {
      method: 'POST', ...auth({ 'content-type': 'application/json' }),
      body: JSON.stringify({ steps: [50, 100], minSamples: 1_000_000, minStepMs: 60_000, tickMs: 1000 }),
    })
    assert.equal(ramp.status, 200, ramp.text)
    assert.equal((ramp.json() as { state: string, percent: number }).percent, 50)
    // The app really serves the ramp: some users get v2.
    const seen = new Set<string>()
    for (let i = 0; i < 40; i++) seen.add(((await request(port, '/users/1', { headers: { 'x-user': `u${i}` } })).json() as { version: string }).version)
    assert.deepEqual([...seen].sort(), ['v1', 'v2'])
    const pause = await request(a, `/releases/${ROUTE}/v2/pause`, { method: 'POST', ...auth() })
    assert.equal((pause.json() as { state: string }).state, 'paused')
    const bad = await request(a, `/releases/${ROUTE}/v9/promote`, { method: 'POST', ...auth() })
    assert.equal(bad.status, 404)
    const audit = (await request(a, '/audit', auth())).json() as { entries: Array<{ actor: string, action: string }> }
    assert.ok(audit.entries.some((e) => e.action === 'ramp' && e.actor === 'admin'), JSON.stringify(audit.entries))
    assert.ok(audit.entries.some((e) => e.action === 'pause' && e.actor === 'admin'))
  } finally {
    await app.close()
  }
})
