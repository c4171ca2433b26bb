import { after, test } from 'node:test'
import assert from 'node:assert/strict'
import { writeFileSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { createApp } from 'griddle'
import { request } from '../helpers/http.js'
import { tempDir } from '../helpers/temp.js'

const dir = tempDir(after, 'griddle-releases-')

async function withApp<T>(fn: (port: number, app: ReturnType<typeof createApp>) => Promise<T>, options = {}): Promise<T> {
  const app = createApp({ unitKey: { header: 'x-user' }, ...options })
  app.get('/users/:id', { version: 'v1' }, (req) => ({ id: req.params.id, version: 'v1', ghost: req.ghost }))
  app.get('/cached/:id', { cache: { ttlMs: 60_000 } }, (req) => ({ id: req.params.id, version: 'v1' }))
  app.get('/plain', () => ({ plain: true }))
  const { port } = await app.listen(0)
  try {
    return await fn(port, app)
  } finally {
    await app.close()
  }
}

/** Every user's version, 20 requests at a time (admission control sheds a burst of hundreds). */
async function versions(port: number, users: readonly string[]): Promise<string[]> {
  const out: string[] = []
  for (let i = 0; i < users.length; i += 20) out.push(...await Promise.all(users.slice(i, i + 20).map((u) => versionOf(port, u))))
  return out
}

async function versionOf(port: number, user: string, path = '/users/1'): Promise<string> {
  const r = await request(port, path, { headers: { 'x-user': user } })
  assert.equal(r.status, 200, r.text)
  return (r.json() as { version: string }).version
}

test('a release serves its share of live traffic, each user sticking to one version and moving only forward', async () => {
  await withApp(async (port, app) => {
    const r = app.release('GET /users/:id', { version: 'v2', handler: (req) => ({ id: req.params.id, version: 'v2', ghost: req.ghost }) })
    await r.ready
    assert.equal(r.status().state, 'loaded')
    assert.equal(await versionOf(port, 'u1'), 'v1')
    r.ramp({ steps: [20, 60, 100], minSamples: 1e9, minStepMs: 3_600_000, tickMs: 60_000 })
    assert.equal(r.status().percent, 20)
    const users = Array.from({ length: 300 }, (_, i) => `user-${i}`)
    const at20 = await versions(port, users)
    const share = at20.filter((v) => v === 'v2').length / users.length
    assert.ok(share > 0.1 && share < 0.3, `share at 20 %: ${share}`)
    assert.deepEqual(await versions(port, users), at20, 'the same user gets the same version')
    // A step forward by hand: the ramp's controller would do the same on a passing tick.
    r.pause()
    r.resume()
    assert.equal(r.status().state, 'ramping')
    r.promote()
    const after = await versions(port, users)
    assert.ok(after.every((v) => v === 'v2'))
    const s = r.status()
    assert.equal(s.state, 'promoted')
    assert.equal(s.stableVersion, 'v2')
    assert.equal(s.percent, 100)
    // Rolling back a promotion: the old stable, loaded all along, serves again at once.
    r.rollback('test')
    assert.ok((await versions(port, users.slice(0, 50))).every((v) => v === 'v1'))
    assert.equal(r.status().reason, 'test')
    const actions = app.releases.audit().map((e) => e.action)
    assert.deepEqual(actions, ['load', 'ramp', 'pause', 'resume', 'promote', 'rollback'])
    r.drop()
    assert.equal(app.releases.get('GET /users/:id'), undefined)
    assert.equal(await versionOf(port, 'u1'), 'v1')
  })
})

test('the arm is recorded in the statistics under the version name, and req.ghost is false on the request path', async () => {
  await withApp(async (port, app) => {
    const r = app.release('GET /users/:id', { version: 'v2', handler: (req) => ({ version: 'v2', ghost: req.ghost }) })
    r.ramp({ steps: [50], minSamples: 1e9, minStepMs: 3_600_000 })
    await r.ready
    for (let i = 0; i < 40; i++) {
      const res = await request(port, '/users/1', { headers: { 'x-user': `k${i}` } })
      assert.equal((res.json() as { ghost: boolean }).ghost, false)
    }
    const arms = new Map<string, number>()
    for (const s of app.stats.snapshot().series) if (s.route === '/users/:id') arms.set(s.arm, (arms.get(s.arm) ?? 0) + s.requests)
    assert.equal((arms.get('v1') ?? 0) + (arms.get('v2') ?? 0), 40)
    assert.ok(arms.get('v1')! > 0 && arms.get('v2')! > 0, JSON.stringify([...arms]))
    const metrics = await request(port, '/plain')
    assert.equal(metrics.status, 200)
    const st = r.status()
    assert.equal(st.stable.requests + st.candidate.requests, 40)
    assert.equal(st.stable.version, 'v1')
  })
})

test('a cached route caches per version: promotion and rollback never serve the other version\'s body', async () => {
  await withApp(async (port, app) => {
    const get = async () => (await request(port, '/cached/1', { headers: { 'x-user': 'same' } })).json() as { version: string }
    assert.equal((await get()).version, 'v1')
    assert.equal((await get()).version, 'v1')
    const r = app.release('GET /cached/:id', { version: 'v2', handler: (req) => ({ id: req.params.id, version: 'v2' }) })
    await r.ready
    assert.equal((await get()).version, 'v1')
    r.promote()
    assert.equal((await get()).version, 'v2')
    assert.equal((await get()).version, 'v2', 'v2 is now cached under its own key')
    r.rollback()
    assert.equal((await get()).version, 'v1')
    r.drop()
    assert.equal((await get()).version, 'v1')
  })
})

test('a module version loads with import() at run time; a broken one is refused and the stable keeps serving', async () => {
  const good = join(dir, 'users-v3.mjs')
  writeFileSync(good, 'export default (req) => ({ id: req.params.id, version: "v3" })\nexport const other = () => ({ version: "other" })\n')
  const broken = join(dir, 'broken.mjs')
  writeFileSync(broken, 'throw new Error("boom at import")\n')
  const noExport = join(dir, 'no-export.mjs')
  writeFileSync(noExport, 'export const x = 1\n')
  await withApp(async (port, app) => {
    const bad = app.release('GET /users/:id', { version: 'v9', module: pathToFileURL(broken) })
    bad.ramp({ steps: [100], minSamples: 1, minStepMs: 0 })
    await assert.rejects(bad.ready, (err: Error & { code?: string }) => err.code === 'GRIDDLE_ERR_RELEASE_LOAD' && /boom at import/.test(err.message))
    assert.equal(await versionOf(port, 'a'), 'v1')
    assert.equal(app.releases.get('GET /users/:id'), undefined)
    assert.equal(app.releases.audit().at(-1)!.action, 'refuse')
    assert.throws(() => bad.promote(), { code: 'GRIDDLE_ERR_RELEASE_STATE' })
    const none = app.release('GET /users/:id', { version: 'v8', module: noExport })
    await assert.rejects(none.ready, { code: 'GRIDDLE_ERR_RELEASE_LOAD' })
    const r = app.release('GET /users/:id', { version: 'v3', module: new URL(pathToFileURL(good)) })
    r.promote()
    await r.ready
    assert.equal(await versionOf(port, 'a'), 'v3')
    r.drop()
    const o = app.release('GET /users/:id', { version: 'v4', module: good, export: 'other' })
    await o.ready
    o.promote()
    assert.equal(await versionOf(port, 'a'), 'other')
  })
})

test('bad release input gets coded errors', async () => {
  await withApp(async (_port, app) => {
    assert.throws(() => app.release('/users/:id', { version: 'v2', handler: () => 1 }), { code: 'GRIDDLE_ERR_RELEASE_OPTION' })
    assert.throws(() => app.release('GET /nope', { version: 'v2', handler: () => 1 }), { code: 'GRIDDLE_ERR_RELEASE_NOT_FOUND' })
    assert.throws(() => app.release('GET /users/:id', { version: 'v1', handler: () => 1 }), { code: 'GRIDDLE_ERR_RELEASE_STATE' })
    assert.throws(() => app.release('GET /users/:id', { version: 'has space', handler: () => 1 }), { code: 'GRIDDLE_ERR_RELEASE_OPTION' })
    assert.throws(() => app.release('GET /users/:id', { version: 'v2' } as never), { code: 'GRIDDLE_ERR_RELEASE_OPTION' })
    const r = app.release('GET /users/:id', { version: 'v2', handler: () => 1 })
    assert.throws(() => app.release('GET /users/:id', { version: 'v3', handler: () => 1 }), { code: 'GRIDDLE_ERR_RELEASE_STATE' })
    await r.ready
    assert.throws(() => r.ramp({ steps: [50, 10] }), { code: 'GRIDDLE_ERR_RELEASE_OPTION' })
    assert.throws(() => r.ramp({ minSamples: -1 }), { code: 'GRIDDLE_ERR_RELEASE_OPTION' })
    assert.throws(() => r.ramp({ guards: { p99: 2 } } as never), { code: 'GRIDDLE_ERR_UNKNOWN_OPTION' })
    assert.throws(() => r.ghost({ sample: 2 }), { code: 'GRIDDLE_ERR_RELEASE_OPTION' })
    assert.throws(() => r.resume(), { code: 'GRIDDLE_ERR_RELEASE_STATE' })
    assert.throws(() => createApp().get('/x', { version: '' }, () => 1), { code: 'GRIDDLE_ERR_RELEASE_OPTION' })
  })
})

test('the audit log is appended as one JSON object per line', async () => {
  const log = join(dir, 'audit.jsonl')
  await withApp(async (_port, app) => {
    const r = app.release('GET /users/:id', { version: 'v2', handler: () => ({}) })
    await r.ready
    r.ramp({ steps: [10, 100], minSamples: 1e9 })
    r.rollback('enough')
    const admin = (app.releases as Required<typeof app.releases>).withActor('admin')
    admin.get('GET /users/:id', 'v2')!.ramp({ steps: [5], minSamples: 1e9 })
    assert.equal(app.releases.audit().at(-1)!.actor, 'admin')
    assert.equal(admin.get('GET /users/:id', 'v9'), undefined)
  }, { releases: { auditLog: log } })
  const lines = readFileSync(log, 'utf8').trim().split('\n').map((l) => JSON.parse(l))
  assert.deepEqual(lines.map((l) => l.action), ['load', 'ramp', 'rollback', 'ramp'])
  assert.equal(lines[3].actor, 'admin')
  const last = lines[2]
  assert.equal(last.route, 'GET /users/:id')
  assert.equal(last.version, 'v2')
  assert.equal(last.actor, 'api')
  assert.deepEqual(last.from, { state: 'ramping', percent: 10 })
  assert.deepEqual(last.to, { state: 'rolled-back', percent: 0 })
  assert.equal(last.evidence.reason, 'enough')
  assert.ok(!Number.isNaN(Date.parse(last.at)))
})
