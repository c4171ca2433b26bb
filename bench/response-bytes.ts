/**
 * What an exact response-bytes figure costs per request (the statistics'
 * `bytes`): Buffer.byteLength against the alternatives that could replace it.
 *   node dist/bench/response-bytes.js
 * Prints ns per call (median of 5 rounds of 2M calls, after a warm-up round)
 * over 1,024 distinct ~212-character JSON strings like bench:http's answers,
 * flat (JSON.stringify) and as a serializer builds them (concatenated pieces).
 */
import { median } from './stats.js'

const N = 2_000_000
const STRINGS: string[] = []
for (let i = 0; i < 1024; i++) {
  STRINGS.push(JSON.stringify({
    id: i, name: `user ${i}`, email: `user${i}@example.com`, active: i % 2 === 0,
    roles: ['reader', 'writer'], created: '2026-01-01T00:00:00.000Z', score: i * 1.5, bio: 'x'.repeat(60),
  }))
}
// The same text built by concatenation, as lib/schema/serialize.ts builds a body: V8 keeps it as a cons string.
const CONS: string[] = STRINGS.map((t) => {
  let out = ''
  for (let i = 0; i < t.length; i += 20) out += t.slice(i, i + 20)
  return out
})
const sink = new Float64Array(1)
// eslint-disable-next-line no-control-regex
const NON_ASCII = /[^\u0000-\u007f]/

function scan(s: string): number {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return Buffer.byteLength(s)
  return s.length
}

const CASES: Array<[string, (s: string) => number]> = [
  ['Buffer.byteLength(s)', (s) => Buffer.byteLength(s)],
  ['Buffer.byteLength(s, "utf8")', (s) => Buffer.byteLength(s, 'utf8')],
  ['regex test for non-ASCII, then s.length', (s) => NON_ASCII.test(s) ? Buffer.byteLength(s) : s.length],
  ['charCodeAt scan, then s.length', scan],
  ['Buffer.from(s).byteLength (then uWS need not encode)', (s) => Buffer.from(s).byteLength],
  ['s.length (not exact: the floor)', (s) => s.length],
]

function round(f: (s: string) => number, strings: string[]): number {
  const t0 = process.hrtime.bigint()
  for (let i = 0; i < N; i++) sink[0] = f(strings[i & 1023]!)
  return Number(process.hrtime.bigint() - t0) / N
}

console.log(`strings of ${Math.min(...STRINGS.map((s) => s.length))}–${Math.max(...STRINGS.map((s) => s.length))} characters`)
console.log('| exact bytes of a string | ns per call, median [min–max] of 5 × 2M |')
console.log('| --- | --- |')
for (const [name, f] of CASES) {
  for (const [kind, strings] of [['flat', STRINGS], ['concatenated', CONS]] as const) {
    // Fresh concatenations each round: a cons string stays flattened once something flattened it.
    const input = () => kind === 'flat' ? strings : strings.map((t) => t.slice(0, 100) + t.slice(100))
    round(f, input())
    const ns = Array.from({ length: 5 }, () => round(f, input()))
    console.log(`| ${name}, ${kind} | ${median(ns).toFixed(1)} [${Math.min(...ns).toFixed(1)}–${Math.max(...ns).toFixed(1)}] |`)
  }
}
