/** Command-line flags of `npm run flame -- <scenario>`. */
import { parseArgs } from 'node:util'
import { FLAME_SCENARIOS, findFlameScenario } from './scenarios.js'

export type Mode = 'js' | 'native'
export type CallGraph = 'fp' | 'dwarf'

export interface FlameOptions {
  scenario: string
  seconds: number
  rate: number
  mode: Mode
  /** native mode: how perf walks stacks */
  callGraph: CallGraph
  connections: number
  serverCpu: string
  clientCpu: string
  /** parent of the run's folder; flamegraphs/out by default */
  outDir?: string
}

export const USAGE = `usage: npm run flame -- <scenario> [flags]
  scenarios: ${FLAME_SCENARIOS.map((s) => s.name).join(', ')}
  --duration S        seconds of load (10)
  --rate R            open-loop requests per second (50000)
  --mode js|native    js: 0x, JS frames; native: perf, JS + addon C++ + uWS + kernel frames (js)
  --call-graph fp|dwarf  native mode: frame pointers (fp, default; walks JIT frames) or DWARF
  --connections N     generator connections (64)
  --server-cpu C      taskset list for the server (0)
  --client-cpu C      taskset list for the generator (1)
  --out DIR           where the run's folder goes (flamegraphs/out)`

function positive(name: string, v: string | undefined, fallback: number): number {
  if (v === undefined) return fallback
  const n = Number(v)
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} must be a positive number, got "${v}"\n${USAGE}`)
  return n
}

export function parseFlameOptions(argv: string[]): FlameOptions | 'help' {
  const { values: v, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      duration: { type: 'string' }, rate: { type: 'string' }, mode: { type: 'string' },
      'call-graph': { type: 'string' }, connections: { type: 'string' }, 'server-cpu': { type: 'string' }, 'client-cpu': { type: 'string' },
      out: { type: 'string' }, help: { type: 'boolean', short: 'h' },
    },
  })
  if (v.help) return 'help'
  if (positionals.length !== 1) throw new Error(`give exactly one scenario\n${USAGE}`)
  findFlameScenario(positionals[0]!)
  const mode = v.mode ?? 'js'
  if (mode !== 'js' && mode !== 'native') throw new Error(`--mode must be js or native, got "${mode}"\n${USAGE}`)
  const callGraph = v['call-graph'] ?? 'fp'
  if (callGraph !== 'fp' && callGraph !== 'dwarf') throw new Error(`--call-graph must be fp or dwarf, got "${callGraph}"\n${USAGE}`)
  return {
    scenario: positionals[0]!,
    seconds: positive('duration', v.duration, 10),
    rate: positive('rate', v.rate, 50_000),
    mode,
    callGraph,
    connections: positive('connections', v.connections, 64),
    serverCpu: v['server-cpu'] ?? '0',
    clientCpu: v['client-cpu'] ?? '1',
    ...(v.out !== undefined ? { outDir: v.out } : {}),
  }
}
