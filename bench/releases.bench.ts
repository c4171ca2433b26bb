/**
 * The cost of a live release on throughput: the same app and route served
 * without releases, and with a release ramping at 50 % plus ghost runs on
 * 10 % of the stable requests, side by side. Closed loop: wrk -t1 -c64 on
 * core 1, the server alone on core 0 (taskset), each case in a fresh
 * process, the order alternating, a warm-up round discarded. Every request
 * carries its own unit key (wrk Lua), so the split is real.
 *   node dist/bench/releases.bench.js [--rounds=N] [--seconds=S]
 */
import { spawn, spawnSync } from 'node:child_process'
import { writeFileSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const args = process.argv.slice(2)
const opt = (name: string, dflt: number) => Number(args.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? dflt)
const CASES = ['no release', 'ramp 50 % + ghost 10 %'] as const

async function serveCase(name: string): Promise<void> {
  const { createApp } = await import('../lib/index.js')
  const app = createApp({ unitKey: { header: 'x-user' }, admission: false })
  const user = (req: { params: Record<string, unknown> }, v: string) => ({ id: req.params.id, name: 'Ada Lovelace', version: v })
  app.get('/users/:id', { version: 'v1' }, (req) => user(req, 'v1'))
  if (name !== 'no release') {
    const r = app.release('GET /users/:id', { version: 'v2', handler: (req) => user(req, 'v1') })
    r.ghost({ sample: 0.1, compare: { noise: false } })
    r.ramp({ steps: [50, 100], minSamples: 1e9, minStepMs: 3_600_000 })
    await r.ready
  }
  const { port } = await app.listen(0)
  process.stdout.write(`${port}\n`)
}

function wrk(port: number, seconds: number, script: string): number {
  const r = spawnSync('taskset', ['-c', '1', 'wrk', '-t1', '-c64', `-d${seconds}s`, '-s', script, `http://127.0.0.1:${port}/users/1`], { encoding: 'utf8' })
  const m = /Requests\/sec:\s+([\d.]+)/.exec(r.stdout)
  if (m === null) throw new Error(`wrk: ${r.stdout}${r.stderr}`)
  const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(r.stdout)
  if (non2xx !== null) throw new Error(`wrk saw ${non2xx[1]} failed answers`)
  return Number(m[1])
}

async function runCase(name: string, seconds: number, script: string): Promise<number> {
  const self = fileURLToPath(import.meta.url)
  const child = spawn('taskset', ['-c', '0', process.execPath, self, 'serve', name], { stdio: ['ignore', 'pipe', 'inherit'] })
  const port = await new Promise<number>((resolve) => child.stdout.once('data', (d: Buffer) => resolve(Number(d.toString().trim()))))
  try {
    wrk(port, 1, script)  // warm-up, discarded
    return wrk(port, seconds, script)
  } finally {
    child.kill()
  }
}

async function parent(): Promise<void> {
  const rounds = opt('rounds', 5)
  const seconds = opt('seconds', 5)
  const script = join(mkdtempSync(join(tmpdir(), 'griddle-bench-')), 'users.lua')
  writeFileSync(script, 'local n = 0\nrequest = function()\n  n = n + 1\n  return wrk.format(nil, nil, { ["x-user"] = "u" .. n })\nend\n')
  const results: Record<string, number[]> = Object.fromEntries(CASES.map((c) => [c, []]))
  for (let i = 0; i < rounds; i++) {
    const order = i % 2 === 0 ? CASES : [...CASES].reverse()
    for (const c of order) results[c]!.push(await runCase(c, seconds, script))
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!
  console.log('| case | median req/s | min–max | runs |\n| --- | --- | --- | --- |')
  for (const c of CASES) {
    const xs = results[c]!
    console.log(`| ${c} | ${median(xs).toFixed(0)} | ${Math.min(...xs).toFixed(0)}–${Math.max(...xs).toFixed(0)} | ${xs.map((x) => x.toFixed(0)).join(', ')} |`)
  }
  const ratio = median(results[CASES[1]]!) / median(results[CASES[0]]!)
  const pairs = results[CASES[0]]!.map((b, i) => results[CASES[1]]![i]! / b)
  console.log(`\nratio (release / none), medians: ${ratio.toFixed(3)}; per round: ${pairs.map((p) => p.toFixed(3)).join(', ')}`)
}

if (args[0] === 'serve') await serveCase(args[1]!)
else await parent()
