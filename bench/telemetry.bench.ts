/**
 * Recording cost per request, in ns: griddle's outcome written into the
 * dispatcher's io slots and recorded by the next dispatch (the real path),
 * its direct crossing, Node's own histogram, prom-client's observe and
 * hot-shots' timing, with the native no-op as the floor. Each case runs in a
 * fresh process; the order rotates between runs.
 *   node dist/bench/telemetry.bench.js [--runs=N] [--ops=N]
 */
import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { createHistogram } from 'node:perf_hooks'

const args = process.argv.slice(2)
const opt = (name: string, dflt: number) => Number(args.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? dflt)
const CASES = [
  'native noop',
  'dispatch, no outcome waiting',
  'end() + dispatch (griddle, recorded in dispatch)',
  'stats.record (griddle, own crossing)',
  'perf_hooks histogram.record',
  'prom-client observe (3 labels)',
  'hot-shots timing (buffered)',
] as const

const latency = (i: number) => 1000 + (i & 1023) * 997

async function setup(name: string): Promise<(i: number) => void> {
  const { native } = await import('../lib/binding.js')
  if (name === 'native noop') return () => native.noop()
  if (name.startsWith('dispatch') || name.startsWith('end()') || name.startsWith('stats.record')) {
    const { Router, Cache } = await import('../lib/index.js')
    const { Dispatcher, IO } = await import('../lib/routing/dispatch.js')
    const { Recorder, Stats, KIND } = await import('../lib/telemetry/stats.js')
    const router = new Router<string>()
    const id = router.add('GET', '/users/:id', 'u')
    const d = new Dispatcher(router as never, new Cache({ maxBytes: 1 << 20 }), 4096)
    const stats = new Stats()
    const rec = new Recorder(d.dispatch, d.io, stats)
    d.io[IO.METHOD] = router.methodCode('GET')
    d.io[IO.FALLBACK] = -1
    if (name.startsWith('dispatch')) return () => d.dispatch('/users/42')
    if (name.startsWith('stats.record')) return (i) => stats.record(id, 0, 200, 0, KIND.HANDLER, latency(i), 120)
    // performance.now() - startMs inside end() is part of the cost measured.
    return (i) => {
      rec.end(id, 0, 200, KIND.HANDLER, i & 1 ? 0 : -0.001, 120)
      d.dispatch('/users/42')
    }
  }
  if (name.startsWith('perf_hooks')) {
    const h = createHistogram()
    return (i) => h.record(latency(i))
  }
  if (name.startsWith('prom-client')) {
    const { Histogram, Registry } = await import('prom-client')
    const h = new Histogram({ name: 'http_server_request_duration_seconds', help: 'x', labelNames: ['route', 'method', 'status'], registers: [new Registry()],
      buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] })
    const labels = { route: '/users/:id', method: 'GET', status: '200' }
    return (i) => h.observe(labels, latency(i) / 1e9)
  }
  const { StatsD } = await import('hot-shots')
  // A local port nobody listens on: datagrams are built and sent, nothing answers.
  const client = new StatsD({ host: '127.0.0.1', port: 9, maxBufferSize: 1432, bufferFlushInterval: 1000, errorHandler: () => {} })
  return (i) => client.timing('requests.users._id.GET.200', latency(i) / 1e6)
}

async function child(name: string, ops: number): Promise<void> {
  const fn = await setup(name)
  for (let i = 0; i < Math.min(ops, 200_000); i++) fn(i)  // warm-up: JIT and the series' first allocation
  const t0 = process.hrtime.bigint()
  for (let i = 0; i < ops; i++) fn(i)
  const ns = Number(process.hrtime.bigint() - t0) / ops
  console.log(JSON.stringify({ ns }))
  process.exit(0)
}

function parent(): void {
  const runs = opt('runs', 5)
  const ops = opt('ops', 2_000_000)
  const self = fileURLToPath(import.meta.url)
  const results = new Map<string, number[]>()
  for (let r = 0; r < runs; r++) {
    const order = r % 2 === 0 ? [...CASES] : [...CASES].reverse()
    for (const c of order) {
      const out = execFileSync(process.execPath, [self, '--case', c, `--ops=${ops}`], { encoding: 'utf8' })
      results.set(c, [...(results.get(c) ?? []), JSON.parse(out.trim().split('\n').at(-1)!).ns as number])
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
  console.log(`\n${runs} runs × ${ops.toLocaleString('en')} ops, Node ${process.version}\n`)
  console.log('| case | median ns/op | min–max |')
  console.log('| --- | --- | --- |')
  for (const c of CASES) {
    const xs = results.get(c)!
    console.log(`| ${c} | ${median(xs).toFixed(1)} | ${Math.min(...xs).toFixed(1)}–${Math.max(...xs).toFixed(1)} |`)
  }
}

const at = args.indexOf('--case')
if (at >= 0) void child(args[at + 1]!, opt('ops', 2_000_000))
else parent()
