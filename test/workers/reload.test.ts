import { test } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { BROKEN_SOURCE, NO_SHEDDING, TempDir, appSource, load, reload, start, until } from './reload-helpers.js'

const TOKEN = 'delivery-test-token-0123456789'

test('three reloads in a row under keep-alive load fail no request and switch the answers to each new build', async () => {
  const dir = new TempDir()
  const app = dir.file('app.js', appSource('v1'))
  const pidFile = join(dir.path, 'griddle.pid')
  const s = await start([app, '--workers', '2', '--port', '0', '--pid-file', pidFile, '--config', NO_SHEDDING(dir)])
  const traffic = load(s.port, 8)
  try {
    assert.ok(await until(() => traffic.result.latest === 'v1'), 'the first build answers')
    for (const build of ['v2', 'v3', 'v4']) {
      dir.file('app.js', appSource(build))
      const r = await reload(['--pid-file', pidFile])
      assert.equal(r.code, 0, r.err)
      assert.match(r.out, /reloaded: generation \d+ serves/)
      assert.ok(await until(() => traffic.result.latest === build), `${build} answers after its reload`)
    }
  } finally {
    const result = await traffic.stop()
    s.child.kill('SIGTERM')
    assert.equal(await s.exited, 0, s.err())
    dir.remove()
    assert.deepEqual(result.failures, [], 'no request failed')
    for (const build of ['v1', 'v2', 'v3', 'v4']) assert.ok((result.builds.get(build) ?? 0) > 0, `${build} answered`)
    assert.ok(result.ok > 0)
  }
})

test('a broken new build is abandoned with its reason, and the old build keeps serving', async () => {
  const dir = new TempDir()
  const app = dir.file('app.js', appSource('good'))
  const s = await start([app, '--workers', '1', '--port', '0', '--admin-port', '0', '--config', NO_SHEDDING(dir)], { GRIDDLE_ADMIN_TOKEN: TOKEN })
  const traffic = load(s.port, 4)
  try {
    assert.ok(await until(() => traffic.result.latest === 'good'))
    dir.file('app.js', BROKEN_SOURCE)
    const r = await reload(['--admin', `http://127.0.0.1:${s.admin}`], { GRIDDLE_ADMIN_TOKEN: TOKEN })
    assert.equal(r.code, 1)
    assert.match(r.err, /reload failed, generation 1 keeps serving: .*build is broken on purpose/)
    const status = await fetch(`http://127.0.0.1:${s.admin}/reload`, { headers: { authorization: `Bearer ${TOKEN}` } })
    const body = await status.json() as { generation: number, last: { ok: boolean, error: string } }
    assert.equal(body.generation, 1)
    assert.equal(body.last.ok, false)
    assert.match(body.last.error, /build is broken on purpose/)
    assert.match(s.err(), /reload to generation 2 abandoned.*build is broken on purpose/)
    const before = traffic.result.ok
    assert.ok(await until(() => traffic.result.ok > before + 20), 'the old build still answers')
    assert.equal(traffic.result.latest, 'good')
  } finally {
    const result = await traffic.stop()
    s.child.kill('SIGTERM')
    assert.equal(await s.exited, 0, s.err())
    dir.remove()
    assert.deepEqual(result.failures, [])
    assert.deepEqual([...result.builds.keys()], ['good'])
  }
})
