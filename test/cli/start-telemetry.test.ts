import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { request, sleep } from '../helpers/http.js'
import { startDaemon, settle, total, type Flush } from '../helpers/statsd-daemon.js'
import { TempDir, MAIN, appSource, start } from '../workers/reload-helpers.js'

const TOKEN = 'start-telemetry-token-0123'

function root(flushes: Flush[], host: string): number {
  let n = 0
  for (const f of flushes) {
    for (const [key, v] of Object.entries(f.counters)) if (key.startsWith('griddle.requests;route=-;') && key.endsWith(`;host=${host}`)) n += v
  }
  return n
}

test('griddle start serves the dashboard routes on its admin port and sends the config\'s statsd once per process', async () => {
  const d = await startDaemon()
  const dir = new TempDir()
  try {
    const config = dir.file('griddle.config.json', JSON.stringify({
      options: { statsd: { port: d.port, intervalMs: 50, tags: 'dogstatsd', globalTags: { host: 'start-1' } } },
    }))
    const s = await start([dir.file('app.js', appSource('one')), '--workers', '2', '--port', '0', '--admin-port', '0', '--config', config],
      { GRIDDLE_ADMIN_TOKEN: TOKEN })
    try {
      assert.ok(s.admin !== null)
      const N = 40
      for (let i = 0; i < N; i++) assert.equal((await request(s.port, '/')).status, 200)
      let seen = 0
      for (let i = 0; i < 50 && seen !== N; i++) {
        const r = await request(s.admin, '/stats.json', { headers: { authorization: `Bearer ${TOKEN}` } })
        assert.equal(r.status, 200, r.text)
        seen = (r.json() as { snapshot: { series: Array<{ route: string, requests: number }> } }).snapshot.series
          .filter((x) => x.route === '/').reduce((n, x) => n + x.requests, 0)
        if (seen !== N) await sleep(20)
      }
      assert.equal(seen, N)
      assert.equal((await request(s.admin, '/metrics')).status, 401)
      s.child.kill('SIGTERM')
      assert.equal(await s.exited, 0, s.err())
      assert.equal(await settle(d, (f) => root(f, 'start-1'), N), N)
      assert.equal(total(d.flushes(), 'statsd.bad_lines_seen'), 0)
    } finally {
      s.child.kill('SIGKILL')
    }
  } finally {
    dir.remove()
    await d.stop()
  }
})

test('griddle start refuses options.admin: it runs the admin listener itself', () => {
  const dir = new TempDir()
  try {
    const config = dir.file('c.json', JSON.stringify({ options: { admin: { token: TOKEN } } }))
    const r = spawnSync(process.execPath, [MAIN, 'start', dir.file('app.js', appSource('one')), '--config', config], { encoding: 'utf8', timeout: 30_000 })
    assert.equal(r.status, 1, r.stderr)
    assert.match(r.stderr, /options\.admin: griddle start runs the admin listener itself/)
  } finally {
    dir.remove()
  }
})
