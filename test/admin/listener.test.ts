import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createApp, serve, type App, type AppOptions } from 'griddle'
import { raw, request } from '../helpers/http.js'

const TOKEN = 'test-token-0123456789abcdef'
const auth = { authorization: `Bearer ${TOKEN}` }

/** Like withApp, with the admin listener's port too. */
async function withAdmin(setup: (app: App) => void, fn: (port: number, admin: number, app: App) => Promise<void>,
  options: AppOptions = {}): Promise<void> {
  const app = createApp({ closeGraceMs: 200, admin: { token: TOKEN }, ...options })
  setup(app)
  const address = await app.listen(0)
  try {
    await fn(address.port, address.admin?.port ?? -1, app)
  } finally {
    await app.close()
  }
}

test('every admin request needs the bearer token; without it the answer is a coded 401', async () => {
  await withAdmin(() => {}, async (_port, admin) => {
    const none = await request(admin, '/stats.json')
    assert.equal(none.status, 401)
    assert.equal((none.json() as { code: string }).code, 'GRIDDLE_ERR_UNAUTHORIZED')
    assert.match(String(none.headers['www-authenticate']), /^Bearer/)
    for (const given of ['Bearer nope-nope-nope-nope', `Bearer ${TOKEN.slice(0, -1)}`, `Bearer ${TOKEN}x`, `Basic ${TOKEN}`, TOKEN]) {
      assert.equal((await request(admin, '/stats.json', { headers: { authorization: given } })).status, 401, given)
    }
    const ok = await request(admin, '/stats.json', { headers: auth })
    assert.equal(ok.status, 200)
    assert.equal(ok.headers['cache-control'], 'no-store')
    assert.ok(Array.isArray((ok.json() as { table: unknown[] }).table))
  })
})

test('a browser signs in once: ?token= or the login form sets an HttpOnly cookie that then suffices', async () => {
  await withAdmin(() => {}, async (_port, admin) => {
    const login = await request(admin, '/')
    assert.equal(login.status, 401)
    assert.match(login.text, /<form method="post" action="\/login">/)
    const viaQuery = await request(admin, `/stats.json?token=${TOKEN}&since=5`)
    assert.equal(viaQuery.status, 303)
    assert.equal(viaQuery.headers.location, '/stats.json?since=5')
    const cookie = String(viaQuery.headers['set-cookie']).split(';')[0]!
    assert.match(String(viaQuery.headers['set-cookie']), /HttpOnly/)
    assert.equal((await request(admin, '/stats.json', { headers: { cookie } })).status, 200)
    const form = { 'content-type': 'application/x-www-form-urlencoded' }
    const signed = await request(admin, '/login', { method: 'POST', headers: form, body: `token=${encodeURIComponent(TOKEN)}` })
    assert.equal(signed.status, 303)
    assert.equal(signed.headers.location, '/')
    assert.equal(String(signed.headers['set-cookie']).split(';')[0], cookie)
    const refused = await request(admin, '/login', { method: 'POST', headers: form, body: 'token=wrong-wrong-wrong-wrong' })
    assert.equal(refused.status, 401)
    assert.equal(refused.headers['set-cookie'], undefined)
    assert.equal((await request(admin, '/stats.json', { headers: { cookie: 'griddle_admin=wrong' } })).status, 401)
  })
})

test('bad admin input gets a coded JSON error', async () => {
  await withAdmin(() => {}, async (_port, admin) => {
    const code = async (path: string, o: Parameters<typeof request>[2] = {}) => {
      const r = await request(admin, path, { ...o, headers: { ...auth, ...o.headers } })
      return [r.status, (r.json() as { code: string }).code]
    }
    assert.deepEqual(await code('/no-such-thing'), [404, 'GRIDDLE_ERR_NOT_FOUND'])
    assert.deepEqual(await code('/metrics', { method: 'DELETE' }), [405, 'GRIDDLE_ERR_METHOD_NOT_ALLOWED'])
    assert.deepEqual(await code('/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }), [415, 'GRIDDLE_ERR_MEDIA_TYPE'])
    assert.deepEqual(await code('/login', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'x=1' }), [400, 'GRIDDLE_ERR_BAD_REQUEST'])
    // A body past the admin limit, over a raw socket.
    const big = 'x'.repeat(70 * 1024)
    const r = await raw(admin, `POST /login HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ${big.length}\r\n\r\n${big}`)
    assert.match(r.text, /^HTTP\/1\.1 413 /)
    assert.match(r.text, /GRIDDLE_ERR_BODY_TOO_LARGE/)
  })
})

test('without a token no admin listener starts', async () => {
  const app = createApp({ admin: { port: 0 } })
  const address = await app.listen(0)
  try {
    assert.equal(address.admin, undefined)
  } finally {
    await app.close()
  }
})

test('admin options are checked with coded errors', () => {
  for (const admin of [{ token: 'short' }, { token: 42 }, { port: -1, token: TOKEN }, { host: '', token: TOKEN }, 'yes']) {
    assert.throws(() => createApp({ admin } as never), { code: 'GRIDDLE_ERR_INVALID_OPTION' }, JSON.stringify(admin))
  }
})

test('unknown admin, statsd and metrics fields are refused by name', () => {
  assert.throws(() => createApp({ admin: { token: TOKEN, prot: 1 } } as never), { code: 'GRIDDLE_ERR_UNKNOWN_OPTION' })
  assert.throws(() => createApp({ statsd: { hots: 'x' } } as never), { code: 'GRIDDLE_ERR_UNKNOWN_OPTION' })
  assert.throws(() => createApp({ metrics: { path: '/m', x: 1 } } as never), { code: 'GRIDDLE_ERR_UNKNOWN_OPTION' })
})

test('serve() takes admin and statsd for its main thread, checking them there before any worker starts', async () => {
  await assert.rejects(serve({ app: '/nonexistent/app.js', workers: 1, port: 0, options: { admin: { token: 'short' } } }), { code: 'GRIDDLE_ERR_INVALID_OPTION' })
  await assert.rejects(serve({ app: '/nonexistent/app.js', workers: 1, port: 0, options: { statsd: { hots: 'x' } } as never }), { code: 'GRIDDLE_ERR_UNKNOWN_OPTION' })
  // Accepted: the failure is now the missing app module, in the worker (test/workers/cluster-telemetry.test.ts runs them for real).
  for (const options of [{ admin: { token: TOKEN } }, { statsd: {} }]) {
    await assert.rejects(serve({ app: '/nonexistent/app.js', workers: 1, port: 0, options, log: () => {} }), { code: 'GRIDDLE_ERR_WORKER' })
  }
})

test('the admin listener closes with the app', async () => {
  let admin = -1
  await withAdmin(() => {}, async (_port, a) => { admin = a })
  const r = await raw(admin, 'GET /stats.json HTTP/1.1\r\nHost: x\r\n\r\n', 300)
  assert.notEqual(r.end, 'timeout')
  assert.equal(r.text, '')
})
