/**
 * `griddle reload`: asks a running `griddle start` to hand over to a new
 * build, through its pid file (SIGHUP, then the result file it writes) or
 * its admin listener (POST /reload), and exits 0 when the new generation
 * serves, 1 with the reason when the new build was abandoned.
 */
import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { UsageError, type Command, type Io } from './command.js'
import { resultFile } from './start-command.js'

const USAGE = `usage: griddle reload (--pid-file F | --admin URL [--token T]) [--timeout SECONDS]
  Hands a running \`griddle start\` over to a new build of its app module, without downtime.
  --pid-file F   the server's pid file: sends SIGHUP and waits for the outcome
  --admin URL    its admin listener, e.g. http://127.0.0.1:9901 (POST /reload)
  --token T      the admin token (or GRIDDLE_ADMIN_TOKEN, which keeps it out of ps)
  --timeout S    how long to wait for the outcome (120)
  Exit 0: the new generation serves. Exit 1: it was abandoned (the reason is printed), the old one serves.`

interface Outcome { seq?: number, ok: boolean, generation: number, error?: string, readyMs?: number }

function readOutcome(file: string): Outcome | null {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Outcome
  } catch {
    return null
  }
}

function report(o: Outcome, io: Io): number {
  if (o.ok) {
    io.out(`reloaded: generation ${o.generation} serves (ready in ${o.readyMs} ms)`)
    return 0
  }
  io.err(`reload failed, generation ${o.generation} keeps serving: ${o.error}`)
  return 1
}

async function bySignal(pidFile: string, timeoutMs: number, io: Io): Promise<number> {
  let pid: number
  try {
    pid = Number(readFileSync(pidFile, 'utf8').trim())
  } catch (err) {
    throw new Error(`cannot read the pid file: ${(err as Error).message}`)
  }
  if (!Number.isInteger(pid) || pid <= 0) throw new Error(`${pidFile} holds no pid`)
  const before = readOutcome(resultFile(pidFile))?.seq ?? 0
  process.kill(pid, 'SIGHUP')
  const until = Date.now() + timeoutMs
  while (Date.now() < until) {
    await new Promise((r) => setTimeout(r, 50))
    const o = readOutcome(resultFile(pidFile))
    if (o !== null && (o.seq ?? 0) > before) return report(o, io)
  }
  throw new Error(`no outcome within ${timeoutMs / 1000} s (is pid ${pid} a griddle start?)`)
}

async function byAdmin(admin: string, token: string | undefined, timeoutMs: number, io: Io): Promise<number> {
  let url: URL
  try {
    url = new URL('/reload', admin)
  } catch {
    throw new UsageError(`--admin must be a URL such as http://127.0.0.1:9901, got "${admin}"`)
  }
  const res = await fetch(url, {
    method: 'POST',
    headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
    signal: AbortSignal.timeout(timeoutMs),
  })
  const body = await res.text()
  let o: Outcome
  try {
    o = JSON.parse(body) as Outcome
  } catch {
    throw new Error(`POST /reload answered ${res.status}: ${body.slice(0, 300)}`)
  }
  if (typeof o.ok !== 'boolean') throw new Error(`POST /reload answered ${res.status}: ${body.slice(0, 300)}`)
  return report(o, io)
}

export const reloadCommand: Command = {
  name: 'reload',
  summary: 'hand a running `griddle start` over to a new build, without downtime',
  usage: USAGE,
  async run(argv, io) {
    const { values: v, positionals } = parseArgs({
      args: argv, allowPositionals: true,
      options: { 'pid-file': { type: 'string' }, admin: { type: 'string' }, token: { type: 'string' }, timeout: { type: 'string' } },
    })
    if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`)
    if ((v['pid-file'] === undefined) === (v.admin === undefined)) throw new UsageError('give one of --pid-file F or --admin URL')
    const seconds = Number(v.timeout ?? 120)
    if (!(seconds > 0) || seconds > 3600) throw new UsageError(`--timeout must be above 0 and at most 3600, got "${v.timeout}"`)
    if (v['pid-file'] !== undefined) return bySignal(v['pid-file'], seconds * 1000, io)
    return byAdmin(v.admin!, v.token ?? process.env.GRIDDLE_ADMIN_TOKEN, seconds * 1000, io)
  },
}
