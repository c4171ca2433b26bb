import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createServer } from 'node:net'
import { serve } from 'griddle'
import { request, sleep } from '../helpers/http.js'

const APP = new URL('../fixtures/worker-app.js', import.meta.url)

async function json(port: number, path: string): Promise<Record<string, unknown>> {
  return (await request(port, path)).json() as Record<string, unknown>
}

test('serve() runs workers on one port that share the response cache and its invalidation', async () => {
  const cluster = await serve({ app: APP, workers: 2, port: 0, log: () => {} })
  try {
    assert.equal(cluster.size, 2)
    const threads = new Set<unknown>()
    for (let i = 0; i < 60 && threads.size < 2; i++) threads.add((await json(cluster.port, '/whoami')).thread)
    assert.equal(threads.size, 2, 'connections reach both workers')

    const first = await json(cluster.port, '/cached/1')
    // Every later request, whichever worker takes it, is a hit on the entry the first one stored.
    for (let i = 0; i < 30; i++) assert.deepEqual(await json(cluster.port, '/cached/1'), first)

    const removed = await json(cluster.port, '/invalidate/item:1')
    assert.equal(removed.removed, 1)
    const refreshed = await json(cluster.port, '/cached/1')
    assert.notDeepEqual(refreshed, first)
    for (let i = 0; i < 30; i++) assert.deepEqual(await json(cluster.port, '/cached/1'), refreshed)
  } finally {
    await cluster.close()
  }
})

test('a crashed worker is logged and replaced while the others keep serving', async () => {
  const lines: string[] = []
  const cluster = await serve({ app: APP, workers: 2, port: 0, restartDelayMs: 10, log: (l) => lines.push(l), options: { closeGraceMs: 100 } })
  try {
    assert.equal((await request(cluster.port, '/crash')).text, 'crashing')
    for (let i = 0; i < 200 && (cluster.restarts < 1 || cluster.size < 2); i++) await sleep(10)
    assert.equal(cluster.restarts, 1)
    assert.equal(cluster.size, 2)
    assert.ok(lines.some((l) => /worker \d exited with code 1; restarting/.test(l)), lines.join('\n'))
    for (let i = 0; i < 10; i++) assert.equal((await request(cluster.port, '/whoami')).status, 200)
  } finally {
    await cluster.close()
  }
  assert.equal(cluster.size, 0)
  // Closed for real: the port can be bound exclusively again.
  await new Promise<void>((resolve, reject) => {
    const s = createServer().once('error', reject).listen({ port: cluster.port, host: '127.0.0.1', exclusive: true }, () => s.close(() => resolve()))
  })
})

test('serve() refuses bad options and a port someone else holds', async () => {
  await assert.rejects(serve({ app: APP, workers: 0 }), { code: 'GRIDDLE_ERR_INVALID_OPTION' })
  await assert.rejects(serve({ app: 'relative/app.js', workers: 1 }), { code: 'GRIDDLE_ERR_INVALID_OPTION' })
  await assert.rejects(serve({ app: APP, port: 70000 }), { code: 'GRIDDLE_ERR_INVALID_OPTION' })
  await assert.rejects(serve({ app: new URL('../fixtures/missing.js', import.meta.url), workers: 1, port: 0, log: () => {} }), { code: 'GRIDDLE_ERR_WORKER' })
  const holder = createServer()
  await new Promise<void>((r) => holder.listen(0, '127.0.0.1', r))
  const port = (holder.address() as { port: number }).port
  try {
    await assert.rejects(serve({ app: APP, workers: 1, port }), { code: 'GRIDDLE_ERR_LISTEN' })
  } finally {
    holder.close()
  }
})

// Regression (issue 9, defect 20): a function in serve()'s options reached
// the Worker constructor and threw a raw DataCloneError.
test('serve() refuses options that cannot reach a worker, naming the option', async () => {
  const cases: Array<[object, RegExp]> = [
    [{ unitKey: { header: () => 'x' } }, /options\.unitKey\.header cannot be sent to worker threads/],
    [{ router: { caseSensitive: Symbol('yes') } }, /options\.router\.caseSensitive/],
    [{ cache: { maxBytes: new WeakMap() } }, /options\.cache\.maxBytes/],
  ]
  for (const [options, message] of cases) {
    await assert.rejects(serve({ app: APP, workers: 1, port: 0, options: options as object, log: () => {} }),
      (err: Error & { code?: string }) => err.code === 'GRIDDLE_ERR_INVALID_OPTION' && message.test(err.message))
  }
})
