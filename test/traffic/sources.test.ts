import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createServer, type Server } from 'node:http'
import { renameSync, truncateSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createApp, type App } from 'griddle'
import { tempDir } from '../helpers/temp.js'

const good = (version: string, rollout = 100) => JSON.stringify({ version, flags: { f: { rollout } } })

/** Waits (bounded) until `cond` holds; fails with what was last seen. */
async function until(what: string, cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms
  while (!cond()) {
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

function on(app: App): boolean {
  return app.flags.evaluate('f', { unitKey: 'u1' }).value === true
}

test('a file replaced half-written or truncated in place keeps the last good snapshot and reports it', async (t) => {
  const dir = tempDir((fn) => t.after(fn), 'griddle-flags-')
  const file = join(dir, 'flags.json')
  writeFileSync(file, good('v1'))
  const app = createApp({ flags: { source: { file, intervalMs: 20 } } })
  await app.flags.ready
  assert.deepEqual([app.flags.status().version, app.flags.status().source, on(app)], ['v1', `file:${file}`, true])
  // write-and-rename of a half-written file
  writeFileSync(join(dir, 'next'), good('v2').slice(0, 20))
  renameSync(join(dir, 'next'), file)
  await until('the bad turn', () => app.flags.status().lastError !== null)
  assert.deepEqual([app.flags.status().version, app.flags.status().lastError!.code, on(app)], ['v1', 'GRIDDLE_ERR_FLAGS_CONFIG', true])
  writeFileSync(file, good('v3', 0))
  await until('v3', () => app.flags.status().version === 'v3')
  assert.deepEqual([app.flags.status().lastError, on(app)], [null, false])
  truncateSync(file, 0)
  await until('the truncation', () => app.flags.status().lastError !== null)
  assert.equal(app.flags.status().version, 'v3')
  await app.close()
})

function server(handler: (res: import('node:http').ServerResponse) => void): Promise<{ url: string, close(): void, server: Server }> {
  const s = createServer((_req, res) => handler(res))
  return new Promise((resolve) => s.listen(0, '127.0.0.1', () => {
    const port = (s.address() as { port: number }).port
    resolve({ url: `http://127.0.0.1:${port}/flags.json`, server: s, close: () => { s.closeAllConnections(); s.close() } })
  }))
}

test('a URL that answers 500, hangs or sends 10 MB keeps the last good snapshot', async () => {
  let mode = 'good'
  const s = await server((res) => {
    if (mode === 'good') return void res.end(good('u1'))
    if (mode === '500') return void res.writeHead(500).end('oops')
    if (mode === 'big') return void res.end('['.padEnd(10 * 1024 * 1024, ' '))
    // hang: never answer
  })
  const app = createApp({ flags: { source: { url: s.url, intervalMs: 20, timeoutMs: 200 } } })
  try {
    await app.flags.ready
    assert.equal(app.flags.status().version, 'u1')
    for (const [m, says] of [['500', /answered 500/], ['hang', /no answer within 200 ms/], ['big', /maxBytes/]] as const) {
      mode = m
      await until(`the ${m} turn`, () => says.test(app.flags.status().lastError?.message ?? ''), 10_000)
      assert.deepEqual([app.flags.status().version, app.flags.status().lastError!.code, on(app)], ['u1', 'GRIDDLE_ERR_FLAGS_SOURCE', true])
    }
  } finally {
    await app.close()
    s.close()
  }
})

test('listen waits for the first load, and a source that never loads is a start-up error with its reason', async () => {
  let answer: (() => void) | null = null
  const s = await server((res) => { answer = () => res.end(good('late')) })
  const app = createApp({ flags: { source: { url: s.url, timeoutMs: 30_000 } } })
  try {
    let listening = false
    const started = app.listen(0).then(() => { listening = true })
    await until('the request', () => answer !== null, 20_000)
    assert.equal(listening, false)
    answer!()
    await started
    assert.equal(app.flags.status().version, 'late')
  } finally {
    await app.close()
    s.close()
  }

  const bad = createApp({ flags: { source: { file: join(tmpdir(), 'griddle-no-such-flags.json') } } })
  await assert.rejects(bad.listen(0), (err: { code: string, message: string }) => err.code === 'GRIDDLE_ERR_FLAGS_SOURCE' && /never loaded.*no-such-flags/.test(err.message))
})

test('load() rejects a bad config with a coded error and keeps serving the old one', async () => {
  const app = createApp({ flags: { source: { version: 'a', flags: { f: { rollout: 100 } } } } })
  await app.flags.ready
  await assert.rejects(app.flags.load({ flags: { f: { rollout: 'all' } } }), { code: 'GRIDDLE_ERR_FLAGS_CONFIG', path: 'flags.f.rollout' })
  assert.deepEqual([app.flags.status().version, app.flags.status().lastError?.code, on(app)], ['a', 'GRIDDLE_ERR_FLAGS_CONFIG', true])
  assert.throws(() => createApp({ flags: { source: { url: 'ftp://x' } } }), { code: 'GRIDDLE_ERR_INVALID_OPTION' })
  assert.throws(() => createApp({ flags: { sorce: {} } as never }), { code: 'GRIDDLE_ERR_INVALID_OPTION' })
})
