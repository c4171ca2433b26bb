/** Closed-loop load with wrk, and the parsing of its text report. */
import { capture } from './procs.js'

export interface WrkResult {
  rps: number
  p50Us: number
  p99Us: number
  requests: number
  non2xx: number
  socketErrors: number
}

const UNIT_US: Record<string, number> = { us: 1, ms: 1000, s: 1_000_000, m: 60_000_000 }

function toUs(value: string, unit: string): number {
  const f = UNIT_US[unit]
  if (f === undefined) throw new Error(`wrk: unknown latency unit "${unit}"`)
  return Number(value) * f
}

/** Parses `wrk --latency` output; throws when a figure is missing rather than guessing. */
export function parseWrk(text: string): WrkResult {
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(text)
  const p50 = /^\s+50%\s+([\d.]+)(us|ms|s|m)\s*$/m.exec(text)
  const p99 = /^\s+99%\s+([\d.]+)(us|ms|s|m)\s*$/m.exec(text)
  const total = /(\d+) requests in/.exec(text)
  if (!rps || !p50 || !p99 || !total) throw new Error(`could not parse wrk output:\n${text}`)
  const non2xx = /Non-2xx or 3xx responses:\s+(\d+)/.exec(text)
  const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(text)
  return {
    rps: Number(rps[1]),
    p50Us: toUs(p50[1]!, p50[2]!),
    p99Us: toUs(p99[1]!, p99[2]!),
    requests: Number(total[1]),
    non2xx: non2xx ? Number(non2xx[1]) : 0,
    socketErrors: sock ? sock.slice(1).reduce((a, b) => a + Number(b), 0) : 0,
  }
}

export interface WrkOptions {
  cpu: string
  threads: number
  connections: number
  seconds: number
  script: string
  pathsFile: string
}

export function wrkArgs(port: number, o: WrkOptions): string[] {
  return [
    '-c', o.cpu, 'wrk', `-t${o.threads}`, `-c${o.connections}`, `-d${o.seconds}s`, '--latency',
    '-s', o.script, `http://127.0.0.1:${port}`, '--', o.pathsFile,
  ]
}

export async function runWrk(port: number, o: WrkOptions): Promise<WrkResult> {
  const out = await capture('taskset', wrkArgs(port, o), (o.seconds + 30) * 1000)
  return parseWrk(out)
}
