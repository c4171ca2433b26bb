/**
 * GC cost of holding ~1 GB in a cache, one case per process:
 *   node --expose-gc --max-old-space-size=6144 dist/bench/cache-gc.js <griddle|lru-buffer|lru-string> [seconds]
 * Fills 500,000 entries of 2 KB, then runs 90 % get / 10 % set on random keys
 * for the given time, recording every GC pause with PerformanceObserver.
 * A set stores a freshly made value, as a server storing a new response
 * would: bytes for griddle, a new Buffer or a new flat string for lru-cache.
 */
import { PerformanceObserver } from 'node:perf_hooks'
import { LRUCache } from 'lru-cache'
import { Cache } from 'griddle'
import { rng } from './zipf.js'

const kind = process.argv[2] ?? 'griddle'
const seconds = Number(process.argv[3] ?? '15')
const ENTRIES = 500_000
const SIZE = 2048
const MARK = '########'
const template = ('{"id":' + MARK + ',"name":"' + 'x'.repeat(SIZE)).slice(0, SIZE - 2) + '"}'
const bytes = new Uint8Array(Buffer.from(template))
const target = new Uint8Array(SIZE * 2)
const next = rng(7)
// PREBUILT_KEYS=1 builds every key once up front, removing the benchmark's
// own per-operation garbage, to show what GC costs with the cache alone.
const prebuilt = process.env.PREBUILT_KEYS === '1' ? Array.from({ length: 500_000 }, (_, i) => `/users/${i}`) : null
const key = prebuilt === null ? (i: number) => `/users/${i}` : (i: number) => prebuilt[i]!
// A new flat string per call (String#replace would share the template's tail).
const scratch = Buffer.from(template)
const fresh = (i: number) => {
  scratch.write(String(i).padStart(8, '0'), 6, 'latin1')
  return scratch.toString('latin1')
}

interface Store { get(k: string): number, set(k: string, i: number): void }
function makeStore(): Store {
  if (kind === 'griddle') {
    const c = new Cache({ maxBytes: 1600 * 1024 * 1024 })
    return {
      get: (k) => c.getInto(k, target),
      set: (k, i) => { bytes[6] = 48 + (i % 10); c.set(k, bytes) },
    }
  }
  if (kind === 'lru-buffer') {
    const c = new LRUCache<string, Buffer>({ max: ENTRIES + 1 })
    return {
      get: (k) => c.get(k)?.length ?? -1,
      set: (k, i) => { const b = Buffer.allocUnsafe(SIZE); b.set(bytes); b[6] = 48 + (i % 10); c.set(k, b) },
    }
  }
  if (kind === 'lru-string') {
    const c = new LRUCache<string, string>({ max: ENTRIES + 1 })
    return { get: (k) => c.get(k)?.length ?? -1, set: (k, i) => { c.set(k, fresh(i)) } }
  }
  throw new Error(`unknown case ${kind}`)
}

const store = makeStore()
const fillStart = Date.now()
for (let i = 0; i < ENTRIES; i++) store.set(key(i), i)
const fillMs = Date.now() - fillStart
;(globalThis as { gc?: () => void }).gc?.()

const pauses: number[] = []
const kinds: Record<string, number[]> = {}
const obs = new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    pauses.push(e.duration)
    const k = String((e as { detail?: { kind?: number } }).detail?.kind)
    ;(kinds[k] ??= []).push(Math.round(e.duration * 100) / 100)
  }
})
obs.observe({ entryTypes: ['gc'] })

let ops = 0, gets = 0, hits = 0, maxRss = 0
const start = performance.now()
const end = start + seconds * 1000
while (performance.now() < end) {
  for (let j = 0; j < 1000; j++) {
    const i = Math.floor(next() * ENTRIES)
    if (next() < 0.9) { gets++; if (store.get(key(i)) >= 0) hits++ } else store.set(key(i), i)
  }
  ops += 1000
  if ((ops & 0xffff) < 1000) maxRss = Math.max(maxRss, process.memoryUsage().rss)
}
const wall = performance.now() - start
// Let the observer deliver the last entries.
await new Promise((r) => setTimeout(r, 100))
obs.disconnect()
pauses.sort((a, b) => a - b)
const total = pauses.reduce((a, b) => a + b, 0)
const q = (p: number) => pauses.length === 0 ? 0 : pauses[Math.min(pauses.length - 1, Math.floor(p * pauses.length))]!
console.log(JSON.stringify({
  case: kind, seconds: wall / 1000, fillMs, ops, opsPerSec: ops / (wall / 1000), hitRatio: hits / gets,
  gcCount: pauses.length, gcP99Ms: q(0.99), gcMaxMs: pauses.at(-1) ?? 0, gcShare: total / wall,
  gcKinds: Object.fromEntries(Object.entries(kinds).map(([k, v]) => [k, { n: v.length, max: Math.max(...v) }])),
  rssMB: Math.max(maxRss, process.memoryUsage().rss) / 1048576, heapUsedMB: process.memoryUsage().heapUsed / 1048576,
}))
