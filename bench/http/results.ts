/** Turning measurements into the markdown section of bench/results/http.md. */
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import type { LoadgenResult } from './loadgen.js'
import type { Targets } from './scenarios.js'
import { spread, type Spread } from '../stats.js'
import type { WrkResult } from './wrk.js'

/** One server as it appears in the table (a repeated server appears twice). */
export interface Unit {
  key: string
  name: string
  label: string
}

export interface OpenRun {
  rateLabel: string
  offered: number
  result: LoadgenResult
}

export interface ProcessRun {
  unit: Unit
  run: number
  closed: WrkResult
  open: OpenRun[]
  validation?: OpenRun
}

export interface Header {
  scenario: string
  description: string
  date: string
  machine: string
  busy: string
  command: string
  settings: string
  skipped: string[]
}

/** Above this share of its core the generator may be what limits the row, not the server. */
const GENERATOR_BOUND = 90

const fmtInt = (n: number): string => Math.round(n).toLocaleString('en-US')
const fmtMs = (us: number): string => (us / 1000).toFixed(us < 10_000 ? 2 : 1)
const range = (s: Spread, f: (n: number) => string): string => `${f(s.median)} [${f(s.min)}–${f(s.max)}]`

function closedTable(units: Unit[], runs: ProcessRun[]): string[] {
  const rps = (key: string): Spread => spread(runs.filter((r) => r.unit.key === key).map((r) => r.closed.rps))
  const base = (name: string): number | undefined => {
    const u = units.find((x) => x.name === name)
    return u ? rps(u.key).median : undefined
  }
  const uws = base('uws-json')
  const fastify = base('fastify')
  const ratio = (v: number, b: number | undefined): string => (b ? `${(v / b).toFixed(2)}×` : '—')
  const lines = [
    '| server | req/s median [min–max] | vs uWS.js JSON | vs fastify | p99 ms median [min–max] | non-2xx + socket errors |',
    '| --- | --- | --- | --- | --- | --- |',
  ]
  for (const u of units) {
    const mine = runs.filter((r) => r.unit.key === u.key)
    const s = rps(u.key)
    const p99 = spread(mine.map((r) => r.closed.p99Us))
    const bad = mine.reduce((a, r) => a + r.closed.non2xx + r.closed.socketErrors, 0)
    lines.push(`| ${u.label} | ${range(s, fmtInt)} | ${ratio(s.median, uws)} | ${ratio(s.median, fastify)} | ${range(p99, fmtMs)} | ${bad} |`)
  }
  return lines
}

function openRow(label: string, rateLabel: string, results: LoadgenResult[]): string {
  const pick = (f: (r: LoadgenResult) => number): Spread => spread(results.map(f))
  const offered = pick((r) => r.rate)
  const achieved = pick((r) => r.achieved_rps)
  const cpu = pick((r) => r.cpu.percent_of_core)
  const bad = results.reduce((a, r) => a + r.errors + r.non2xx + r.unsent, 0)
  return `| ${label} | ${rateLabel} (${fmtInt(offered.median)}) | ${fmtInt(achieved.median)} | ` +
    `${range(pick((r) => r.latency_us.p50), fmtMs)} | ${range(pick((r) => r.latency_us.p99), fmtMs)} | ` +
    `${range(pick((r) => r.latency_us.p99_9), fmtMs)} | ${range(pick((r) => r.latency_2xx_us.p99), fmtMs)} | ` +
    `${results.every((r) => r.settle_s > 0) ? `${range(pick((r) => r.latency_2xx_settled_us.p99), fmtMs)} (after ${results[0]!.settle_s} s)` : '—'} | ` +
    `${bad} | ${cpu.median.toFixed(0)} [${cpu.min.toFixed(0)}–${cpu.max.toFixed(0)}]${cpu.max >= GENERATOR_BOUND ? ' ⚠ generator-bound' : ''} |`
}

