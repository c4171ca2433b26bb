/** Flags of `npm run bench:compare -- <refA> <refB> [...]`. */
import { parseArgs } from 'node:util'

export interface CompareOptions {
  refA: string
  refB: string
  suite: string
  quick: boolean
  rounds: number
  cpu: string
  repo: string
  suitesFile?: string
  json?: string
  keep: boolean
}

export const USAGE = `usage: npm run bench:compare -- <refA> <refB> [flags]
  Builds each git ref in its own worktree (npm ci, npm run build), runs the
  suites in fresh processes A, B, A′ (A again, the noise arm) per round, and
  prints one Markdown table per case; flags changes beyond the noise.
  --suite micro|http|all  which suite (micro)
  --quick                 each case briefly (BENCH_MAX_TIME=0.2, 3 rounds): a smoke test
  --rounds N              rounds (5; 3 with --quick); below 3 no verdict is given
  --cpu C                 taskset CPU list for pinned cases (0)
  --json FILE             where the JSON goes (bench/compare/out/<A>-vs-<B>-<time>.json)
  --suites FILE           a JSON suites file instead of the built-in suites
  --repo DIR              the git repository (this checkout)
  --keep                  keep the worktrees (their paths are printed)`

export function parseCompareOptions(argv: string[], defaultRepo: string): CompareOptions | 'help' {
  const { values: v, positionals } = parseArgs({
    args: argv, allowPositionals: true,
    options: {
      suite: { type: 'string' }, quick: { type: 'boolean' }, rounds: { type: 'string' }, cpu: { type: 'string' },
      json: { type: 'string' }, suites: { type: 'string' }, repo: { type: 'string' }, keep: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  })
  if (v.help) return 'help'
  if (positionals.length !== 2) throw new Error(`give two git refs\n${USAGE}`)
  const quick = v.quick ?? false
  const rounds = v.rounds === undefined ? (quick ? 3 : 5) : Number(v.rounds)
  if (!Number.isInteger(rounds) || rounds < 2 || rounds > 100) throw new Error(`--rounds must be an integer from 2 to 100 (pairs need two), got "${v.rounds}"`)
  return {
    refA: positionals[0]!, refB: positionals[1]!, suite: v.suite ?? 'micro', quick, rounds, cpu: v.cpu ?? '0',
    repo: v.repo ?? defaultRepo, keep: v.keep ?? false,
    ...(v.suites !== undefined ? { suitesFile: v.suites } : {}),
    ...(v.json !== undefined ? { json: v.json } : {}),
  }
}
