/**
 * The cost of a live release on throughput: the same app and route served
 * without releases, and with a release ramping at 50 % plus ghost runs on
 * 10 % of the stable requests, side by side. Closed loop: wrk -t1 -c64 on
 * core 1, the server alone on core 0 (taskset), each case in a fresh
 * process, the order alternating, a warm-up round discarded. Every request
 * carries its own unit key (wrk Lua), so the split is real. Besides req/s,
 * the server's CPU time per request (utime + stime from /proc): on a shared
 * machine it moves far less with the neighbours' load than throughput does.
 *   node dist/bench/releases.bench.js [--rounds=N] [--seconds=S]
 */
import { spawn, spawnSync } from 'node:child_process'
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const args = process.argv.slice(2)
const opt = (name: string, dflt: number) => Number(args.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? dflt)
const CASES = ['no release', 'ramp 50 % + ghost 10 %', 'ramp 50 %, no ghost'] as const

async function serveCase(name: string): Promise<void> {
  const { createApp } = await import('../lib/index.js')
  const app = createApp({ unitKey: { header: 'x-user' }, admission: false })
  const user = (req: { params: Record<string, unknown> }, v: string) => ({ id: req.params.id, name: 'Ada Lovelace', version: v })
  app.get('/users/:id', { version: 'v1' }, (req) => user(req, 'v1'))
  if (name !== 'no release') {
    const r = app.release('GET /users/:id', { version: 'v2', handler: (req) => user(req, 'v1') })
    if (name.includes('ghost 10')) r.ghost({ sample: 0.1, compare: { noise: false } })
    r.ramp({ steps: [50, 100], minSamples: 1e9, minStepMs: 3_600_000 })
    await r.ready
  }
  const { port } = await app.listen(0)
  process.stdout.write(`${port}\n`)
}

interface Run { rps: number, requests: number }

/** The process's CPU time (user + system) in µs. */
function cpuUs(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')
  return (Number(f[11]) + Number(f[12])) * 1e6 / 100
}

function wrk(port: number, seconds: number, script: string): Run {
  const r = spawnSync('taskset', ['-c', '1', 'wrk', '-t1', '-c64', `-d${seconds}s`, '-s', script, `http://127.0.0.1:${port}/users/1`], { encoding: 'utf8' })
  const m = /Requests\/sec:\s+([\d.]+)/.exec(r.stdout)
  if (m === null) throw new Error(`wrk: ${r.stdout}${r.stderr}`)
  const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(r.stdout)
  if (non2xx !== null) throw new Error(`wrk saw ${non2xx[1]} failed answers`)
  return { rps: Number(m[1]), requests: Number(/(\d+) requests in/.exec(r.stdout)![1]) }
}

async function runCase(name: string, seconds: number, script: string): Promise<{ rps: number, cpuUsPerReq: number }> {
  const self = fileURLToPath(import.meta.url)
  const child = spawn('taskset', ['-c', '0', process.execPath, self, 'serve', name], { stdio: ['ignore', 'pipe', 'inherit'] })
  const port = await new Promise<number>((resolve) => child.stdout.once('data', (d: Buffer) => resolve(Number(d.toString().trim()))))
  try {
    wrk(port, 1, script)  // warm-up, discarded
    const before = cpuUs(child.pid!)
    const r = wrk(port, seconds, script)
    return { rps: r.rps, cpuUsPerReq: (cpuUs(child.pid!) - before) / r.requests }
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
  const cpu: Record<string, number[]> = Object.fromEntries(CASES.map((c) => [c, []]))
  for (let i = 0; i < rounds; i++) {
    // Rotate the order: no case always runs first or last.
    const order = CASES.map((_, k) => CASES[(k + i) % CASES.length]!)
    for (const c of order) {
      const r = await runCase(c, seconds, script)
      results[c]!.push(r.rps)
      cpu[c]!.push(r.cpuUsPerReq)
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!
  console.log('| case | median req/s | min–max | runs |\n| --- | --- | --- | --- |')
  for (const c of CASES) {
    const xs = results[c]!
    console.log(`| ${c} | ${median(xs).toFixed(0)} | ${Math.min(...xs).toFixed(0)}–${Math.max(...xs).toFixed(0)} | ${xs.map((x) => x.toFixed(0)).join(', ')} |`)
  }
  for (const c of CASES.slice(1)) {
    const ratio = median(results[c]!) / median(results[CASES[0]]!)
    const pairs = results[CASES[0]]!.map((b, i) => results[c]![i]! / b)
    console.log(`\nratio (${c} / none), medians: ${ratio.toFixed(3)}; per round: ${pairs.map((p) => p.toFixed(3)).join(', ')}`)
  }
  console.log('\n| case | median server CPU µs/request | min–max |\n| --- | --- | --- |')
  for (const c of CASES) console.log(`| ${c} | ${median(cpu[c]!).toFixed(2)} | ${Math.min(...cpu[c]!).toFixed(2)}–${Math.max(...cpu[c]!).toFixed(2)} |`)
  for (const c of CASES.slice(1)) console.log(`\nCPU ratio (${c} / none), medians: ${(median(cpu[c]!) / median(cpu[CASES[0]]!)).toFixed(3)}`)
}

if (args[0] === 'serve') await serveCase(args[1]!)
else await parent()
