/**
 * Hit ratio of griddle's cache (S3-FIFO) and lru-cache at the same byte
 * budget, on one Zipf trace with scans, cache-aside (a miss is followed by a
 * set). lru-cache is charged exactly what griddle charges per entry (key,
 * value and CACHE_ENTRY_OVERHEAD), so both hold the same bytes.
 *   node dist/bench/cache-hit.js <budget fraction of the working set> [alpha]
 */
import { LRUCache } from 'lru-cache'
import { Cache } from 'griddle'
import { native } from '../lib/binding.js'
import { makeTrace } from './zipf.js'

const fraction = Number(process.argv[2] ?? '0.1')
const alpha = Number(process.argv[3] ?? '0.9')
const trace = makeTrace({ keys: 100_000, alpha, requests: 2_000_000, scanEvery: 200_000, scanLength: 20_000, seed: 42 })
const budget = Math.round(trace.workingSetBytes * fraction)
const overhead = native.CACHE.ENTRY_OVERHEAD
const values = new Uint8Array(16384)
const target = new Uint8Array(16384)

const griddle = new Cache({ maxBytes: budget })
const lru = new LRUCache<string, Uint8Array>({
  maxSize: budget,
  sizeCalculation: (v, k) => v.length + 2 * k.length + overhead,
})
let gHits = 0, lHits = 0
const n = trace.keys.length
for (let r = 0; r < n; r++) {
  const key = trace.keys[r]!
  if (griddle.getInto(key, target) >= 0) gHits++
  else griddle.set(key, values.subarray(0, trace.sizes[r]!))
  if (lru.get(key) !== undefined) lHits++
  else lru.set(key, values.subarray(0, trace.sizes[r]!))
}
const s = griddle.stats()
console.log(JSON.stringify({
  fraction, alpha, budget, requests: n, workingSetBytes: trace.workingSetBytes,
  griddle: gHits / n, lru: lHits / n, griddleBytes: s.bytes, griddleEntries: s.entries, lruEntries: lru.size,
}))
