/** Command-line flags of `npm run bench:http`, each with an environment fallback. */
import { parseArgs } from 'node:util'

export interface Options {
  scenario: string
  servers?: string[]
  runs: number
  warmupSeconds: number
  closedSeconds: number
  openSeconds: number
  rates?: number[]
  repeat?: string
  serverCpu: string
  clientCpu: string
  write: boolean
}

export const USAGE = `usage: npm run bench:http -- [flags]
  --scenario NAME        users (default), overload, cached     env BENCH_SCENARIO
  --servers a,b          subset of the scenario's servers       env BENCH_SERVERS
  --runs N               runs per server, rotated order (3)     env BENCH_RUNS
  --warmup S             discarded wrk warm-up per process (2)  env BENCH_WARMUP
  --closed S             wrk duration in seconds (10)           env BENCH_CLOSED
  --open S               seconds per open-loop rate (10)        env BENCH_OPEN
  --rates r1,r2          override the scenario's open-loop rates
  --repeat NAME          server measured twice to show noise (default: griddle if present, else the first)
  --server-cpu C         taskset list for servers (0)
  --client-cpu C         taskset list for wrk and the generator (1)
  --quick                warm-up 1 s, closed 3 s, open 3 s
  --no-write             print the table without updating bench/results/http.md`

function num(name: string, v: string | undefined, fallback: number): number {
  if (v === undefined) return fallback
  const n = Number(v)
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} must be a positive number, got "${v}"\n${USAGE}`)
  return n
}

const list = (v: string | undefined): string[] | undefined => (v ? v.split(',').map((s) => s.trim()).filter(Boolean) : undefined)

export function parseOptions(argv: string[], env: NodeJS.ProcessEnv = process.env): Options {
  const { values: v } = parseArgs({
    args: argv,
    options: {
      scenario: { type: 'string' }, servers: { type: 'string' }, runs: { type: 'string' },
      warmup: { type: 'string' }, closed: { type: 'string' }, open: { type: 'string' },
      rates: { type: 'string' }, repeat: { type: 'string' }, 'server-cpu': { type: 'string' },
      'client-cpu': { type: 'string' }, quick: { type: 'boolean' }, 'no-write': { type: 'boolean' },
      help: { type: 'boolean' },
    },
  })
  if (v.help) {
    console.log(USAGE)
    process.exit(0)
  }
  const quick = v.quick === true
  const rates = list(v.rates)?.map((r) => num('--rates', r, 0))
  return {
    scenario: v.scenario ?? env.BENCH_SCENARIO ?? 'users',
    servers: list(v.servers ?? env.BENCH_SERVERS),
    runs: Math.round(num('--runs', v.runs ?? env.BENCH_RUNS, 3)),
    warmupSeconds: num('--warmup', v.warmup ?? env.BENCH_WARMUP, quick ? 1 : 2),
    closedSeconds: num('--closed', v.closed ?? env.BENCH_CLOSED, quick ? 3 : 10),
    openSeconds: num('--open', v.open ?? env.BENCH_OPEN, quick ? 3 : 10),
    rates,
    repeat: v.repeat,
    serverCpu: v['server-cpu'] ?? '0',
    clientCpu: v['client-cpu'] ?? '1',
    write: v['no-write'] !== true,
  }
}
