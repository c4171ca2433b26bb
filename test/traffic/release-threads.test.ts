import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Worker } from 'node:worker_threads'
import { ReleaseTable, releaseSeed, type LiveState } from '../../lib/traffic/release-table.js'

// Two states that cannot mix: A sends everyone to the candidate (arm 2, never
// a ghost), B keeps everyone on stable arm 3 with the ghost bit always set.
// A torn read would show arm 1 or 4, or arm 3 without its ghost bit.
const seed = releaseSeed('GET /users/:id', 'v2')
const A: LiveState = { active: true, percentBp: 10000, ghostBp: 0, seed, stableArm: 1, candidateArm: 2 }
const B: LiveState = { active: true, percentBp: 0, ghostBp: 10000, seed, stableArm: 3, candidateArm: 4 }

const READER = `
const { parentPort, workerData } = require('node:worker_threads')
Promise.all([import(workerData.lib + 'traffic/release-table.js'), import(workerData.lib + 'routing/dispatch.js'),
  import(workerData.lib + 'routing/router.js'), import(workerData.lib + 'symbols.js')]).then(([t, dsp, r, sym]) => {
  const router = new r.Router()
  const id = router.add('GET', '/users/:id', 0)
  const d = new dsp.Dispatcher(router, null, 64)
  const table = new t.ReleaseTable(workerData.name)
  table.bindRoute(router, id, 'GET /users/:id')
  table.attach(d)
  router[sym.kPublish]()
  d.io[dsp.IO.METHOD] = router.methodCode('GET')
  d.io[dsp.IO.FALLBACK] = -1
  const seen = {}
  parentPort.postMessage('ready')
  const until = Date.now() + workerData.ms
  for (let i = 0; i < 5_000_000 && Date.now() < until; i++) {
    d.dispatch('/users/' + (i % 100), undefined, undefined, 'u' + (i % 1000))
    const k = d.io[dsp.IO.ARM] + ':' + d.io[dsp.IO.GHOST]
    seen[k] = (seen[k] || 0) + 1
  }
  parentPort.postMessage(seen)
})`

test('release states swapped in a loop on one thread are read whole by dispatch on another', async () => {
  const name = `release-threads-${process.pid}`
  const table = new ReleaseTable(name)
  const slot = table.slot('GET /users/:id')
  table.set(slot, A)
  const lib = new URL('../../lib/', import.meta.url).href
  const w = new Worker(READER, { eval: true, workerData: { name, lib, ms: 1500 } })
  const done = new Promise<Record<string, number>>((resolve, reject) => {
    let ready = false
    w.on('message', (m) => { if (m === 'ready') ready = true; else resolve(m) })
    w.once('error', reject)
    w.once('exit', (c) => { if (!ready || c !== 0) reject(new Error(`reader exited with ${c}`)) })
  })
  let swaps = 0
  let result: Record<string, number> | null = null
  void done.then((r) => { result = r })
  const until = Date.now() + 10_000
  while (result === null && Date.now() < until) {
    for (let i = 0; i < 200; i++) table.set(slot, swaps++ % 2 === 0 ? B : A)
    await new Promise((r) => setImmediate(r))
  }
  const seen = await done
  await w.terminate()
  assert.deepEqual(Object.keys(seen).sort(), ['2:0', '3:1'], JSON.stringify(seen))
  assert.ok(swaps > 100)
})
