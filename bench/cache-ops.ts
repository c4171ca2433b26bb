/**
 * One micro-benchmark case of the cache, in this process only:
 *   KEYS=10000 node dist/bench/cache-ops.js <case> <valueBytes>
 * prints one JSON line { case, valueBytes, keys, hz, rme, samples }.
 * Every case reads or writes the same KEYS keys with identical values, in turn.
 */
import { createRequire } from 'node:module'
import { LRUCache } from 'lru-cache'
import { Cache } from 'griddle'
import { native } from '../lib/binding.js'
import { kCacheHandle } from '../lib/symbols.js'

const require = createRequire(import.meta.url)
const Benchmark = require('benchmark') as any

const [name = 'getInto', sizeArg = '200'] = process.argv.slice(2)
const size = Number(sizeArg)
const KEYS = Number(process.env.KEYS ?? 10_000)
const keys = Array.from({ length: KEYS }, (_, i) => `/users/${100000 + i}?fields=profile`)
const value = new Uint8Array(size).map((_, i) => 32 + (i % 90))
const target = new Uint8Array(64 * 1024)
let i = 0
let sink = 0

const griddle = new Cache({ maxBytes: 256 << 20 })
const lru = new LRUCache<string, Buffer>({ max: KEYS * 2 })
const map = new Map<string, Buffer>()
for (const k of keys) {
  griddle.set(k, value)
  lru.set(k, Buffer.from(value))
  map.set(k, Buffer.from(value))
}
const raw = griddle[kCacheHandle]!

// The set cases store a fresh copy, as a server storing a new response would.
const cases: Record<string, () => void> = {
  'noop': () => { native.noop(); i++ },
  'noopIntString': () => { sink += native.noopIntString(1, keys[i++ % KEYS]!) },
  'griddle getInto': () => { sink += griddle.getInto(keys[i++ % KEYS]!, target) },
  'griddle getInto (raw handle)': () => { sink += raw(keys[i++ % KEYS]!, target) },
  'griddle get (Buffer copy)': () => { sink += griddle.get(keys[i++ % KEYS]!)!.length },
  'griddle set': () => { griddle.set(keys[i++ % KEYS]!, value) },
  'lru-cache get (Buffer)': () => { sink += lru.get(keys[i++ % KEYS]!)!.length },
  // What a server does with the Buffer it got: copy it into its output.
  'lru-cache get + copy': () => { const b = lru.get(keys[i++ % KEYS]!)!; target.set(b); sink += b.length },
  'lru-cache set (Buffer copy)': () => { lru.set(keys[i++ % KEYS]!, Buffer.from(value)) },
  'Map get (Buffer)': () => { sink += map.get(keys[i++ % KEYS]!)!.length },
  'Map set (Buffer copy)': () => { map.set(keys[i++ % KEYS]!, Buffer.from(value)) },
}

const fn = cases[name]
if (fn === undefined) throw new Error(`unknown case ${name}; one of: ${Object.keys(cases).join(', ')}`)
const bench = new Benchmark(name, fn, { maxTime: 1.5, minSamples: 10 })
bench.on('complete', () => {
  console.log(JSON.stringify({ case: name, valueBytes: size, keys: KEYS, hz: bench.hz, rme: bench.stats.rme, samples: bench.stats.sample.length, sink: sink > 0 }))
})
bench.run()
