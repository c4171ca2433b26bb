/**
 * griddle Router.find against find-my-way on ~50 realistic routes.
 * `node dist/bench/router.bench.js <case>` runs one case in this process and
 * prints one JSON line per contender; bench/run.ts runs every case in a fresh
 * process, several times, and writes the table.
 */
import { createRequire } from 'node:module'
import { Router } from 'griddle'
import { native } from '../lib/binding.js'

const require = createRequire(import.meta.url)
// eslint-disable-next-line @typescript-eslint/no-require-imports
const Benchmark = require('benchmark') as { Suite: new (name: string) => BenchSuite }
// eslint-disable-next-line @typescript-eslint/no-require-imports
const FindMyWay = require('find-my-way') as (opts?: object) => FmwRouter

interface FmwRouter {
  on(method: string, path: string, handler: () => void, store?: unknown): void
  find(method: string, path: string): { params: Record<string, string> } | null
  compile(): FmwRouter
}
interface BenchTarget { name: string, hz: number, stats: { rme: number, sample: number[] } }
interface BenchSuite {
  add(name: string, fn: () => void, opts?: object): BenchSuite
  on(event: string, fn: (e: { target: BenchTarget }) => void): BenchSuite
  run(opts?: object): void
}

export const ROUTES: Array<[string, string]> = [
  ['GET', '/'], ['GET', '/health'], ['GET', '/user'], ['GET', '/user/comments'], ['GET', '/user/avatar'],
  ['GET', '/user/lookup/username/:username'], ['GET', '/user/lookup/email/:address'], ['GET', '/event/:id'],
  ['GET', '/event/:id/comments'], ['POST', '/event/:id/comment'], ['GET', '/map/:location/events'],
  ['GET', '/status'], ['GET', '/very/deeply/nested/route/hello/there'], ['GET', '/static/*'],
  ['GET', '/users'], ['POST', '/users'], ['GET', '/users/:id'], ['PUT', '/users/:id'], ['DELETE', '/users/:id'],
  ['GET', '/users/:id/friends'], ['GET', '/users/:id/activity'], ['GET', '/users/:id/posts/:postId'],
  ['GET', '/users/:id/posts/:postId/comments'], ['GET', '/users/me'], ['GET', '/users/me/settings'],
  ['GET', '/posts'], ['GET', '/posts/:id'], ['GET', '/posts/:id/likes'], ['GET', '/posts/trending'],
  ['GET', '/search'], ['GET', '/orgs/:org'], ['GET', '/orgs/:org/repos'], ['GET', '/orgs/:org/members'],
  ['GET', '/repos/:owner/:repo'], ['GET', '/repos/:owner/:repo/issues'], ['GET', '/repos/:owner/:repo/issues/:number'],
  ['GET', '/repos/:owner/:repo/pulls'], ['GET', '/repos/:owner/:repo/commits/:sha'], ['GET', '/near/:lat-:lng'],
  ['GET', '/files/:name.:ext'], ['GET', '/api/v1/products'], ['GET', '/api/v1/products/:sku'],
  ['GET', '/api/v1/categories/:cat/products'], ['GET', '/api/v2/products/:sku'], ['GET', '/api/v2/cart'],
  ['POST', '/api/v2/cart/items'], ['GET', '/metrics'], ['GET', '/admin/dashboard'], ['GET', '/admin/users/:id'],
  ['GET', '/docs/*'],
]

export const CASES: Record<string, string> = {
  'static short': '/user',
  'static deep': '/very/deeply/nested/route/hello/there',
  'one param': '/users/12345',
  'two params': '/repos/nodejs/node',
  'param + query': '/users/12345?fields=name,email&expand=friends',
  'miss': '/users/12345/unknown/x',
}

function main(): void {
  const caseName = process.argv[2]
  if (caseName === undefined || !(caseName in CASES)) {
    console.error(`usage: router.bench.js <case>; cases: ${Object.keys(CASES).join(', ')}`)
    process.exit(2)
  }
  const path = CASES[caseName]!
  const ours = new Router<number>()
  const fmw = FindMyWay()
  const fmwCompiled = FindMyWay()
  ROUTES.forEach(([m, p], i) => {
    ours.add(m, p, i)
    fmw.on(m, p, () => {}, i)
    fmwCompiled.on(m, p, () => {}, i)
  })
  fmwCompiled.compile()
  // Same answer from every contender before timing.
  const want = JSON.stringify(fmw.find('GET', path)?.params ?? null)
  for (const got of [ours.find('GET', path)?.params ?? null, fmwCompiled.find('GET', path)?.params ?? null]) {
    if (JSON.stringify(got === null ? null : { ...got }) !== want) throw new Error(`contenders disagree on ${path}`)
  }
  let sink = 0
  const done: BenchTarget[] = []
  const opts = { maxTime: Number(process.env.BENCH_MAX_TIME ?? 1.5) }
  new Benchmark.Suite(caseName)
    .add('native no-op (floor)', () => { native.noop(); sink++ }, opts)
    .add('native no-op (int, string)', () => { sink += native.noopIntString(0, path) }, opts)
    .add('griddle Router.find', () => { if (ours.find('GET', path) !== null) sink++ }, opts)
    .add('find-my-way find', () => { if (fmw.find('GET', path) !== null) sink++ }, opts)
    .add('find-my-way compiled find', () => { if (fmwCompiled.find('GET', path) !== null) sink++ }, opts)
    .on('cycle', (e) => {
      console.log(JSON.stringify({ case: caseName, name: e.target.name, hz: e.target.hz, rme: e.target.stats.rme }))
      // Progress on stderr; stdout stays one JSON line per contender for bench/run.ts and bench:compare.
      process.stderr.write(`  ${caseName} · ${e.target.name}: ${(e.target.hz / 1e6).toFixed(2)}M ops/s ±${e.target.stats.rme.toFixed(1)} %\n`)
      done.push(e.target)
    })
    .run({ async: false })
  // Run alone, the case ends with its table; under bench/run.ts (BENCH_CHILD) the runner prints the summary.
  if (process.env.BENCH_CHILD !== '1') process.stderr.write(`\n| ${caseName}: contender | ops/s | ns/op | ±rme | samples |\n| --- | --- | --- | --- | --- |\n` +
    done.map((t) => `| ${t.name} | ${Math.round(t.hz).toLocaleString('en')} | ${(1e9 / t.hz).toFixed(1)} | ${t.stats.rme.toFixed(1)} % | ${t.stats.sample.length} |`).join('\n') + '\n')
  if (sink < 0) console.log(sink)
}

if (process.argv[1]?.endsWith('router.bench.js')) main()
