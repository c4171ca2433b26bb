/**
 * `npm run bench:http`: the same route on every server, in one run, on one
 * machine. Each server is its own process pinned to one core, the load
 * generators to the other. Before timing, every server must give the same
 * answer; then, per run and in rotated order: a discarded wrk warm-up, a
 * closed-loop wrk measurement, and open-loop latency at each fixed rate.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { cpus, loadavg, release, tmpdir } from 'node:os'
import { join } from 'node:path'
import { buildLoadgen, runLoadgen } from './loadgen.js'
import { parseOptions, type Options } from './options.js'
import { RESULTS_FILE, WRK_SCRIPT } from './paths.js'
import { hasCommand, startServer, stopServer, type RunningServer } from './procs.js'
import { renderSection, updateResults, type Header, type OpenRun, type ProcessRun, type Unit } from './results.js'
import { findScenario, scenarioPaths, type Rate, type Scenario } from './scenarios.js'
import { findServer, type ServerEntry } from './servers.js'
import { rotate } from '../stats.js'
import { compareAnswers, sampleAnswers, type Answer } from './verify.js'
import { runWrk } from './wrk.js'

const log = (msg: string): void => void process.stderr.write(`${msg}\n`)

interface Context {
  opts: Options
  scenario: Scenario
  pathsFile: string
}

async function checkTools(): Promise<void> {
  const missing: string[] = []
  if (!(await hasCommand('wrk'))) missing.push('wrk is not installed: apt-get install -y wrk')
  if (!(await hasCommand('taskset'))) missing.push('taskset is not installed: apt-get install -y util-linux')
  if (!(await hasCommand('cc'))) missing.push('no C compiler for bench/loadgen: apt-get install -y gcc')
  if (missing.length) throw new Error(missing.join('\n'))
  if (cpus().length < 2) log('warning: fewer than 2 cores; server and load generator will compete for one')
}

/** Starts each server once, keeps those that run here and answer like the first one. */
async function verifyServers(ctx: Context, entries: ServerEntry[], skipped: string[]): Promise<ServerEntry[]> {
  const ok: ServerEntry[] = []
  let reference: Map<string, Answer> | undefined
  for (const entry of entries) {
    const s = await startServer(entry, ctx.opts.serverCpu, ctx.scenario.name)
    if ('skipped' in s) {
      log(`skip ${entry.name}: ${s.skipped}`)
      skipped.push(`${entry.name} (${s.skipped})`)
      continue
    }
    try {
      const answers = await sampleAnswers(s.port, scenarioPaths(ctx.scenario))
      const problems = compareAnswers(ctx.scenario, entry.name, answers, reference)
      if (problems.length) throw new Error(`servers disagree, nothing timed:\n${problems.join('\n')}`)
      reference ??= answers
      ok.push(entry)
      log(`checked ${entry.name}: ${answers.size} paths, same status, content type and body`)
    } finally {
      await stopServer(s)
    }
  }
  return ok
}

function unitsFor(entries: ServerEntry[], repeat: string | undefined): Unit[] {
  const again = repeat ?? entries.find((e) => e.repeat)?.name ?? entries[0]?.name
  if (repeat !== undefined && !entries.some((e) => e.name === repeat)) throw new Error(`--repeat ${repeat}: not among the servers run`)
  const units: Unit[] = []
  for (const e of entries) {
    units.push({ key: e.name, name: e.name, label: e.label })
    if (e.name === again) units.push({ key: `${e.name}#2`, name: e.name, label: `${e.label} (same code, 2nd entry)` })
  }
  return units
}

function resolveRate(rate: Rate, capacity: number): { label: string; offered: number } {
  if (typeof rate === 'number') return { label: rate.toLocaleString('en-US'), offered: rate }
  return { label: `${rate.capacity}× capacity`, offered: Math.max(1, Math.round(rate.capacity * capacity)) }
}

async function openLoop(ctx: Context, port: number, rate: Rate, capacity: number): Promise<OpenRun> {
  const { label, offered } = resolveRate(rate, capacity)
  const o = ctx.scenario.open
  const result = await runLoadgen({
    port, rate: offered, seconds: ctx.opts.openSeconds, connections: o.connections,
    pipeline: o.pipeline, pathsFile: ctx.pathsFile, cpu: ctx.opts.clientCpu,
    settleSeconds: o.settleSeconds !== undefined && o.settleSeconds < ctx.opts.openSeconds ? o.settleSeconds : undefined,
  })
  return { rateLabel: label, offered, result }
}

