import { test } from 'node:test'
import assert from 'node:assert/strict'
import { GC_BUCKETS_MS, gcHistogram, gcObserved, observeGc, resetGcHistogram } from '../../lib/telemetry/gc-pauses.js'

/** Allocates until the observer has seen `n` collections (bounded: at most 200 rounds). */
async function collections(n: number): Promise<void> {
  let keep: unknown[] = []
  for (let i = 0; i < 200 && gcHistogram().count < n; i++) {
    for (let j = 0; j < 20_000; j++) keep.push({ j, s: `item-${j}` })
    keep = []
    await new Promise((r) => setImmediate(r))
  }
}

test('the GC histogram counts each pause once, into a bucket and a kind, while something observes the thread', async () => {
  resetGcHistogram()
  const seen: number[] = []
  const release = observeGc((e) => seen.push(e.duration))
  const second = observeGc()
  assert.equal(gcObserved(), true)
  await collections(3)
  const h = gcHistogram()
  assert.ok(h.count >= 3, `collections seen: ${h.count}`)
  assert.equal(seen.length, h.count, 'every listener hears each pause')
  assert.equal(h.buckets.length, GC_BUCKETS_MS.length + 1)
  assert.equal(h.buckets.reduce((n, b) => n + b.count, 0), h.count)
  assert.equal(Object.values(h.byKind).reduce((n, k) => n + k.count, 0), h.count)
  assert.ok(h.maxMs >= h.p50Ms && h.totalMs >= h.maxMs - 0.001)
  release()
  assert.equal(gcObserved(), true, 'the other holder keeps it running')
  second()
  assert.equal(gcObserved(), false, 'the last to let go stops the observer')
  const before = gcHistogram().count
  await collections(before + 2)
  assert.equal(gcHistogram().count, before, 'nothing counts while nothing observes')
})
