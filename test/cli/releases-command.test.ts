import { test } from 'node:test'
import assert from 'node:assert/strict'
import { AdminListener } from '../../lib/admin/listener.js'
import { releaseRoutes } from '../../lib/admin/release-routes.js'
import { dispatch } from '../../lib/cli/dispatch.js'
import { table } from '../../lib/cli/releases-format.js'
import { TestReleases } from '../helpers/releases.js'

const TOKEN = 'cli-releases-token-42'

function collect(): { io: { out: (s: string) => void, err: (s: string) => void }, out: string[], err: string[] } {
  const out: string[] = []
  const err: string[] = []
  return { io: { out: (s) => out.push(s), err: (s) => err.push(s) }, out, err }
}

/** The admin routes of a running server, over a real socket, driving an in-test release state machine. */
async function withAdmin(fn: (admin: string, releases: TestReleases) => Promise<void>): Promise<void> {
  const releases = new TestReleases()
  releases.add('GET /users/:id', 'v2')
  const listener = new AdminListener(TOKEN, releaseRoutes(releases))
  const port = await listener.listen('127.0.0.1', 0)
  try {
    await fn(`http://127.0.0.1:${port}`, releases)
  } finally {
    listener.close()
  }
}

async function cli(admin: string, ...args: string[]): Promise<{ code: number, out: string, err: string }> {
  const { io, out, err } = collect()
  const code = await dispatch(['releases', ...args, '--admin', admin, '--token', TOKEN], io)
  return { code, out: out.join('\n'), err: err.join('\n') }
}

test('griddle releases list prints a table, and --json the API\'s answer', async () => {
  await withAdmin(async (admin) => {
    const list = await cli(admin, 'list')
    assert.equal(list.code, 0, list.err)
    const [head, row] = list.out.split('\n')
    assert.match(head!, /^ROUTE +VERSION +STABLE +STATE +PERCENT/)
    assert.match(row!, /^GET \/users\/:id +v2 +v1 +loaded +0 %/)
    const json = await cli(admin, 'list', '--json')
    assert.deepEqual((JSON.parse(json.out) as { releases: Array<{ route: string }> }).releases.map((r) => r.route), ['GET /users/:id'])
  })
})

test('ghost, ramp, pause, resume, promote and rollback send their flags as the API\'s bodies', async () => {
  await withAdmin(async (admin, releases) => {
    const route = 'GET /users/:id'
    const ghost = await cli(admin, 'ghost', route, 'v2', '--sample', '0.25', '--ignore', '/at', '--ignore', '/id', '--headers', 'content-type,etag', '--no-noise', '--max-concurrent', '4')
    assert.equal(ghost.code, 0, ghost.err)
    assert.match(ghost.out, /state ghost, 0 % of traffic/)
    const ramp = await cli(admin, 'ramp', route, 'v2', '--steps', '5,50,100', '--min-samples', '200', '--p99-ratio', '1.5', '--mismatch-rate', '0.01')
    assert.equal(ramp.code, 0, ramp.err)
    // Each guard beside its limit.
    assert.match(ramp.out, /p99 ratio +0\.000 +> 1\.5/)
    assert.match(ramp.out, /ghost mismatch rate +0\.00 % +> 1\.00 %/)
    for (const sub of ['pause', 'resume', 'promote']) assert.equal((await cli(admin, sub, route, 'v2')).code, 0)
    const back = await cli(admin, 'rollback', route, 'v2', '--reason', 'errors after promotion')
    assert.match(back.out, /state rolled-back, 0 % of traffic; reason: errors after promotion/)
    assert.deepEqual(releases.get(route)!.calls, [
      ['ghost', { sample: 0.25, maxConcurrent: 4, compare: { ignore: ['/at', '/id'], headers: ['content-type', 'etag'], noise: false } }],
      ['ramp', { steps: [5, 50, 100], minSamples: 200, guards: { p99Ratio: 1.5, mismatchRate: 0.01 } }],
      ['pause'], ['resume'], ['promote'], ['rollback', 'errors after promotion'],
    ])
    const audit = await cli(admin, 'audit', '--limit', '2')
    const lines = audit.out.split('\n')
    assert.equal(lines.length, 3)
    assert.match(lines[1]!, / admin +promote +GET \/users\/:id +v2 +ramping 5 % +promoted 100 %/)
    const status = await cli(admin, 'status', route, 'v2')
    assert.match(status.out, /^GET \/users\/:id {2}v2 \(stable v1\)/)
    assert.match(status.out, /ARM +VERSION +REQUESTS/)
  })
})

test('the API\'s refusals exit 1 with their code; bad usage exits 2; the token may come from GRIDDLE_ADMIN_TOKEN', async () => {
  await withAdmin(async (admin, releases) => {
    const wrong = await cli(admin, 'pause', 'GET /users/:id', 'v2')
    assert.equal(wrong.code, 1)
    assert.match(wrong.err, /answered 409 GRIDDLE_ERR_RELEASE_STATE/)
    const missing = await cli(admin, 'status', 'GET /nope')
    assert.equal(missing.code, 1)
    assert.match(missing.err, /404 GRIDDLE_ERR_RELEASE_NOT_FOUND/)
    const badBody = await cli(admin, 'ramp', 'GET /users/:id', 'v2', '--steps', '50,5')
    assert.equal(badBody.code, 1)
    assert.match(badBody.err, /400 GRIDDLE_ERR_BAD_REQUEST.*steps/)
    const { io, err } = collect()
    assert.equal(await dispatch(['releases', 'list', '--admin', admin, '--token', 'nope'], io), 1)
    assert.match(err.join('\n'), /401 GRIDDLE_ERR_UNAUTHORIZED \(wrong or missing --token\)/)
    for (const args of [['pause', 'GET /users/:id'], ['ghost', 'GET /users/:id', 'v2'], ['list', '--sample', '1'], ['explode'], ['ramp', 'R', 'v', '--steps', 'a,b']]) {
      const r = await cli(admin, ...args)
      assert.equal(r.code, 2, args.join(' '))
      assert.match(r.err, /usage: griddle releases/)
    }
    const before = process.env.GRIDDLE_ADMIN_TOKEN
    process.env.GRIDDLE_ADMIN_TOKEN = TOKEN
    try {
      const { io: io2, out } = collect()
      assert.equal(await dispatch(['releases', 'list', '--admin', admin], io2), 0)
      assert.match(out.join('\n'), /GET \/users\/:id/)
    } finally {
      if (before === undefined) delete process.env.GRIDDLE_ADMIN_TOKEN
      else process.env.GRIDDLE_ADMIN_TOKEN = before
    }
    assert.deepEqual(releases.get('GET /users/:id')!.calls, [['pause']])
  })
})

test('tables pad every column but the last', () => {
  assert.equal(table(['A', 'BB'], [['xyz', 1], ['q', 22]]), 'A    BB\nxyz  1\nq    22')
})