function openTable(units: Unit[], runs: ProcessRun[]): string[] {
  const lines = [
    '| server | rate (req/s offered) | achieved req/s | p50 ms | p99 ms | p99.9 ms | p99 ms, 2xx only | p99 ms, 2xx after the onset | errors + non-2xx + unsent | generator CPU % of a core |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ]
  for (const u of units) {
    const mine = runs.filter((r) => r.unit.key === u.key)
    const labels = [...new Set(mine.flatMap((r) => r.open.map((o) => o.rateLabel)))]
    for (const l of labels) {
      lines.push(openRow(u.label, l, mine.flatMap((r) => r.open.filter((o) => o.rateLabel === l).map((o) => o.result))))
    }
  }
  return lines
}

function validationLines(runs: ProcessRun[]): string[] {
  const v = runs.filter((r) => r.validation)
  if (v.length === 0) return []
  const wrk = spread(v.map((r) => r.closed.rps))
  const achieved = spread(v.map((r) => r.validation!.result.achieved_rps))
  const cpu = spread(v.map((r) => r.validation!.result.cpu.percent_of_core))
  return [
    `Generator check: ${v[0]!.unit.label} offered ${v[0]!.validation!.rateLabel} by the open-loop generator ` +
      `answered ${range(achieved, fmtInt)} req/s, against ${range(wrk, fmtInt)} req/s under wrk in the same processes ` +
      `(ratio of medians ${(achieved.median / wrk.median).toFixed(2)}); generator CPU ${cpu.median.toFixed(0)} % ` +
      `[${cpu.min.toFixed(0)}–${cpu.max.toFixed(0)}] of a core.`,
    '',
  ]
}

const verdict = (ok: boolean, by: string): string => (ok ? `met (${by})` : `**missed** (${by})`)

/** One line per target, with the margin; empty when the judged server did not run. */
export function targetLines(t: Targets | undefined, runs: ProcessRun[]): string[] {
  const mine = runs.filter((r) => t && r.unit.key === t.server)
  if (!t || mine.length === 0) return []
  const closedMedian = (key: string): number => spread(runs.filter((r) => r.unit.key === key).map((r) => r.closed.rps)).median
  const own = closedMedian(t.server)
  const lines = ['### Targets', '']
  for (const c of t.closed) {
    const ratio = own / closedMedian(c.peer)
    lines.push(`- closed-loop req/s ≥ ${c.min}× ${c.peer}: ${Number.isNaN(ratio) ? 'peer not run' : verdict(ratio >= c.min, `${ratio.toFixed(2)}×`)}`)
  }
  if (t.open) {
    const at = mine.flatMap((r) => r.open.filter((o) => o.offered === t.open!.rate).map((o) => o.result.latency_us))
    const p99 = spread(at.map((l) => l.p99)).median / 1000
    const p999 = spread(at.map((l) => l.p99_9)).median / 1000
    const rate = t.open.rate.toLocaleString('en-US')
    lines.push(at.length === 0
      ? `- open loop at ${rate} req/s: not measured in this run`
      : `- at ${rate} req/s, p99 ≤ ${t.open.p99Ms} ms: ${verdict(p99 <= t.open.p99Ms, `${p99.toFixed(2)} ms`)}; ` +
        `p99.9 ≤ ${t.open.p999Ms} ms: ${verdict(p999 <= t.open.p999Ms, `${p999.toFixed(2)} ms`)}`)
  }
  return [...lines, '']
}

export function renderSection(section: string, h: Header, units: Unit[], runs: ProcessRun[], targets?: Targets): string {
  return [
    `## ${section}`,
    '',
    `- Scenario: \`${h.scenario}\`: ${h.description}`,
    `- Date: ${h.date}`,
    `- Machine: ${h.machine}. Shared with other sessions running builds and benchmarks: expect noise, compare only rows of this run.`,
    `- Neighbours: ${h.busy}`,
    `- Command: \`${h.command}\``,
    `- Settings: ${h.settings}`,
    ...(h.skipped.length ? [`- Skipped: ${h.skipped.join('; ')}`] : []),
    '',
    '### Closed loop (wrk): maximum throughput',
    '',
    ...closedTable(units, runs),
    '',
    '### Open loop (bench/loadgen): latency at fixed arrival rates, from intended send time',
    '',
    ...openTable(units, runs),
    '',
    ...validationLines(runs),
    ...targetLines(targets, runs),
  ].join('\n')
}

/** Replaces the section with the same heading, or appends it. */
export function updateResults(file: string, section: string, body: string): void {
  const text = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmark results\n'
  const lines = text.split('\n')
  const start = lines.findIndex((l) => l.trim() === `## ${section}`)
  if (start < 0) {
    writeFileSync(file, `${text.trimEnd()}\n\n${body.trimEnd()}\n`)
    return
  }
  let end = lines.findIndex((l, i) => i > start && l.startsWith('## '))
  if (end < 0) end = lines.length
  const next = [...lines.slice(0, start), ...body.trimEnd().split('\n'), '', ...lines.slice(end)]
  writeFileSync(file, `${next.join('\n').trimEnd()}\n`)
}
