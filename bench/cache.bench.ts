/**
 * The cache benchmarks (npm run bench:cache), each case in a fresh process,
 * run one at a time; prints Markdown tables for bench/results/cache.md.
 *   node dist/bench/cache.bench.js [ops] [gc] [hit] [--runs=N] [--seconds=S] [--gc-flags="--v8-flag ..."]
 */
import { execFileSync } from 'node:child_process'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { median } from './stats.js'

const here = dirname(fileURLToPath(import.meta.url))
const args = process.argv.slice(2)
const opt = (name: string, dflt: number) => Number(args.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? dflt)
const parts = args.filter((a) => !a.startsWith('--'))
const want = (p: string) => parts.length === 0 || parts.includes(p)
const runs = opt('runs', 3)

function child(script: string, argv: string[], env: Record<string, string> = {}, flags: string[] = []): any {
  const out = execFileSync(process.execPath, [...flags, join(here, script), ...argv], {
    encoding: 'utf8', env: { ...process.env, ...env }, maxBuffer: 1 << 20,
  })
  return JSON.parse(out.trim().split('\n').at(-1)!)
}

const spread = (xs: number[]) => `${Math.min(...xs).toPrecision(3)}–${Math.max(...xs).toPrecision(3)}`
const ns = (hz: number) => (1e9 / hz).toFixed(0)

function ops(): void {
  const cases = ['noop', 'noopIntString', 'griddle getInto', 'griddle getInto (raw handle)', 'griddle get (Buffer copy)',
    'lru-cache get (Buffer)', 'lru-cache get + copy', 'Map get (Buffer)', 'griddle set', 'lru-cache set (Buffer copy)',
    'Map set (Buffer copy)']
  const plan: Array<[string, number, number]> = []
  for (const size of [200, 4096]) for (const c of cases) plan.push([c, size, 10_000])
  for (const c of ['griddle getInto', 'lru-cache get + copy', 'noopIntString']) plan.push([c, 4096, 1000])
  const hz = new Map<string, number[]>()
  // Rotate the order between runs so drift on the shared machine spreads evenly.
  for (let r = 0; r < runs; r++) {
    const order = r % 2 === 0 ? plan : [...plan].reverse()
    for (const [c, size, keys] of order) {
      const res = child('cache-ops.js', [c, String(size)], { KEYS: String(keys) })
      const id = `${c}|${size}|${keys}`
      hz.set(id, [...(hz.get(id) ?? []), res.hz])
    }
  }
  console.log(`\n| case | value | keys | ops/s (median) | ns/op | spread ops/s | vs lru-cache get + copy |`)
  console.log('| --- | --- | --- | --- | --- | --- | --- |')
  for (const [c, size, keys] of plan) {
    const xs = hz.get(`${c}|${size}|${keys}`)!
    const peer = hz.get(`lru-cache get + copy|${size}|${keys}`)
    const ratio = peer && c.includes('get') ? (median(xs) / median(peer)).toFixed(2) + '×' : ''
    console.log(`| ${c} | ${size} B | ${keys} | ${Math.round(median(xs)).toLocaleString('en')} | ${ns(median(xs))} | ${spread(xs)} | ${ratio} |`)
  }
}

function gc(): void {
  const seconds = opt('seconds', 15)
  const kinds = ['griddle', 'lru-buffer', 'lru-string']
  const all = new Map<string, any[]>()
  for (let r = 0; r < runs; r++) {
    for (const k of r % 2 === 0 ? kinds : [...kinds].reverse()) {
      const extra = args.find((a) => a.startsWith('--gc-flags='))?.slice('--gc-flags='.length).split(' ').filter(Boolean) ?? []
      const res = child('cache-gc.js', [k, String(seconds)], {}, ['--expose-gc', '--max-old-space-size=6144', ...extra])
      console.error(JSON.stringify(res))
      all.set(k, [...(all.get(k) ?? []), res])
    }
  }
  console.log(`\nnode flags: --expose-gc --max-old-space-size=6144 ${args.find((a) => a.startsWith('--gc-flags=')) ?? ''}`)
  console.log(`\n| case | GC p99 ms | GC max ms (spread) | GC share of wall | ops/s | RSS MB | fill s |`)
  console.log('| --- | --- | --- | --- | --- | --- | --- |')
  for (const k of kinds) {
    const xs = all.get(k)!
    const m = (f: (x: any) => number) => median(xs.map(f))
    console.log(`| ${k} | ${m((x) => x.gcP99Ms).toFixed(2)} | ${m((x) => x.gcMaxMs).toFixed(2)} (${spread(xs.map((x) => x.gcMaxMs))}) | ` +
      `${(100 * m((x) => x.gcShare)).toFixed(1)} % | ${Math.round(m((x) => x.opsPerSec)).toLocaleString('en')} | ` +
      `${Math.round(m((x) => x.rssMB))} | ${(m((x) => x.fillMs) / 1000).toFixed(1)} |`)
  }
}

function hit(): void {
  console.log(`\n| budget (of working set) | alpha | requests | griddle S3-FIFO hit ratio | lru-cache hit ratio | griddle / lru |`)
  console.log('| --- | --- | --- | --- | --- | --- |')
  for (const alpha of [0.8, 0.9, 1.0]) {
    for (const fraction of [0.1, 0.01]) {
      const r = child('cache-hit.js', [String(fraction), String(alpha)])
      console.log(`| ${fraction * 100} % (${(r.budget / 1048576).toFixed(1)} MB) | ${alpha} | ${r.requests.toLocaleString('en')} | ` +
        `${(100 * r.griddle).toFixed(2)} % | ${(100 * r.lru).toFixed(2)} % | ${(r.griddle / r.lru).toFixed(3)} |`)
    }
  }
}

if (want('hit')) hit()
if (want('ops')) ops()
if (want('gc')) gc()
