import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Worker } from 'node:worker_threads'
import { spawnSync } from 'node:child_process'
import { createApp } from 'griddle'

const CONFIG = {
  flags: {
    roll: { rollout: 37 },
    pick: { type: 'string', default: 'none', variants: [{ name: 'a', weight: 2 }, { name: 'b', weight: 3 }, { name: 'c', weight: 5 }] },
  },
  experiments: { e: { sticky: true, arms: [{ name: 'x', weight: 1 }, { name: 'y', weight: 1 }] } },
}
const KEYS = Array.from({ length: 2000 }, (_, i) => (i % 3 === 0 ? `ключ-${i}` : i % 3 === 1 ? `😀${i}` : `user-${i}`))

// Evaluates every key from a fresh app in this thread or process; the result is one string per key.
const ANSWERS = `
async function answers(config, keys, name) {
  const { createApp } = await import('griddle')
  const app = createApp({ flags: { source: config, ...(name ? { name } : {}) } })
  await app.flags.ready
  return keys.map((k) => [app.flags.evaluate('roll', { unitKey: k }).enabled, app.flags.evaluate('pick', { unitKey: k }).variant, app.flags.assignment('e', { unitKey: k })].join(','))
}`

function inWorker(code: string, workerData: unknown): Promise<any> {
  return new Promise((resolve, reject) => {
    const w = new Worker(code, { eval: true, workerData })
    w.once('message', resolve)
    w.once('error', reject)
    w.once('exit', (c) => { if (c !== 0) reject(new Error(`worker exited with ${c}`)) })
  })
}

test('the same key gets the same answer in the main thread, two worker threads and a second process', async () => {
  const app = createApp({ flags: { source: CONFIG } })
  await app.flags.ready
  const main = KEYS.map((k) => [app.flags.evaluate('roll', { unitKey: k }).enabled, app.flags.evaluate('pick', { unitKey: k }).variant, app.flags.assignment('e', { unitKey: k })].join(','))
  const worker = `const { parentPort, workerData } = require('node:worker_threads')\n${ANSWERS}\nanswers(workerData.config, workerData.keys).then((a) => parentPort.postMessage(a))`
  const [w1, w2] = await Promise.all([inWorker(worker, { config: CONFIG, keys: KEYS }), inWorker(worker, { config: CONFIG, keys: KEYS })])
  assert.deepEqual(w1, main)
  assert.deepEqual(w2, main)
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', `${ANSWERS}\nconst input = JSON.parse(process.argv[1]); console.log(JSON.stringify(await answers(input.config, input.keys)))`, JSON.stringify({ config: CONFIG, keys: KEYS })], { encoding: 'utf8' })
  assert.equal(child.status, 0, child.stderr)
  assert.deepEqual(JSON.parse(child.stdout), main)
  assert.ok(new Set(main).size > 6)
})

// Two configs whose answers cannot mix: A always gives variant a0 (a1 has no
// weight), B always gives b1. A torn read (A's names with B's bucketing, or
// the other way) would show a1 or b0.
const A = { version: 'A', flags: { f: { type: 'string', default: 'none', variants: [{ name: 'a0', weight: 1 }, { name: 'a1', weight: 0 }] } } }
const B = { version: 'B', flags: { f: { type: 'string', default: 'none', variants: [{ name: 'b0', weight: 0 }, { name: 'b1', weight: 1 }] } } }

const READER = `
const { parentPort, workerData } = require('node:worker_threads')
import('griddle').then(async ({ createApp }) => {
  const app = createApp({ flags: { name: workerData.name } })
  const seen = {}
  parentPort.postMessage('ready')
  const until = Date.now() + workerData.ms
  let n = 0
  while (Date.now() < until && n < 5e6) {
    for (let i = 0; i < 100; i++, n++) {
      const v = app.flags.evaluate('f', { unitKey: 'u' + (n % 1000) }).variant
      seen[v] = (seen[v] ?? 0) + 1
    }
    await new Promise((r) => setImmediate(r))
  }
  parentPort.postMessage(seen)
})`

test('a reload under load never shows a torn snapshot to a thread evaluating meanwhile', async () => {
  const name = `reload-${process.pid}`
  const app = createApp({ flags: { name, source: A } })
  await app.flags.ready
  const w = new Worker(READER, { eval: true, workerData: { name, ms: 1500 } })
  let result: Record<string, number> | null = null
  const done = new Promise<void>((resolve, reject) => {
    w.on('message', (m) => { if (m !== 'ready') { result = m; resolve() } })
    w.once('error', reject)
  })
  await new Promise((resolve) => w.once('message', resolve))
  let swaps = 0
  // Swaps until the reader is done (bounded in count; the reader is bounded in time).
  while (result === null && swaps < 200_000) {
    await app.flags.load(swaps % 2 === 0 ? B : A)
    swaps++
    if (swaps % 50 === 0) await new Promise((r) => setImmediate(r))
  }
  await done
  const seen = result as unknown as Record<string, number>
  assert.deepEqual(Object.keys(seen).filter((k) => k !== 'a0' && k !== 'b1'), [], JSON.stringify(seen))
  assert.ok((seen.a0 ?? 0) > 0 && (seen.b1 ?? 0) > 0, JSON.stringify(seen))
  assert.ok(swaps > 10)
})
