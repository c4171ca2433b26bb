/**
 * `npm run bench:compare -- <refA> <refB> [--suite micro|http|all] [--quick]`:
 * the same benchmarks on two versions, on this machine, in one run, with the
 * noise of the run measured beside them (see verdict.ts for the decision).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { cpus, tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseCompareOptions, USAGE, type CompareOptions } from './options.js'
import { buildReport, renderMarkdown, type CompareReport } from './report.js'
import { runAll, type Arm } from './schedule.js'
import { DEFAULT_BUILD, loadSuites, pickCases } from './suites.js'
import { checkout, pruneWorktrees, removeCheckout, sh, type Checkout } from './worktree.js'

const here = dirname(fileURLToPath(import.meta.url))
/** the repository this runs from (dist/bench/compare → ../../..) */
const REPO = resolve(here, '..', '..', '..')

const log = (msg: string): void => void process.stderr.write(`compare: ${msg}\n`)

const slug = (ref: string): string => ref.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 40)

export async function compare(o: CompareOptions, progress: (msg: string) => void = log): Promise<{ report: CompareReport, markdown: string, jsonFile: string }> {
  const file = loadSuites(o.suitesFile)
  const cases = pickCases(file, o.suite)
  const repo = (await sh('git', ['rev-parse', '--show-toplevel'], o.repo, 30_000)).trim()
  const parent = mkdtempSync(join(tmpdir(), 'griddle-compare-'))
  const made: Checkout[] = []
  try {
    const build = file.build ?? DEFAULT_BUILD
    const a = await checkout(repo, o.refA, 'A', parent, build, progress)
    made.push(a)
    const b = await checkout(repo, o.refB, 'B', parent, build, progress)
    made.push(b)
    const checkouts: Record<Arm, Checkout> = { A: a, B: b, A2: a }
    const { samples, failures } = await runAll({ cases, rounds: o.rounds, checkouts, toolDir: here, cpu: o.cpu, quick: o.quick, progress })
    const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}`
    const report = buildReport(samples, new Map(cases.map((c) => [c.id, c.suite])), checkouts, failures, { rounds: o.rounds, quick: o.quick, machine })
    const jsonFile = resolve(o.json ?? join(REPO, 'bench', 'compare', 'out', `${slug(o.refA)}-vs-${slug(o.refB)}-${report.date.replace(/[:.]/g, '-')}.json`))
    mkdirSync(dirname(jsonFile), { recursive: true })
    writeFileSync(jsonFile, `${JSON.stringify(report, null, 2)}\n`)
    return { report, markdown: renderMarkdown(report), jsonFile }
  } finally {
    if (o.keep) {
      for (const c of made) progress(`kept ${c.label} at ${c.dir}`)
    } else {
      for (const c of made) await removeCheckout(repo, c)
      rmSync(parent, { recursive: true, force: true })
      await pruneWorktrees(repo)
    }
  }
}

async function main(): Promise<void> {
  let opts: CompareOptions | 'help'
  try {
    opts = parseCompareOptions(process.argv.slice(2), process.cwd())
  } catch (err) {
    console.error((err as Error).message)
    process.exit(2)
  }
  if (opts === 'help') {
    console.log(USAGE)
    return
  }
  try {
    const { markdown, jsonFile, report } = await compare(opts)
    console.log(markdown)
    log(`JSON: ${jsonFile}`)
    // CI can fail on a flagged change with: jq -e '.flagged | length == 0'
    if (report.failures.length > 0) process.exitCode = 1
  } catch (err) {
    console.error(`compare: ${(err as Error).message}`)
    process.exit(1)
  }
}

if (process.argv[1]?.endsWith('compare.js')) await main()
