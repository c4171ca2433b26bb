import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Worker } from 'node:worker_threads'
import { Cache } from 'griddle'

function run(code: string, workerData: unknown): Promise<any> {
  return new Promise((resolve, reject) => {
    const w = new Worker(code, { eval: true, workerData })
    w.once('message', resolve)
    w.once('error', reject)
    w.once('exit', (c) => { if (c !== 0) reject(new Error(`worker exited with ${c}`)) })
  })
}

const READER = `
const { parentPort, workerData } = require('node:worker_threads')
import('griddle').then(({ Cache }) => {
  const c = new Cache({ name: workerData.name, maxBytes: workerData.maxBytes })
  const seen = workerData.keys.map((k) => c.get(k)?.toString() ?? null)
  c.set('from-worker-ключ', 'written by a worker')
  parentPort.postMessage(seen)
})`

test('a write in one thread is visible to a read in another through a named cache', async () => {
  const c = new Cache({ name: 'threads-visible', maxBytes: 1 << 20 })
  c.set('plain', 'main says hi')
  c.set('ключ-😀', 'non-ASCII key')
  const seen = await run(READER, { name: 'threads-visible', maxBytes: 1 << 20, keys: ['plain', 'ключ-😀', 'absent'] })
  assert.deepEqual(seen, ['main says hi', 'non-ASCII key', null])
  assert.equal(c.get('from-worker-ключ')?.toString(), 'written by a worker')
  await assert.rejects(run(READER, { name: 'threads-visible', maxBytes: 2 << 20, keys: [] }),
    { code: 'GRIDDLE_ERR_CACHE_CONFLICT' })
})

// Every value carries its own length and FNV-1a checksum, so a reader can
// tell a whole value from one torn between two writers.
const STRESS = `
const { parentPort, workerData } = require('node:worker_threads')
import('griddle').then(({ Cache }) => {
  const { id, ms, name, maxBytes, keys, minSets = 0 } = workerData
  const c = new Cache({ name, maxBytes })
  let s = (id + 1) * 0x9e3779b1 >>> 0
  const rnd = (n) => { s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0; return s % n }
  const fnv = (b, from, to) => { let h = 0x811c9dc5; for (let i = from; i < to; i++) h = Math.imul(h ^ b[i], 16777619) >>> 0; return h }
  const make = () => {
    const n = rnd(8) === 0 ? 20000 + rnd(40000) : rnd(4000)
    const v = new Uint8Array(8 + n)
    const dv = new DataView(v.buffer)
    let x = s | 1
    for (let i = 8; i < v.length; i++) { x = Math.imul(x, 1103515245) + 12345 >>> 0; v[i] = x >>> 24 }
    dv.setUint32(0, n, true)
    dv.setUint32(4, fnv(v, 8, v.length), true)
    return v
  }
  const whole = (b, len) => len >= 8 && new DataView(b.buffer, b.byteOffset).getUint32(0, true) === len - 8 &&
    new DataView(b.buffer, b.byteOffset).getUint32(4, true) === fnv(b, 8, len)
  const key = (i) => (i % 3 === 0 ? 'ключ-' : 'k-') + i
  const target = new Uint8Array(70000)
  const r = { ops: 0, hits: 0, torn: 0, sets: 0 }
  const end = Date.now() + ms
  // On a loaded machine ms may pass before a worker has written minSets
  // entries: go on, up to a hard bound, until it has (so that the store
  // overflows and evictions run, whatever the machine's speed).
  const hardEnd = end + 20000
  while (Date.now() < end || (r.sets < minSets && Date.now() < hardEnd)) {
    for (let j = 0; j < 200; j++) {
      const op = rnd(1000), k = key(rnd(keys))
      r.ops++
      if (op < 500) {
        const n = c.getInto(k, target)
        if (n >= 0) { r.hits++; if (!whole(target, n)) r.torn++ }
      } else if (op < 800) {
        const tags = rnd(2) ? ['t' + rnd(64)] : ['t' + rnd(64), 'w' + id]
        if (c.set(k, make(), { tags, ttlMs: rnd(4) === 0 ? 1 + rnd(50) : 0 })) r.sets++
      } else if (op < 900) {
        const b = c.get(k)
        if (b !== undefined) { r.hits++; if (!whole(b, b.length)) r.torn++ }
      } else if (op < 950) c.delete(k)
      else if (op < 998) c.has(k)
      else c.invalidateTag(rnd(2) ? 't' + rnd(64) : 'w' + rnd(4))
    }
  }
  r.stats = c.stats()
  parentPort.postMessage(r)
})`

test('threads writing, reading, deleting and invalidating at once never see a torn value', async () => {
  const name = 'threads-stress'
  const maxBytes = 16 << 20  // four shards, smaller than the ~30 MB the workers write: evictions run too
  const c = new Cache({ name, maxBytes })
  const results = await Promise.all(Array.from({ length: 4 }, (_, id) =>
    run(STRESS, { id, ms: 1500, name, maxBytes, keys: 12000, minSets: 2500 })))
  for (const r of results) {
    assert.equal(r.torn, 0)
    assert.ok(r.hits > 0 && r.sets > 0, JSON.stringify(r))
  }
  const s = c.stats()
  assert.ok(s.bytes <= maxBytes, `${s.bytes} > ${maxBytes}`)
  assert.ok(s.evictions > 0 && s.entries > 0, JSON.stringify([s, results]))
})

test('workers can attach, exit and be terminated while the main thread keeps using the store', async () => {
  const c = new Cache({ name: 'threads-churn', maxBytes: 1 << 20 })
  for (let round = 0; round < 3; round++) {
    const w = new Worker(STRESS, { eval: true, workerData: { id: round, ms: 100, name: 'threads-churn', maxBytes: 1 << 20, keys: 50 } })
    const r = await new Promise<any>((resolve, reject) => { w.once('message', resolve); w.once('error', reject) })
    await w.terminate()
    assert.equal(r.torn, 0)
  }
  assert.ok(c.stats().bytes <= 1 << 20)
})
