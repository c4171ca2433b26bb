/**
 * What one clock read costs here: the price of a per-request start time.
 *   node dist/bench/clock.js
 * Prints ns per call (median of 5 rounds of 2M calls) for the clocks a
 * request path could read.
 */
import { performance } from 'node:perf_hooks'
import { median } from './stats.js'

const N = 2_000_000
const sink = new Float64Array(1)
const CLOCKS: Array<[string, () => number]> = [
  ['performance.now()', () => performance.now()],
  ['Date.now()', () => Date.now()],
  ['Number(process.hrtime.bigint())', () => Number(process.hrtime.bigint())],
  ['no clock (loop and store only)', () => 1.5],
]

function round(f: () => number): number {
  const t0 = process.hrtime.bigint()
  for (let i = 0; i < N; i++) sink[0] = f()
  return Number(process.hrtime.bigint() - t0) / N
}

console.log('| clock | ns per call, median [min–max] of 5 × 2M |')
console.log('| --- | --- |')
for (const [name, f] of CLOCKS) {
  round(f)
  const ns = Array.from({ length: 5 }, () => round(f))
  console.log(`| ${name} | ${median(ns).toFixed(0)} [${Math.min(...ns).toFixed(0)}–${Math.max(...ns).toFixed(0)}] |`)
}
