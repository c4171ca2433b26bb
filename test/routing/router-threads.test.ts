import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Worker } from 'node:worker_threads'

// Each worker loads the addon in its own context, builds its own router and
// checks thousands of lookups while the others do the same.
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads')
import('griddle').then(({ Router }) => {
  const r = new Router()
  const n = workerData.n
  for (let i = 0; i < 200; i++) r.add('GET', '/t' + n + '/r' + i + '/:id', i)
  let ok = 0
  for (let k = 0; k < 20000; k++) {
    const i = k % 200
    const m = r.find('GET', '/t' + n + '/r' + i + '/v' + k)
    if (m && m.value === i && m.params.id === 'v' + k) ok++
  }
  parentPort.postMessage(ok)
})`

test('routers work in many worker threads at once, each with its own table', async () => {
  const runs = Array.from({ length: 6 }, (_, n) => new Promise<number>((resolve, reject) => {
    const w = new Worker(WORKER, { eval: true, workerData: { n } })
    w.once('message', resolve)
    w.once('error', reject)
  }))
  assert.deepEqual(await Promise.all(runs), Array(6).fill(20000))
})

test('workers can load and exit repeatedly while the main thread keeps routing', async () => {
  const { Router } = await import('griddle')
  const r = new Router<number>()
  r.add('GET', '/main/:x', 1)
  for (let round = 0; round < 3; round++) {
    const w = new Worker(WORKER, { eval: true, workerData: { n: 100 + round } })
    const got = await new Promise<number>((resolve, reject) => {
      w.once('message', resolve)
      w.once('error', reject)
    })
    await w.terminate()
    assert.equal(got, 20000)
    assert.deepEqual(r.find('GET', '/main/ok')?.params, { x: 'ok' })
  }
})
