/**
 * What every benchmarked server shares: the port it is told to use, the read
 * model, the exact bytes of a 404, and the line that tells the runner it is
 * ready (or that it cannot run here and should be skipped).
 *
 * Protocol with bench/http/run.ts: the server reads BENCH_PORT, listens on
 * 127.0.0.1, then prints `READY <port>` on stdout; or prints `SKIP <reason>`
 * and exits 0. BENCH_SCENARIO names the scenario, for servers that configure
 * themselves per scenario (a cache for cached reads, for example).
 */
import { ReadModel } from '../../demo/read-model.js'

export const JSON_TYPE = 'application/json; charset=utf-8'
export const NOT_FOUND = '{"error":"not found"}'

export function benchPort(): number {
  const port = Number(process.env.BENCH_PORT)
  if (!Number.isInteger(port) || port <= 0 || port > 65535) {
    throw new Error(`BENCH_PORT must be a TCP port, got ${JSON.stringify(process.env.BENCH_PORT)}`)
  }
  return port
}

export function benchScenario(): string {
  return process.env.BENCH_SCENARIO ?? 'users'
}

/** Built once per process, before listening, so start-up cost is not measured. */
export function readModel(): ReadModel {
  return new ReadModel()
}

export function ready(port: number): void {
  process.stdout.write(`READY ${port}\n`)
}

export function skip(reason: string): never {
  process.stdout.write(`SKIP ${reason}\n`)
  process.exit(0)
}

export function idOf(param: string | undefined): number {
  return Number(param)
}

/**
 * The `overload-work` scenario gives each request ~100 µs of CPU work before
 * it answers, so that serving costs far more than refusing: the case where
 * shedding pays. The work is the same in every server.
 */
export function work(): void {
  if (benchScenario() !== 'overload-work') return
  const until = process.hrtime.bigint() + 100_000n
  while (process.hrtime.bigint() < until) { /* spin */ }
}
