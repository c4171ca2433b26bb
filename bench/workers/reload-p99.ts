/**
 * p99 during a reload against p99 at steady state, under each load
 * generator (bench/loadgen open loop, wrk closed loop), keep-alive.
 * One `griddle start --workers 2` process; each round runs one steady
 * window (no reload) and one handoff window (`griddle reload` run 0.5 s in,
 * a new build each time) of the same length, alternating, and reports both
 * p99s and the failures. Results: bench/results/delivery.md.
 *
 *   node dist/bench/workers/reload-p99.js [rounds=3] [windowS=6] [loadgen|wrk]
 */
import { join } from 'node:path'
import { buildLoadgen, runLoadgen } from '../http/loadgen.js'
import { capture } from '../http/procs.js'
import { parseWrk } from '../http/wrk.js'
import { TempDir, appSource, reload, start } from '../../test/workers/reload-helpers.js'

const rounds = Number(process.argv[2] ?? 3)
const windowS = Number(process.argv[3] ?? 6)
const only = process.argv[4]

interface Window { p99Ms: number, requests: number, failed: number, detail: string }

type Generator = (port: number) => Promise<Window>

const GENERATORS: Record<string, Generator> = {
  'loadgen 2000 req/s, 32 conns': async (port) => {
    const r = await runLoadgen({ port, rate: 2000, seconds: windowS, connections: 32 })
    return { p99Ms: r.latency_us.p99 / 1000, requests: r.completed, failed: r.errors + r.non2xx + (r.scheduled - r.status['2xx']),
      detail: JSON.stringify({ errors: r.error_kinds, status: r.status, unsent: r.unsent }) }
  },
  'wrk -t1 -c16': async (port) => {
    const text = await capture('wrk', ['-t1', '-c16', `-d${windowS}s`, '--latency', `http://127.0.0.1:${port}/`], (windowS + 30) * 1000)
    const r = parseWrk(text)
    return { p99Ms: r.p99Us / 1000, requests: r.requests, failed: r.socketErrors + r.non2xx, detail: /Socket errors.*|Non-2xx.*/.exec(text)?.[0] ?? '' }
  },
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
const spread = (xs: number[]): string => `${Math.min(...xs).toFixed(2)}–${Math.max(...xs).toFixed(2)}`

async function main(): Promise<void> {
  await buildLoadgen()
  const dir = new TempDir()
  const app = dir.file('app.js', appSource('b0'))
  const pidFile = join(dir.path, 'griddle.pid')
  const s = await start([app, '--workers', '2', '--port', '0', '--pid-file', pidFile])
  let build = 0
  const lines: string[] = []
  try {
    for (const [name, gen] of Object.entries(GENERATORS).filter(([n]) => only === undefined || n.startsWith(only))) {
      await gen(s.port) // warm-up, discarded
      const steady: Window[] = []
      const handoff: Window[] = []
      for (let i = 0; i < rounds; i++) {
        steady.push(await gen(s.port))
        const w = gen(s.port)
        await new Promise((r) => setTimeout(r, 500))
        dir.file('app.js', appSource(`b${++build}`))
        const r = await reload(['--pid-file', pidFile])
        if (r.code !== 0) throw new Error(`reload failed: ${r.err}`)
        handoff.push(await w)
        console.error(`${name} round ${i + 1}: steady p99 ${steady.at(-1)!.p99Ms} ms, handoff p99 ${handoff.at(-1)!.p99Ms} ms, failed ${steady.at(-1)!.failed}/${handoff.at(-1)!.failed} ${handoff.at(-1)!.detail}`)
      }
      const ps = steady.map((w) => w.p99Ms)
      const ph = handoff.map((w) => w.p99Ms)
      lines.push(`| ${name} | ${median(ps).toFixed(2)} (${spread(ps)}) | ${median(ph).toFixed(2)} (${spread(ph)}) | ` +
        `${(median(ph) / median(ps)).toFixed(1)} | ${handoff.map((w) => w.requests).join(', ')} | ${steady.reduce((a, w) => a + w.failed, 0)} / ${handoff.reduce((a, w) => a + w.failed, 0)} |`)
    }
  } finally {
    s.child.kill('SIGTERM')
    await s.exited
    dir.remove()
  }
  console.log(`${rounds} rounds, ${windowS} s windows\n`)
  console.log('| generator | p99 steady, ms: median (min–max) | p99 with a handoff, ms | ratio | requests per handoff window | failed steady / handoff |')
  console.log('| --- | --- | --- | --- | --- | --- |')
  console.log(lines.join('\n'))
}

await main()
