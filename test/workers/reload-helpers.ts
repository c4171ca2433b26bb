/**
 * For the delivery tests: a `griddle start` child process, app modules
 * written to a temp dir (a "new build" is the file rewritten), and a
 * bounded keep-alive load loop that counts every failure.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { Agent, request } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const MAIN = fileURLToPath(new URL('../../lib/cli/main.js', import.meta.url))

/** An app module answering GET / with `build` (and GET /slow after a pause, logging "slow-started" first). */
export function appSource(build: string): string {
  return `export default (app) => {
  app.get('/', () => ({ build: ${JSON.stringify(build)} }))
  app.get('/slow', async () => {
    console.log('slow-started')
    await new Promise((r) => setTimeout(r, 400))
    return { build: ${JSON.stringify(build)}, slow: true }
  })
}
`
}

export const BROKEN_SOURCE = `throw new Error('build is broken on purpose')\n`

export class TempDir {
  readonly path = mkdtempSync(join(tmpdir(), 'griddle-delivery-'))
  file(name: string, text: string): string {
    const p = join(this.path, name)
    writeFileSync(p, text)
    return p
  }
  remove(): void {
    rmSync(this.path, { recursive: true, force: true })
  }
}

export interface Started {
  child: ChildProcess
  port: number
  admin: number | null
  out: () => string
  err: () => string
  /** Resolves with the exit code. */
  exited: Promise<number | null>
  /** Resolves once stdout has printed a line containing text. */
  printed: (text: string) => Promise<void>
}

/** Runs `griddle start` and waits for the URL it prints. */
export async function start(args: string[], env: Record<string, string> = {}): Promise<Started> {
  const child = spawn(process.execPath, [MAIN, 'start', ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  let err = ''
  const waiters: Array<() => void> = []
  child.stdout!.on('data', (c: Buffer) => { out += c.toString(); for (const w of waiters.splice(0)) w() })
  child.stderr!.on('data', (c: Buffer) => { err += c.toString() })
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  const printed = (text: string): Promise<void> => new Promise((resolve, reject) => {
    const check = (): void => {
      if (out.includes(text)) resolve()
      else if (child.exitCode !== null) reject(new Error(`griddle start exited ${child.exitCode}: ${err}`))
      else waiters.push(check)
    }
    check()
    void exited.then(() => { for (const w of waiters.splice(0)) w() })
  })
  await printed('listening on http://')
  const port = Number(/listening on http:\/\/[^:]+:(\d+)/.exec(out)![1])
  const a = /admin on http:\/\/[^:]+:(\d+)/.exec(out)
  return { child, port, admin: a === null ? null : Number(a[1]), out: () => out, err: () => err, exited, printed }
}

/** Runs `griddle reload ...`; resolves with its exit code and output. */
export function reload(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null, out: string, err: string }> {
  const child = spawn(process.execPath, [MAIN, 'reload', ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  let err = ''
  child.stdout.on('data', (c: Buffer) => { out += c.toString() })
  child.stderr.on('data', (c: Buffer) => { err += c.toString() })
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, out, err })))
}

export interface LoadResult {
  ok: number
  failures: string[]
  /** How many answers each build gave. */
  builds: Map<string, number>
  /** The build of the latest answer. */
  latest: string
  /** How many 200 answers each pid gave, for apps whose answers carry a `pid` (one per node behind a proxy). */
  pids: Map<number, number>
}

/**
 * `connections` keep-alive clients, each sending GET / in a loop until
 * stop() (bounded by maxMs in any case); an error or a 5xx is a failure.
 */
export function load(port: number, connections: number, maxMs = 60_000): { result: LoadResult, stop: () => Promise<LoadResult> } {
  const agent = new Agent({ keepAlive: true, maxSockets: connections })
  const result: LoadResult = { ok: 0, failures: [], builds: new Map(), latest: '', pids: new Map() }
  let running = true
  const until = Date.now() + maxMs
  const one = (): Promise<void> => new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: '/', agent }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (c: string) => { body += c })
      res.on('end', () => {
        if (res.statusCode! >= 500) result.failures.push(`status ${res.statusCode}: ${body}`)
        else {
          result.ok++
          const { build, pid } = JSON.parse(body) as { build: string, pid?: number }
          result.builds.set(build, (result.builds.get(build) ?? 0) + 1)
          result.latest = build
          if (res.statusCode === 200 && typeof pid === 'number') result.pids.set(pid, (result.pids.get(pid) ?? 0) + 1)
        }
        resolve()
      })
    })
    req.on('error', (err: NodeJS.ErrnoException) => {
      result.failures.push(`${err.code ?? ''} ${err.message}`)
      resolve()
    })
    req.end()
  })
  const loops = Array.from({ length: connections }, async () => {
    while (running && Date.now() < until) await one()
  })
  return {
    result,
    stop: async () => {
      running = false
      await Promise.all(loops)
      agent.destroy()
      return result
    },
  }
}

/** Polls cond until it holds or maxMs passed; returns whether it holds. */
export async function until(cond: () => boolean, maxMs = 30_000): Promise<boolean> {
  const end = Date.now() + maxMs
  while (!cond() && Date.now() < end) await new Promise((r) => setTimeout(r, 20))
  return cond()
}

/**
 * A griddle.config.json with admission control off: these tests count every
 * non-2xx as a failed handover, and on a loaded machine admission control
 * rightly sheds some requests with 503 (docs/deploy.md), which is not what
 * they test.
 */
export function NO_SHEDDING(dir: TempDir): string {
  return dir.file('no-shedding.json', JSON.stringify({ options: { admission: false } }))
}