/** One fresh server process: warm-up, closed loop, then every open-loop rate. */
async function measure(ctx: Context, unit: Unit, run: number): Promise<ProcessRun> {
  const s = (await startServer(findServer(unit.name), ctx.opts.serverCpu, ctx.scenario.name)) as RunningServer
  try {
    const wrk = { cpu: ctx.opts.clientCpu, ...ctx.scenario.closed, script: WRK_SCRIPT, pathsFile: ctx.pathsFile }
    await runWrk(s.port, { ...wrk, seconds: ctx.opts.warmupSeconds })
    const closed = await runWrk(s.port, { ...wrk, seconds: ctx.opts.closedSeconds })
    log(`run ${run + 1} ${unit.key}: closed ${Math.round(closed.rps)} req/s, p99 ${(closed.p99Us / 1000).toFixed(2)} ms`)
    const open: OpenRun[] = []
    const rates: Rate[] = ctx.opts.rates ?? ctx.scenario.open.rates
    for (const rate of rates) {
      const o = await openLoop(ctx, s.port, rate, closed.rps)
      const r = o.result
      log(`  open ${o.rateLabel}: achieved ${Math.round(r.achieved_rps)}, p99 ${(r.latency_us.p99 / 1000).toFixed(2)} ms, ` +
        `p99.9 ${(r.latency_us.p99_9 / 1000).toFixed(2)} ms, errors ${r.errors}, gen CPU ${r.cpu.percent_of_core} %` +
        (r.settle_s > 0 ? `; 2xx p99 ${(r.latency_2xx_us.p99 / 1000).toFixed(2)} ms, after the first ${r.settle_s} s ${(r.latency_2xx_settled_us.p99 / 1000).toFixed(2)} ms` : ''))
      open.push(o)
    }
    const v = ctx.scenario.validate
    const validation = v && unit.key === v.server ? await openLoop(ctx, s.port, { capacity: v.capacity }, closed.rps) : undefined
    if (validation) log(`  generator check at ${validation.rateLabel}: achieved ${Math.round(validation.result.achieved_rps)}`)
    return { unit, run, closed, open, validation }
  } finally {
    await stopServer(s)
  }
}

function settings(ctx: Context, units: Unit[]): string {
  const { opts, scenario } = ctx
  const rates = (opts.rates ?? scenario.open.rates).map((r) => resolveRate(r, 0).label).join(', ')
  return `${opts.runs} runs per server, order rotated each run; each run is a fresh server process on CPU ${opts.serverCpu}, ` +
    `load on CPU ${opts.clientCpu}; ${opts.warmupSeconds} s wrk warm-up discarded; closed loop wrk -t${scenario.closed.threads} ` +
    `-c${scenario.closed.connections} -d${opts.closedSeconds}s; open loop ${scenario.open.connections} connections, ` +
    `pipeline ${scenario.open.pipeline}, ${opts.openSeconds} s at each of ${rates} req/s; ` +
    `${scenario.paths.ids.count} distinct paths cycled (${scenario.paths.template}); ` +
    `${units.length} entries (${units.filter((u) => u.key.endsWith('#2')).map((u) => u.name).join(', ')} measured twice to show the noise)`
}

/** Load average and CPU pressure (share of time runnable tasks waited for a core): how busy the neighbours were. */
function busyness(): string {
  const load = loadavg().map((x) => x.toFixed(2)).join(' ')
  let psi = ''
  try {
    const m = /some avg10=([\d.]+) avg60=([\d.]+)/.exec(readFileSync('/proc/pressure/cpu', 'utf8'))
    if (m) psi = `, CPU pressure avg10 ${m[1]} % avg60 ${m[2]} %`
  } catch {
    // no PSI on this kernel: the load average has to do
  }
  return `load average ${load}${psi}`
}

function machine(): string {
  const c = cpus()
  return `${c.length} cores (${c[0]?.model ?? 'unknown'}), Linux ${release()}, Node ${process.version}`
}

function newHeader(scenario: Scenario): Header {
  const args = process.argv.slice(2)
  return {
    scenario: scenario.name,
    description: scenario.description,
    date: new Date().toISOString(),
    machine: machine(),
    busy: busyness(),
    command: ['npm run bench:http', ...(args.length ? ['--', ...args] : [])].join(' '),
    settings: '',
    skipped: [],
  }
}

async function main(): Promise<void> {
  const opts = parseOptions(process.argv.slice(2))
  const scenario = findScenario(opts.scenario)
  await checkTools()
  await buildLoadgen()
  const dir = mkdtempSync(join(tmpdir(), 'griddle-bench-'))
  const pathsFile = join(dir, 'paths.txt')
  writeFileSync(pathsFile, `${scenarioPaths(scenario).join('\n')}\n`)
  const ctx: Context = { opts, scenario, pathsFile }
  const header = newHeader(scenario)
  try {
    const entries = (opts.servers ?? scenario.servers).map(findServer)
    const units = unitsFor(await verifyServers(ctx, entries, header.skipped), opts.repeat)
    if (units.length === 0) throw new Error('no server could run')
    const runs: ProcessRun[] = []
    for (let r = 0; r < opts.runs; r++) for (const u of rotate(units, r)) runs.push(await measure(ctx, u, r))
    header.settings = settings(ctx, units)
    header.busy = `at start ${header.busy}; at end ${busyness()}`
    const section = units.some((u) => u.name === 'griddle') ? scenario.section.replace('peers', 'griddle vs peers') : scenario.section
    const text = renderSection(section, header, units, runs, scenario.targets)
    console.log(text)
    if (opts.write) updateResults(RESULTS_FILE, section, text)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

main().catch((err: unknown) => {
  log(err instanceof Error ? err.message : String(err))
  process.exitCode = 1
})
