/** Building and running the open-loop generator in bench/loadgen/. */
import { join } from 'node:path'
import { capture } from './procs.js'
import { repoRoot } from './paths.js'

export const LOADGEN_DIR = join(repoRoot, 'bench', 'loadgen')
export const LOADGEN_BIN = join(LOADGEN_DIR, 'build', 'loadgen')

export interface Latency {
  count: number
  mean: number
  p50: number
  p90: number
  p99: number
  p99_9: number
  max: number
}

/** The JSON object loadgen prints; latencies in µs, from each request's intended send time. */
export interface LoadgenResult {
  rate: number
  duration_s: number
  connections: number
  pipeline: number
  scheduled: number
  sent: number
  unsent: number
  completed: number
  achieved_rps: number
  elapsed_s: number
  errors: number
  error_kinds: { connect: number; read: number; parse: number; closed: number; timeout: number }
  non2xx: number
  status: { '2xx': number; '3xx': number; '4xx': number; '503': number; '5xx_other': number }
  latency_us: Latency
  latency_2xx_us: Latency
  /** the onset left out of latency_2xx_settled_us (0: nothing left out) */
  settle_s: number
  latency_2xx_settled_us: Latency
  cpu: { user_s: number; sys_s: number; percent_of_core: number; us_per_response: number }
}

export interface LoadgenOptions {
  port: number
  rate: number
  seconds: number
  connections?: number
  pipeline?: number
  pathsFile?: string
  drainSeconds?: number
  /** 2xx answers to requests due in the first seconds are left out of latency_2xx_settled_us */
  settleSeconds?: number
  /** a CPU list for taskset; unpinned when absent */
  cpu?: string
}

/** Compiles the generator if its sources changed (cc -O2); throws with the compiler's message. */
export async function buildLoadgen(): Promise<string> {
  await capture('bash', [join(LOADGEN_DIR, 'build.sh')], 120_000)
  return LOADGEN_BIN
}

export function loadgenArgs(o: LoadgenOptions): string[] {
  const args = ['--port', String(o.port), '--rate', String(o.rate), '--duration', String(o.seconds)]
  if (o.connections !== undefined) args.push('--connections', String(o.connections))
  if (o.pipeline !== undefined) args.push('--pipeline', String(o.pipeline))
  if (o.pathsFile !== undefined) args.push('--paths', o.pathsFile)
  if (o.drainSeconds !== undefined) args.push('--drain', String(o.drainSeconds))
  if (o.settleSeconds !== undefined && o.settleSeconds > 0) args.push('--settle', String(o.settleSeconds))
  return args
}

export async function runLoadgen(o: LoadgenOptions): Promise<LoadgenResult> {
  const args = loadgenArgs(o)
  const timeout = (o.seconds + (o.drainSeconds ?? 5) + 10) * 1000
  const out = o.cpu === undefined
    ? await capture(LOADGEN_BIN, args, timeout)
    : await capture('taskset', ['-c', o.cpu, LOADGEN_BIN, ...args], timeout)
  return JSON.parse(out) as LoadgenResult
}
