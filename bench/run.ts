/**
 * Runs micro benchmark suites, each case in a fresh process, several rounds
 * in rotating order, and prints a markdown table of median ops/s with the
 * spread and the ratio to the named peer.
 *   node dist/bench/run.js [router] [--rounds N]
 */
import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { dirname, join } from 'node:path'
import { cpus } from 'node:os'
import { CASES as ROUTER_CASES } from './router.bench.js'
import { median } from './stats.js'

interface Row { case: string, name: string, hz: number }

const here = dirname(fileURLToPath(import.meta.url))
const SUITES: Record<string, { script: string, cases: string[], peer: string, subject: string }> = {
  router: { script: 'router.bench.js', cases: Object.keys(ROUTER_CASES), peer: 'find-my-way find', subject: 'griddle Router.find' },
}

const fmt = (hz: number) => hz >= 1e6 ? `${(hz / 1e6).toFixed(2)}M` : `${(hz / 1e3).toFixed(0)}k`

function runSuite(name: string, rounds: number): string {
  const suite = SUITES[name]!
  const results = new Map<string, Map<string, number[]>>()
  for (let round = 0; round < rounds; round++) {
    const order = suite.cases.map((_, i) => suite.cases[(i + round) % suite.cases.length]!)
    for (const c of order) {
      const out = execFileSync(process.execPath, [join(here, suite.script), c], { encoding: 'utf8' })
      for (const line of out.trim().split('\n')) {
        const row = JSON.parse(line) as Row
        const byName = results.get(row.case) ?? new Map<string, number[]>()
        results.set(row.case, byName)
        byName.set(row.name, [...(byName.get(row.name) ?? []), row.hz])
      }
    }
  }
  const lines = [`| case | contender | median ops/s | min–max | ns/op | vs ${suite.peer} |`, '| --- | --- | --- | --- | --- | --- |']
  for (const c of suite.cases) {
    const byName = results.get(c)!
    const peer = median(byName.get(suite.peer)!)
    for (const [contender, hzs] of byName) {
      const m = median(hzs)
      lines.push(`| ${c} | ${contender} | ${fmt(m)} | ${fmt(Math.min(...hzs))}–${fmt(Math.max(...hzs))} | ${(1e9 / m).toFixed(0)} | ${(m / peer).toFixed(2)}× |`)
    }
  }
  return lines.join('\n')
}

const args = process.argv.slice(2)
const roundsAt = args.indexOf('--rounds')
const rounds = roundsAt >= 0 ? Number(args[roundsAt + 1]) : 3
const names = args.filter((a, i) => !a.startsWith('--') && (roundsAt < 0 || i !== roundsAt + 1))
console.log(`# ${new Date().toISOString()} · ${cpus().length} × ${cpus()[0]?.model} · Node ${process.version} · ${rounds} rounds, each case in a fresh process`)
for (const name of names.length ? names : Object.keys(SUITES)) {
  console.log(`\n## ${name}\n`)
  console.log(runSuite(name, rounds))
}
