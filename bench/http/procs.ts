/** Child processes of a run: pinned servers, and commands whose output is parsed. */
import { spawn, type ChildProcess } from 'node:child_process'
import { createServer } from 'node:net'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { ServerEntry } from './servers.js'

const SERVERS_DIR = join(dirname(fileURLToPath(import.meta.url)), 'servers')

export interface RunningServer {
  entry: ServerEntry
  port: number
  child: ChildProcess
}

/** Servers still running, killed if the run is interrupted so none is left listening. */
const live = new Set<ChildProcess>()
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    for (const child of live) child.kill('SIGKILL')
    process.exit(130)
  })
}

/** A port the kernel just handed out; other sessions share this machine, so no fixed ports. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer()
    srv.once('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address()
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))))
    })
  })
}

/** Starts a server pinned to `cpu`; resolves when it prints READY, or to a skip reason. */
export async function startServer(
  entry: ServerEntry,
  cpu: string,
  scenario: string,
): Promise<RunningServer | { skipped: string }> {
  const port = await freePort()
  const script = join(SERVERS_DIR, entry.module)
  const child = spawn('taskset', ['-c', cpu, process.execPath, script], {
    env: { ...process.env, BENCH_PORT: String(port), BENCH_SCENARIO: scenario },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  live.add(child)
  child.once('exit', () => live.delete(child))
  let out = ''
  let err = ''
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()))
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`${entry.name} did not become ready in 30 s\n${err}`))
    }, 30_000)
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString()
      const ready = /^READY (\d+)$/m.exec(out)
      const skipped = /^SKIP (.*)$/m.exec(out)
      if (ready || skipped) clearTimeout(timer)
      if (ready) resolve({ entry, port, child })
      else if (skipped) resolve({ skipped: skipped[1]! })
    })
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`${entry.name} exited (code ${code}) before it was ready\n${err}`))
    })
  })
}

export async function stopServer(s: RunningServer): Promise<void> {
  if (s.child.exitCode !== null || s.child.signalCode !== null) return
  const exited = new Promise((resolve) => s.child.once('exit', resolve))
  s.child.kill('SIGTERM')
  const timer = setTimeout(() => s.child.kill('SIGKILL'), 3000)
  await exited
  clearTimeout(timer)
}

/**
 * Runs a command to completion and returns its stdout; rejects on failure
 * with the tail of its stderr and stdout (a long build keeps only the end).
 */
export function capture(cmd: string, args: string[], timeoutMs: number,
  o: { cwd?: string, shell?: boolean } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: o.cwd, shell: o.shell ?? false, stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    let err = ''
    child.stdout.on('data', (d: Buffer) => (out += d.toString()))
    child.stderr.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-8000)))
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
    child.once('error', (e) => {
      clearTimeout(timer)
      reject(e)
    })
    child.once('exit', (code, signal) => {
      clearTimeout(timer)
      const where = o.cwd === undefined ? '' : ` in ${o.cwd}`
      if (code === 0) resolve(out)
      else reject(new Error(`${[cmd, ...args].join(' ')} failed${where} (${signal ?? `exit ${code}`})\n${err}${out.slice(-4000)}`))
    })
  })
}

export function hasCommand(cmd: string): Promise<boolean> {
  return capture('sh', ['-c', `command -v ${cmd}`], 5000).then(
    () => true,
    () => false,
  )
}
