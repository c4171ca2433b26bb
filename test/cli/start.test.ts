import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { request } from 'node:http'
import { TempDir, MAIN, appSource, start } from '../workers/reload-helpers.js'

function get(port: number, path: string): Promise<{ status: number, connection: string | undefined, body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false, headers: { connection: 'keep-alive' } }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (c: string) => { body += c })
      res.on('end', () => resolve({ status: res.statusCode!, connection: res.headers.connection, body }))
    })
    req.on('error', reject)
    req.end()
  })
}

test('griddle start prints its URL and serves the routes module', async () => {
  const dir = new TempDir()
  const s = await start([dir.file('app.js', appSource('one')), '--workers', '1', '--port', '0'])
  try {
    assert.match(s.out(), /listening on http:\/\/127\.0\.0\.1:\d+ \(1 workers, generation 1/)
    const r = await get(s.port, '/')
    assert.equal(r.status, 200)
    assert.deepEqual(JSON.parse(r.body), { build: 'one' })
  } finally {
    s.child.kill('SIGINT')
    assert.equal(await s.exited, 0, s.err())
    dir.remove()
  }
})

test('SIGTERM finishes the request in flight with Connection: close, then exits 0', async () => {
  const dir = new TempDir()
  const s = await start([dir.file('app.js', appSource('one')), '--workers', '1', '--port', '0'])
  try {
    const slow = get(s.port, '/slow')
    await s.printed('slow-started')
    s.child.kill('SIGTERM')
    const r = await slow
    assert.equal(r.status, 200)
    assert.deepEqual(JSON.parse(r.body), { build: 'one', slow: true })
    assert.equal(r.connection, 'close')
    assert.equal(await s.exited, 0, s.err())
    assert.match(s.err(), /SIGTERM: draining/)
  } finally {
    s.child.kill('SIGKILL')
    dir.remove()
  }
})

test('griddle start refuses bad options with a coded message and exit 1', () => {
  const dir = new TempDir()
  try {
    const app = dir.file('app.js', appSource('one'))
    const cases: Array<[string[], RegExp]> = [
      [[app, '--workers', 'many'], /--workers must be an integer/],
      [[app, '--port', '70000'], /--port must be an integer from 0 to 65535/],
      [[app, '--config', dir.file('c.json', '{"wrokers": 2}')], /"wrokers" is not an option \(did you mean "workers"\?\)/],
      [[app, '--config', dir.file('bad.json', '{')], /not JSON/],
      [[], /the app module is required/],
    ]
    for (const [args, message] of cases) {
      const r = spawnSync(process.execPath, [MAIN, 'start', ...args], { encoding: 'utf8', timeout: 30_000 })
      assert.equal(r.status, 1, `${args.join(' ')}: ${r.stderr}`)
      assert.match(r.stderr, message)
    }
    const noToken = spawnSync(process.execPath, [MAIN, 'start', app, '--admin-port', '0'],
      { encoding: 'utf8', timeout: 30_000, env: { ...process.env, GRIDDLE_ADMIN_TOKEN: '' } })
    assert.equal(noToken.status, 2, noToken.stderr)
    assert.match(noToken.stderr, /--admin-port needs a token/)
  } finally {
    dir.remove()
  }
})

test('a first build that cannot start ends griddle start with exit 1 and the reason', () => {
  const dir = new TempDir()
  try {
    const r = spawnSync(process.execPath, [MAIN, 'start', dir.file('app.js', 'export default 1\n'), '--workers', '1', '--port', '0'],
      { encoding: 'utf8', timeout: 30_000 })
    assert.equal(r.status, 1)
    assert.match(r.stderr, /has no default export/)
  } finally {
    dir.remove()
  }
})
