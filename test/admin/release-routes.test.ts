import { test } from 'node:test'
import assert from 'node:assert/strict'
import { AdminListener } from '../../lib/admin/listener.js'
import { releaseRoutes } from '../../lib/admin/release-routes.js'
import { TestReleases } from '../helpers/releases.js'

const TOKEN = 'release-routes-token-0123'
const USERS = encodeURIComponent('GET /users/:id')

async function serve(): Promise<{ releases: TestReleases, base: string, close: () => void }> {
  const releases = new TestReleases()
  releases.add('GET /users/:id', 'v2')
  releases.add('GET /items', 'v7')
  const listener = new AdminListener(TOKEN, releaseRoutes(releases))
  const port = await listener.listen('127.0.0.1', 0)
  return { releases, base: `http://127.0.0.1:${port}`, close: () => listener.close() }
}

async function call(base: string, method: string, path: string, body?: unknown, opts: { token?: string | null, type?: string, raw?: string } = {}):
  Promise<{ status: number, json: Record<string, unknown> }> {
  const headers: Record<string, string> = {}
  const token = opts.token === undefined ? TOKEN : opts.token
  if (token !== null) headers.authorization = `Bearer ${token}`
  if (body !== undefined || opts.raw !== undefined) headers['content-type'] = opts.type ?? 'application/json'
  const res = await fetch(base + path, { method, headers, body: opts.raw ?? (body === undefined ? undefined : JSON.stringify(body)) })
  return { status: res.status, json: await res.json() as Record<string, unknown> }
}

test('GET /releases lists every release; GET /releases/:route and /:route/:version show one, the route URL-encoded', async () => {
  const { base, close } = await serve()
  try {
    const list = await call(base, 'GET', '/releases')
    assert.equal(list.status, 200)
    assert.deepEqual((list.json.releases as Array<{ route: string, version: string }>).map((r) => [r.route, r.version]), [['GET /users/:id', 'v2'], ['GET /items', 'v7']])
    const one = await call(base, 'GET', `/releases/${USERS}`)
    assert.equal(one.status, 200)
    assert.equal(one.json.route, 'GET /users/:id')
    assert.equal(one.json.state, 'loaded')
    assert.equal((await call(base, 'GET', `/releases/${USERS}/v2`)).json.version, 'v2')
    const noRoute = await call(base, 'GET', `/releases/${encodeURIComponent('GET /nope')}`)
    assert.equal(noRoute.status, 404)
    assert.equal(noRoute.json.code, 'GRIDDLE_ERR_RELEASE_NOT_FOUND')
    assert.match(String(noRoute.json.message), /GET \/users\/:id/)
    const noVersion = await call(base, 'GET', `/releases/${USERS}/v9`)
    assert.equal(noVersion.status, 404)
    assert.match(String(noVersion.json.message), /versions: v2/)
  } finally {
    close()
  }
})

test('the commands drive the release through its states, and each is audited as admin', async () => {
  const { releases, base, close } = await serve()
  const at = (action: string) => `/releases/${USERS}/v2/${action}`
  try {
    const ghost = await call(base, 'POST', at('ghost'), { sample: 0.2, compare: { ignore: ['/at'], noise: true }, maxConcurrent: 8 })
    assert.equal(ghost.status, 200)
    assert.equal(ghost.json.state, 'ghost')
    const ramp = await call(base, 'POST', at('ramp'), { steps: [5, 50, 100], minSamples: 10, guards: { p99Ratio: 1.5 } })
    assert.equal(ramp.json.state, 'ramping')
    assert.equal(ramp.json.percent, 5)
    assert.equal((await call(base, 'POST', at('pause'))).json.state, 'paused')
    const twice = await call(base, 'POST', at('pause'))
    assert.equal(twice.status, 409)
    assert.equal(twice.json.code, 'GRIDDLE_ERR_RELEASE_STATE')
    assert.equal((await call(base, 'POST', at('resume'))).json.state, 'ramping')
    assert.equal((await call(base, 'POST', at('promote'))).json.state, 'promoted')
    const back = await call(base, 'POST', at('rollback'), { reason: 'p99 after promotion' })
    assert.equal(back.json.state, 'rolled-back')
    assert.equal(back.json.reason, 'p99 after promotion')
    const late = await call(base, 'POST', at('ghost'), { sample: 0.1 })
    assert.equal(late.status, 409)
    const r = releases.get('GET /users/:id', 'v2')!
    assert.deepEqual(r.calls, [
      ['ghost', { sample: 0.2, compare: { ignore: ['/at'], noise: true }, maxConcurrent: 8 }],
      ['ramp', { steps: [5, 50, 100], minSamples: 10, guards: { p99Ratio: 1.5 } }],
      ['pause'], ['pause'], ['resume'], ['promote'], ['rollback', 'p99 after promotion'], ['ghost', { sample: 0.1 }],
    ])
    const audit = await call(base, 'GET', '/audit')
    const entries = audit.json.entries as Array<{ actor: string, action: string, to: { state: string } }>
    assert.deepEqual(entries.map((e) => [e.actor, e.action, e.to.state]), [
      ['admin', 'ghost', 'ghost'], ['admin', 'ramp', 'ramping'], ['admin', 'pause', 'paused'],
      ['admin', 'resume', 'ramping'], ['admin', 'promote', 'promoted'], ['admin', 'rollback', 'rolled-back'],
    ])
    const two = await call(base, 'GET', '/audit?limit=2')
    assert.deepEqual((two.json.entries as Array<{ action: string }>).map((e) => e.action), ['promote', 'rollback'])
    // The other release was never touched.
    assert.deepEqual(releases.get('GET /items')!.calls, [])
  } finally {
    close()
  }
})

