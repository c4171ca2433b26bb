/**
 * What bench:compare runs. A suite is a list of cases; a case is one command
 * run in a fresh process inside a ref's worktree, printing JSON lines with a
 * rate to compare: `{"name": "...", "hz": <ops/s>}` (or `case` in place of
 * `name`). Every line is one metric; higher is better. Placeholders in a
 * command: {node} (this Node), {worktree} (the ref's checkout), {tool}
 * (this checkout's dist/bench/compare, for runners that live here only).
 * A suites file (--suites FILE, JSON) has the same shape as SUITES, plus an
 * optional `build` list of shell commands (default: npm ci, npm run build).
 */
import { readFileSync } from 'node:fs'
import { ROUTER_CASES } from './micro-cases.js'

export interface Case {
  id: string
  command: string[]
  /** wrap in taskset with the --cpu list (the http runner pins its own processes) */
  pin: boolean
  /** environment for the process; {quick} cases get BENCH_MAX_TIME from --quick */
  env?: Record<string, string>
}

export interface SuitesFile {
  build?: string[]
  suites: Record<string, Case[]>
}

export const DEFAULT_BUILD = ['npm ci --no-audit --no-fund', 'npm run build --if-present']

const httpCase = (server: string, scenario: string): Case => ({
  id: `http ${server} (${scenario})`,
  command: ['{node}', '{tool}/http-case.js', '{worktree}', server, scenario],
  pin: false,
})

export const SUITES: SuitesFile = {
  suites: {
    micro: [
      ...ROUTER_CASES.map((c): Case => ({ id: `router: ${c}`, command: ['{node}', 'dist/bench/router.bench.js', c], pin: true })),
      ...['griddle getInto', 'lru-cache get + copy', 'griddle set'].map((c): Case => ({
        id: `cache: ${c} (200 B)`, command: ['{node}', 'dist/bench/cache-ops.js', c, '200'], pin: true, env: { KEYS: '10000' },
      })),
    ],
    http: [httpCase('griddle', 'users'), httpCase('griddle-cached', 'cached')],
  },
}

export function loadSuites(file: string | undefined): SuitesFile {
  if (file === undefined) return SUITES
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as SuitesFile
  if (typeof parsed !== 'object' || parsed === null || typeof parsed.suites !== 'object') {
    throw new Error(`${file}: expected { "suites": { "<name>": [ { "id", "command", "pin" } ] } }`)
  }
  for (const [name, cases] of Object.entries(parsed.suites)) {
    if (!Array.isArray(cases) || cases.some((c) => typeof c.id !== 'string' || !Array.isArray(c.command))) {
      throw new Error(`${file}: suite "${name}" must be a list of { id, command: [argv...] }`)
    }
  }
  return parsed
}

/** `all` is every suite; otherwise the named one. */
export function pickCases(file: SuitesFile, suite: string): Array<Case & { suite: string }> {
  const names = suite === 'all' ? Object.keys(file.suites) : [suite]
  return names.flatMap((name) => {
    const cases = file.suites[name]
    if (cases === undefined) throw new Error(`unknown suite "${name}"; known: ${[...Object.keys(file.suites), 'all'].join(', ')}`)
    return cases.map((c) => ({ ...c, suite: name }))
  })
}
