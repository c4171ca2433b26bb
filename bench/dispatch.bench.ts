/**
 * The one native call per request (DESIGN.md §1): Dispatcher#dispatch, route
 * lookup plus cache probe, against its floor (an empty call, and a call that
 * reads one string the way dispatch reads the path) and the router's own
 * lookup with the same path, on the router benchmark's ~50 routes.
 *   node dist/bench/dispatch.bench.js [--rounds N]   every case, each in a fresh process
 *   node dist/bench/dispatch.bench.js <case>         one case in this process (JSON lines)
 */
import { execFileSync } from 'node:child_process'
import { createRequire } from 'node:module'
import { cpus } from 'node:os'
import { fileURLToPath } from 'node:url'
import { Cache, Router } from 'griddle'
import { native } from '../lib/binding.js'
import { Dispatcher, ENCODING, IO, MODE } from '../lib/routing/dispatch.js'
import { kPublish } from '../lib/symbols.js'
import { ROUTES } from './router.bench.js'

const require = createRequire(import.meta.url)
// eslint-disable-next-line @typescript-eslint/no-require-imports
const Benchmark = require('benchmark') as { Suite: new (name: string) => BenchSuite }
interface BenchTarget { name: string, hz: number, stats: { rme: number } }
interface BenchSuite {
  add(name: string, fn: () => void, opts?: object): BenchSuite
  on(event: string, fn: (e: { target: BenchTarget }) => void): BenchSuite
  run(opts?: object): void
}
interface Row { case: string, name: string, hz: number }

/** Each case: the path dispatched, and whether the route's entry is in the cache. */
export const CASES: Record<string, { path: string, query?: string, stored: boolean }> = {
  'hit (200 B body)': { path: '/users/12345', stored: true },
  'hit with query': { path: '/users/12345', query: 'fields=name,email&expand=friends', stored: true },
  'miss (cached route)': { path: '/users/12345', stored: false },
  'uncached route': { path: '/repos/nodejs/node', stored: false },
  'not found': { path: '/users/12345/unknown/x', stored: false },
}
const FLOOR = 'native no-op (int, string)'

function runCase(name: string): void {
  const c = CASES[name]!
  const router = new Router<number>()
  ROUTES.forEach(([m, p], i) => router.add(m, p, i))
  const cache = new Cache({ maxBytes: 1 << 24 })
  const d = new Dispatcher(router as Router<unknown>, cache, 1 << 16)
  const users = router.find('GET', '/users/1')!.id
  d.setMode(users, MODE.DEFAULT_KEY)
  router[kPublish]()
  const get = router.methodCode('GET')
  d.io[IO.METHOD] = get
  d.io[IO.FALLBACK] = -1
  d.io[IO.ACCEPT] = 0
  if (c.stored) {
    const body = new TextEncoder().encode(JSON.stringify({ id: 12345, name: 'x'.repeat(170) }).slice(0, 200))
    const o = { ttlMs: 0, tags: null, status: 200, type: 'application/json; charset=utf-8', variants: 0, freshUntilMs: 0 }
    if (!d.store(d.key(get, c.path, c.query), ENCODING.IDENTITY, body, o)) throw new Error('store failed')
  }
  // The same answer as intended before timing.
  d.dispatch(c.path, c.query)
  const hit = d.io[IO.HIT]! >= 0
  if (hit !== c.stored) throw new Error(`${name}: expected ${c.stored ? 'a hit' : 'no hit'}`)
  let sink = 0
  const opts = { maxTime: Number(process.env.BENCH_MAX_TIME ?? 1.5) }
  const path = c.path
  const query = c.query
  const io = d.io
  const dispatch = d.dispatch
  new Benchmark.Suite(name)
    .add('native no-op (floor)', () => { native.noop(); sink++ }, opts)
    .add(FLOOR, () => { sink += native.noopIntString(0, path) }, opts)
    .add('Router#match (lookup only)', () => { sink += router.match(get, path) }, opts)
    .add('Dispatcher#dispatch', () => { dispatch(path, query); sink += io[IO.HIT]! }, opts)
    .on('cycle', (e) => {
      console.log(JSON.stringify({ case: name, name: e.target.name, hz: e.target.hz, rme: e.target.stats.rme }))
    })
    .run({ async: false })
  if (sink === 0.5) console.log(sink)
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2
}

const fmt = (hz: number) => hz >= 1e6 ? `${(hz / 1e6).toFixed(2)}M` : `${(hz / 1e3).toFixed(0)}k`

function runAll(rounds: number): void {
  const names = Object.keys(CASES)
  const results = new Map<string, Map<string, number[]>>()
  const self = fileURLToPath(import.meta.url)
  for (let round = 0; round < rounds; round++) {
    for (let i = 0; i < names.length; i++) {
      const name = names[(i + round) % names.length]!
      const out = execFileSync(process.execPath, [self, name], { encoding: 'utf8' })
      for (const line of out.trim().split('\n')) {
        const row = JSON.parse(line) as Row
        const byName = results.get(row.case) ?? new Map<string, number[]>()
        results.set(row.case, byName)
        byName.set(row.name, [...(byName.get(row.name) ?? []), row.hz])
      }
    }
  }
  console.log(`# ${new Date().toISOString()} · ${cpus().length} × ${cpus()[0]?.model} · Node ${process.version} · ${rounds} rounds, each case in a fresh process\n`)
  console.log(`| case | contender | median ops/s | min–max | ns/op | ns over the floor |`)
  console.log('| --- | --- | --- | --- | --- | --- |')
  for (const name of names) {
    const byName = results.get(name)!
    const floorNs = 1e9 / median(byName.get(FLOOR)!)
    for (const [contender, hzs] of byName) {
      const m = median(hzs)
      const over = contender.startsWith('native no-op') ? '' : (1e9 / m - floorNs).toFixed(0)
      console.log(`| ${name} | ${contender} | ${fmt(m)} | ${fmt(Math.min(...hzs))}–${fmt(Math.max(...hzs))} | ${(1e9 / m).toFixed(0)} | ${over} |`)
    }
  }
}

if (process.argv[1]?.endsWith('dispatch.bench.js')) {
  const args = process.argv.slice(2)
  const at = args.indexOf('--rounds')
  const name = args.find((a, i) => !a.startsWith('--') && (at < 0 || i !== at + 1))
  if (name !== undefined) {
    if (!(name in CASES)) {
      console.error(`cases: ${Object.keys(CASES).join(', ')}`)
      process.exit(2)
    }
    runCase(name)
  } else {
    runAll(at >= 0 ? Number(args[at + 1]) : 3)
  }
}
