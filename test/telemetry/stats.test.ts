import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Worker } from 'node:worker_threads'
import { Cache, Router } from 'griddle'
import { Dispatcher, IO } from '../../lib/routing/dispatch.js'
import { KIND, METHODS, Recorder, Stats, nativeStats } from '../../lib/telemetry/stats.js'

const STATS_URL = new URL('../../lib/telemetry/stats.js', import.meta.url).href

function exactQuantile(sorted: number[], q: number): number {
  return sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)]!
}

test('latency percentiles stay within 1 % of the exact ones from 1 µs to 60 s', () => {
  const stats = new Stats()
  const values: number[] = []
  // Log-uniform over 1 µs .. 60 s, deterministic.
  let seed = 12345
  for (let i = 0; i < 20000; i++) {
    seed = (seed * 1103515245 + 12345) % 2147483648
    const ns = Math.round(1000 * Math.pow(6e7, seed / 2147483648))
    values.push(ns)
    stats.record(0, 0, 200, 0, KIND.HANDLER, ns, 10)
  }
  stats.nameRoute(0, '/r')
  values.sort((a, b) => a - b)
  for (const q of [0.001, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99, 0.999, 0.9999]) {
    const got = stats.percentile('/r', 'stable', q)!
    const want = exactQuantile(values, q) / 1e6
    assert.ok(Math.abs(got - want) / want <= 0.01, `q=${q}: ${got} ms against ${want} ms`)
  }
  assert.equal(stats.percentile('/r', 'stable', 1), values.at(-1)! / 1e6)
  for (const ns of [1000, 1001, 65_432, 999_999, 60e9]) {
    const one = new Stats()
    one.record(3, 0, 200, 0, KIND.HANDLER, ns, 0)
    one.nameRoute(3, '/one')
    const got = one.percentile('/one', 'stable', 0.5)! * 1e6
    assert.ok(Math.abs(got - ns) / ns <= 0.01, `${ns} ns read back as ${got}`)
  }
})

test('a read lists every series with its counts, kinds, bytes and bucket counts', () => {
  const stats = new Stats()
  stats.nameRoute(1, '/users/:id')
  stats.record(1, 0, 200, 0, KIND.HIT, 50_000, 100)
  stats.record(1, 0, 200, 0, KIND.MISS, 2_000_000, 100)
  stats.record(1, 5, 304, 0, KIND.HIT, 20_000, 0)
  stats.record(-1, 0, 404, 0, KIND.HANDLER, 10_000, 30)
  const { series, dropped } = stats.read(null, [0.0001, 0.001, 0.01])
  assert.equal(dropped, 0)
  const by = (route: string | null, method: string, status: number) =>
    series.find((s) => s.route === route && s.method === method && s.status === status)!
  const get = by('/users/:id', 'GET', 200)
  assert.deepEqual([get.requests, get.hits, get.misses, get.bytes, get.arm], [2, 1, 1, 200, 'stable'])
  assert.deepEqual(get.buckets, [1, 1, 2])
  assert.ok(Math.abs(get.sumSeconds - 0.00205) < 1e-12)
  assert.equal(by('/users/:id', 'HEAD', 304).requests, 1)
  assert.equal(by(null, 'GET', 404).requests, 1)
  assert.equal(series.length, 3)
})

test('a baseline read returns only what happened since that baseline last read', () => {
  const stats = new Stats()
  stats.nameRoute(0, '/a')
  const base = stats.baseline()
  for (let i = 0; i < 5; i++) stats.record(0, 0, 200, 0, KIND.HANDLER, 1000, 1)
  assert.equal(stats.read(base).series[0]!.requests, 5)
  assert.equal(stats.read(base).series.length, 0)
  stats.record(0, 0, 200, 0, KIND.HANDLER, 4_000_000, 1)
  const [s] = stats.read(base).series
  assert.equal(s!.requests, 1)
  assert.ok(Math.abs(s!.latencyMs.max - 4) / 4 <= 0.01)
  assert.equal(stats.read().series[0]!.requests, 6)
})

test('worker threads record into one named registry and a reader sees their sum', async () => {
  const name = `stats-threads-${process.pid}`
  const main = new Stats(name)
  main.nameRoute(7, '/shared')
  const code = `
const { parentPort, workerData } = require('node:worker_threads')
import(workerData.url).then(({ Stats, KIND }) => {
  const s = new Stats(workerData.name)
  for (let i = 0; i < workerData.n; i++) s.record(7, 0, 200, 0, KIND.HANDLER, 1000 + i, 2)
  parentPort.postMessage('done')
})`
  const n = 20000
  await Promise.all([0, 1, 2].map(() => new Promise((resolve, reject) => {
    const w = new Worker(code, { eval: true, workerData: { url: STATS_URL, name, n } })
    w.once('message', resolve)
    w.once('error', reject)
  })))
  main.record(7, 0, 200, 0, KIND.HANDLER, 5000, 2)
  const s = main.read().series.find((x) => x.route === '/shared')!
  assert.equal(s.requests, 3 * n + 1)
  assert.equal(s.bytes, 2 * (3 * n + 1))
})

test('outcomes left in the dispatcher io are recorded by the next dispatch, or by a flush', () => {
  const router = new Router<string>()
  const id = router.add('GET', '/x/:n', 'x')
  const d = new Dispatcher(router as Router<unknown>, new Cache({ maxBytes: 1 << 20 }), 4096)
  const stats = new Stats()
  stats.nameRoute(id, '/x/:n')
  const recorder = new Recorder(d.dispatch, d.io, stats)
  const count = () => stats.read().series.reduce((n, s) => n + s.requests, 0)
  d.io[IO.METHOD] = router.methodCode('GET')
  d.io[IO.FALLBACK] = -1
  recorder.end(id, 0, 200, KIND.HANDLER, 0, 10)
  assert.equal(count(), 0, 'nothing recorded before the next dispatch')
  d.dispatch('/x/1')
  assert.equal(count(), 1)
  // More answers than slots between two dispatches: the recorder flushes itself.
  for (let i = 0; i < nativeStats.STATS_PENDING_MAX * 2 + 3; i++) recorder.end(id, 0, 200, KIND.HANDLER, 0, 10)
  recorder.flush()
  assert.equal(count(), 1 + nativeStats.STATS_PENDING_MAX * 2 + 3)
  assert.equal(stats.read().series[0]!.method, METHODS[0])
})

test('the series table refuses keys past its capacity and counts what it dropped', () => {
  const stats = new Stats()
  for (let route = 0; route < nativeStats.STATS_MAX_SERIES + 20; route++) stats.record(route, 0, 200, 0, KIND.HANDLER, 1000, 0)
  const r = stats.read()
  assert.equal(r.series.length, nativeStats.STATS_MAX_SERIES)
  assert.equal(r.dropped, 20)
})

test('native stats calls refuse forged handles with a coded TypeError', () => {
  assert.throws(() => nativeStats.statsRead({} as never, null, new Float64Array(0), new Float64Array(0)), { code: 'GRIDDLE_ERR_INVALID_HANDLE' })
  const stats = new Stats()
  const other = new Stats()
  assert.throws(() => nativeStats.statsRead(stats.handle, other.baseline(), new Float64Array(0), new Float64Array(0)), { code: 'GRIDDLE_ERR_INVALID_ARG' })
  assert.throws(() => nativeStats.statsRecord(stats.handle, 'x' as never, 0, 200, 0, 0, 1, 1), { code: 'GRIDDLE_ERR_INVALID_ARG' })
})