test('bad input gets a coded 4xx and never reaches the release', async () => {
  const { releases, base, close } = await serve()
  const at = (action: string) => `/releases/${USERS}/v2/${action}`
  const cases: Array<[string, string, unknown, { raw?: string, type?: string }, number, string, RegExp?]> = [
    ['POST', at('ghost'), {}, {}, 400, 'GRIDDLE_ERR_BAD_REQUEST', /sample/],
    ['POST', at('ghost'), { sample: 0.1, compare: { ignore: ['no-slash'] } }, {}, 400, 'GRIDDLE_ERR_BAD_REQUEST', /JSON Pointer/],
    ['POST', at('ghost'), { sample: 0.1, maxConcurent: 3 }, {}, 400, 'GRIDDLE_ERR_BAD_REQUEST', /maxConcurent/],
    ['POST', at('ramp'), { steps: [50, 5] }, {}, 400, 'GRIDDLE_ERR_BAD_REQUEST', /steps/],
    ['POST', at('ramp'), { guards: { p99ratio: 2 } }, {}, 400, 'GRIDDLE_ERR_BAD_REQUEST', /p99ratio/],
    ['POST', at('ramp'), { tickMs: 1 }, {}, 400, 'GRIDDLE_ERR_BAD_REQUEST', /tickMs/],
    ['POST', at('rollback'), { reason: 5 }, {}, 400, 'GRIDDLE_ERR_BAD_REQUEST', /reason/],
    ['POST', at('pause'), { now: true }, {}, 400, 'GRIDDLE_ERR_BAD_REQUEST', /no fields/],
    ['POST', at('ramp'), undefined, { raw: '{"steps":' }, 400, 'GRIDDLE_ERR_BAD_JSON'],
    ['POST', at('ramp'), undefined, { raw: '[1]' }, 400, 'GRIDDLE_ERR_BAD_REQUEST', /object/],
    ['POST', at('ramp'), undefined, { raw: 'steps=1', type: 'application/x-www-form-urlencoded' }, 415, 'GRIDDLE_ERR_MEDIA_TYPE'],
    ['POST', at('explode'), {}, {}, 404, 'GRIDDLE_ERR_NOT_FOUND', /actions: ghost/],
    ['POST', `/releases/${USERS}/v2`, {}, {}, 404, 'GRIDDLE_ERR_NOT_FOUND'],
    ['POST', `/releases/${USERS}/v3/pause`, {}, {}, 404, 'GRIDDLE_ERR_RELEASE_NOT_FOUND'],
    ['GET', '/releases/GET /users/:id', undefined, {}, 404, 'GRIDDLE_ERR_NOT_FOUND', /URL-encoded/],
    ['GET', '/releases/%E0%A4%A', undefined, {}, 400, 'GRIDDLE_ERR_BAD_URL'],
    ['GET', '/audit?limit=0', undefined, {}, 400, 'GRIDDLE_ERR_BAD_REQUEST', /limit/],
    ['GET', '/audit?limit=ten', undefined, {}, 400, 'GRIDDLE_ERR_BAD_REQUEST', /limit/],
    ['PUT', at('pause'), undefined, {}, 405, 'GRIDDLE_ERR_METHOD_NOT_ALLOWED'],
  ]
  try {
    for (const [method, path, body, opts, status, code, message] of cases) {
      const res = await call(base, method, path, body, opts)
      assert.equal(res.status, status, `${method} ${path} ${JSON.stringify(body ?? opts.raw)}: ${JSON.stringify(res.json)}`)
      assert.equal(res.json.code, code, `${method} ${path}`)
      if (message !== undefined) assert.match(String(res.json.message), message, `${method} ${path}`)
    }
    assert.deepEqual(releases.get('GET /users/:id')!.calls, [], 'no bad body reached the release')
    assert.deepEqual(releases.audit(), [])
    // The release's own refusal of an option it checks is a 400 too.
    const refused = await call(base, 'POST', at('ramp'), { steps: [60, 100] })
    assert.equal(refused.status, 400)
    assert.equal(refused.json.code, 'GRIDDLE_ERR_INVALID_OPTION')
  } finally {
    close()
  }
})

test('the admin token is required by every release route', async () => {
  const { releases, base, close } = await serve()
  try {
    for (const token of [null, 'wrong-token']) {
      for (const [method, path] of [['GET', '/releases'], ['GET', `/releases/${USERS}`], ['POST', `/releases/${USERS}/v2/pause`], ['GET', '/audit']] as const) {
        const res = await call(base, method, path, undefined, { token })
        assert.equal(res.status, 401, `${method} ${path}`)
        assert.equal(res.json.code, 'GRIDDLE_ERR_UNAUTHORIZED')
      }
    }
    assert.deepEqual(releases.get('GET /users/:id')!.calls, [])
  } finally {
    close()
  }
})
