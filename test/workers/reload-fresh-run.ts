/**
 * Run by reload-fresh.test.ts (and bench/workers/reload-resets.ts) inside a
 * private network namespace: clients opening a new connection for every
 * request (the accept queue always has some) through `reloads` handovers;
 * prints the outcome as one JSON line.
 * Arguments: reloads (3), clients (8), then extra `griddle start` arguments.
 */
import { request } from 'node:http'
import { join } from 'node:path'
import { NO_SHEDDING, TempDir, appSource, reload, start, until } from './reload-helpers.js'

const reloads = Number(process.argv[2] ?? 3)
const clients = Number(process.argv[3] ?? 8)
const extra = process.argv.slice(4)
const dir = new TempDir()
const app = dir.file('app.js', appSource('b0'))
const pidFile = join(dir.path, 'griddle.pid')
const s = await start([app, '--workers', '2', '--port', '0', '--pid-file', pidFile, '--config', NO_SHEDDING(dir), ...extra])
let running = true
let ok = 0
let latest = ''
const failures: string[] = []
const one = (): Promise<void> => new Promise((resolve) => {
  const req = request({ host: '127.0.0.1', port: s.port, path: '/', agent: false }, (res) => {
    let body = ''
    res.on('data', (c: Buffer) => { body += c.toString() })
    res.on('end', () => {
      if (res.statusCode! >= 500) failures.push(`status ${res.statusCode}`)
      else {
        ok++
        latest = (JSON.parse(body) as { build: string }).build
      }
      resolve()
    })
  })
  req.on('error', (err: NodeJS.ErrnoException) => {
    failures.push(err.code ?? err.message)
    resolve()
  })
  req.end()
})
const end = Date.now() + 120_000
const loops = Array.from({ length: clients }, async () => {
  while (running && Date.now() < end) await one()
})
const switched: boolean[] = []
const codes: Array<number | null> = []
for (let i = 1; i <= reloads; i++) {
  dir.file('app.js', appSource(`b${i}`))
  codes.push((await reload(['--pid-file', pidFile])).code)
  switched.push(await until(() => latest === `b${i}`))
}
running = false
await Promise.all(loops)
s.child.kill('SIGTERM')
const exit = await s.exited
dir.remove()
console.log(JSON.stringify({ ok, failures, codes, switched, exit, log: s.err() }))
