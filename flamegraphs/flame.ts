/**
 * `npm run flame -- <scenario> [--duration 10] [--rate 50000] [--mode js|native]`:
 * starts the scenario's server pinned to one core, drives it with the
 * open-loop generator from the other, and writes under
 * flamegraphs/out/<scenario>-<timestamp>/: flamegraph.html (0x's renderer),
 * stacks.folded (one line per stack), load.json (what the generator measured).
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { buildLoadgen, type LoadgenResult } from '../bench/http/loadgen.js'
import { freePort } from '../bench/http/procs.js'
import { findScenario, scenarioPaths } from '../bench/http/scenarios.js'
import { breakdown, renderBreakdown } from './breakdown.js'
import { foldTree, mergedRoot } from './fold.js'
import { runJsMode, type ModeRun } from './js-mode.js'
import { runNativeMode } from './native-mode.js'
import { parseFlameOptions, USAGE, type FlameOptions } from './options.js'
import { findFlameScenario } from './scenarios.js'
import { checkCommon, checkPerf } from './tools.js'

const here = dirname(fileURLToPath(import.meta.url))
/** flamegraphs/ in the repository (this file runs from dist/flamegraphs/) */
const SOURCE_DIR = resolve(here, '..', '..', 'flamegraphs')

export interface FlameResult {
  dir: string
  html: string
  /** the page to open: in native mode with every frame type shown (0x hides C++ and native frames by default) */
  url: string
  folded: string
  samples: number
  load: LoadgenResult
  /** native mode: where the samples went (also in breakdown.md) */
  breakdown?: string
}

const log = (msg: string): void => void process.stderr.write(`flame: ${msg}\n`)

/** 0x's page reads its view from the URL hash; an empty exclude list shows kernel, C++ and V8 frames too. */
export const SHOW_ALL_FRAMES = `#${encodeURIComponent(JSON.stringify({ merged: false, excludeTypes: [], nodeId: 0 }))}`

const stamp = (): string => new Date().toISOString().replace(/[:.]/g, '-').replace(/Z$/, '')

export async function flame(o: FlameOptions, verbose = false): Promise<FlameResult> {
  const scenario = findFlameScenario(o.scenario)
  await checkCommon()
  if (o.mode === 'native') await checkPerf()
  await buildLoadgen()
  const dir = join(resolve(o.outDir ?? join(SOURCE_DIR, 'out')), `${scenario.name}-${o.mode}-${stamp()}`)
  mkdirSync(dir, { recursive: true })
  const pathsFile = join(dir, 'paths.txt')
  writeFileSync(pathsFile, `${scenarioPaths(findScenario(scenario.paths)).join('\n')}\n`)
  const port = await freePort()
  const run: ModeRun = {
    dir,
    script: join(here, scenario.script),
    title: `griddle ${scenario.name} (${o.mode}): ${scenario.description}, ${o.rate} req/s for ${o.seconds} s`,
    serverCpu: o.serverCpu,
    serverEnv: { BENCH_PORT: String(port), BENCH_SCENARIO: scenario.paths },
    load: { port, rate: o.rate, seconds: o.seconds, connections: o.connections, pathsFile, cpu: o.clientCpu, resultFile: join(dir, 'load.json') },
    verbose,
  }
  log(`${scenario.name}, ${o.mode} mode: ${o.rate} req/s for ${o.seconds} s, server on CPU ${o.serverCpu}, generator on CPU ${o.clientCpu}`)
  if (o.mode === 'js') await runJsMode(run)
  else await runNativeMode(run, o.callGraph)
  log('rendered; folding stacks')
  return collect(dir)
}

function collect(dir: string): FlameResult {
  const html = join(dir, 'flamegraph.html')
  if (!existsSync(html)) throw new Error(`0x wrote no flamegraph.html in ${dir}`)
  const treeName = readdirSync(dir).find((f) => /^stacks\..+\.json$/.test(f))
  if (treeName === undefined) throw new Error(`0x wrote no stacks tree (--tree-debug) in ${dir}`)
  const root = mergedRoot(JSON.parse(readFileSync(join(dir, treeName), 'utf8')))
  const lines = foldTree(root)
  const folded = join(dir, 'stacks.folded')
  writeFileSync(folded, `${lines.join('\n')}\n`)
  const loadFile = join(dir, 'load.json')
  if (!existsSync(loadFile)) throw new Error(`the load generator wrote no result in ${dir}`)
  const load = JSON.parse(readFileSync(loadFile, 'utf8')) as LoadgenResult
  const perfOut = readdirSync(dir).find((f) => /^stacks\..+\.out$/.test(f))
  const base = { dir, html, url: `file://${html}`, folded, samples: root.value, load }
  if (perfOut === undefined) return base
  const text = renderBreakdown(breakdown(readFileSync(join(dir, perfOut), 'utf8')))
  writeFileSync(join(dir, 'breakdown.md'), `${text}\n`)
  return { ...base, url: `${base.url}${SHOW_ALL_FRAMES}`, breakdown: text }
}

async function main(): Promise<void> {
  let opts: FlameOptions | 'help'
  try {
    opts = parseFlameOptions(process.argv.slice(2))
  } catch (err) {
    console.error((err as Error).message)
    process.exit(2)
  }
  if (opts === 'help') {
    console.log(USAGE)
    return
  }
  try {
    const r = await flame(opts, process.env.FLAME_VERBOSE === '1')
    const l = r.load
    console.log(`load: ${Math.round(l.achieved_rps)} req/s achieved of ${l.rate}, p99 ${(l.latency_us.p99 / 1000).toFixed(2)} ms, ` +
      `${l.errors} errors, ${l.non2xx} non-2xx`)
    console.log(`samples: ${r.samples}`)
    if (r.breakdown !== undefined) console.log(`\n${r.breakdown}\n`)
    console.log(`flame graph: ${r.url}`)
    console.log(`folded stacks: ${r.folded}`)
  } catch (err) {
    console.error(`flame: ${(err as Error).message}`)
    process.exit(1)
  }
}

if (process.argv[1]?.endsWith('flame.js')) await main()
