/**
 * `griddle releases <list|status|ghost|ramp|pause|resume|promote|rollback|audit>`:
 * drives a running server's releases through its admin API
 * (lib/admin/release-routes.ts), and prints tables, or the API's JSON with --json.
 */
import { parseArgs } from 'node:util'
import { UsageError, type Command } from './command.js'
import { adminBase } from './admin-url.js'
import { auditTable, listTable, statusText } from './releases-format.js'
import type { AuditEntry, ReleaseStatus } from '../traffic/release-types.js'

const USAGE = `usage: griddle releases <command> [ROUTE VERSION] --admin URL [--token T] [--json]
  Lists and drives live upgrades through a running server's admin listener.
  ROUTE is a route as the app names it, quoted: "GET /users/:id".
    list                               every release: state, percent, ghost figures
    status ROUTE [VERSION]             one release: arms, guard figures beside their limits, ghost mismatches, audit
    ghost ROUTE VERSION --sample S     run the candidate on a share S (0 to 1) of requests after they are answered
        [--ignore POINTER ...] [--headers a,b] [--no-noise] [--max-concurrent N] [--cpu-share X] [--timeout-ms N]
    ramp ROUTE VERSION                 move live traffic to the candidate by steps, rolling back on a guard breach
        [--steps 1,5,25,50,100] [--min-samples N] [--min-step-ms N] [--tick-ms N]
        [--p99-ratio X] [--p99-abs-ms X] [--error-rate-delta X] [--mismatch-rate X]
    pause | resume | promote ROUTE VERSION
    rollback ROUTE VERSION [--reason TEXT]
    audit [--limit N]                  the audit log, oldest first
  --admin URL   the admin listener, e.g. http://127.0.0.1:9901
  --token T     its bearer token (or GRIDDLE_ADMIN_TOKEN, which keeps it out of ps)
  --json        print the admin API's JSON answer`

const OPTIONS = {
  admin: { type: 'string' }, token: { type: 'string' }, json: { type: 'boolean' },
  sample: { type: 'string' }, ignore: { type: 'string', multiple: true }, headers: { type: 'string' }, 'no-noise': { type: 'boolean' },
  'max-concurrent': { type: 'string' }, 'cpu-share': { type: 'string' }, 'timeout-ms': { type: 'string' },
  steps: { type: 'string' }, 'min-samples': { type: 'string' }, 'min-step-ms': { type: 'string' }, 'tick-ms': { type: 'string' },
  'p99-ratio': { type: 'string' }, 'p99-abs-ms': { type: 'string' }, 'error-rate-delta': { type: 'string' }, 'mismatch-rate': { type: 'string' },
  reason: { type: 'string' }, limit: { type: 'string' },
} as const

type Values = { [K in keyof typeof OPTIONS]?: (typeof OPTIONS)[K] extends { multiple: true } ? string[] : (typeof OPTIONS)[K] extends { type: 'boolean' } ? boolean : string }

const COMMON = ['admin', 'token', 'json']
/** The flags each subcommand takes, besides the common ones; and how many positionals (route, version). */
const SUBCOMMANDS: Record<string, { flags: string[], args: [number, number] }> = {
  list: { flags: [], args: [0, 0] },
  status: { flags: [], args: [1, 2] },
  ghost: { flags: ['sample', 'ignore', 'headers', 'no-noise', 'max-concurrent', 'cpu-share', 'timeout-ms'], args: [2, 2] },
  ramp: { flags: ['steps', 'min-samples', 'min-step-ms', 'tick-ms', 'p99-ratio', 'p99-abs-ms', 'error-rate-delta', 'mismatch-rate'], args: [2, 2] },
  pause: { flags: [], args: [2, 2] },
  resume: { flags: [], args: [2, 2] },
  promote: { flags: [], args: [2, 2] },
  rollback: { flags: ['reason'], args: [2, 2] },
  audit: { flags: ['limit'], args: [0, 0] },
}

function number(v: Values, flag: keyof Values): number | undefined {
  const raw = v[flag]
  if (raw === undefined) return undefined
  const n = Number(raw)
  if (typeof raw !== 'string' || raw.trim() === '' || !Number.isFinite(n)) throw new UsageError(`--${flag} must be a number, got "${String(raw)}"`)
  return n
}

/** Keeps the fields that were given. */
function given(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, x]) => x !== undefined))
}

function ghostBody(v: Values): Record<string, unknown> {
  if (v.sample === undefined) throw new UsageError('ghost needs --sample (a share from 0 to 1)')
  const compare = given({ ignore: v.ignore, headers: v.headers?.split(',').map((h) => h.trim()), noise: v['no-noise'] === true ? false : undefined })
  return given({
    sample: number(v, 'sample'), maxConcurrent: number(v, 'max-concurrent'), cpuShare: number(v, 'cpu-share'), timeoutMs: number(v, 'timeout-ms'),
    compare: Object.keys(compare).length > 0 ? compare : undefined,
  })
}

function rampBody(v: Values): Record<string, unknown> {
  const steps = v.steps?.split(',').map((s) => {
    const n = Number(s)
    if (s.trim() === '' || !Number.isFinite(n)) throw new UsageError(`--steps must be percentages separated by commas, got "${v.steps}"`)
    return n
  })
  const guards = given({ p99Ratio: number(v, 'p99-ratio'), p99AbsMs: number(v, 'p99-abs-ms'), errorRateDelta: number(v, 'error-rate-delta'), mismatchRate: number(v, 'mismatch-rate') })
  return given({
    steps, minSamples: number(v, 'min-samples'), minStepMs: number(v, 'min-step-ms'), tickMs: number(v, 'tick-ms'),
    guards: Object.keys(guards).length > 0 ? guards : undefined,
  })
}

/** One admin API call; a non-2xx answer is an Error carrying the API's code and message. */
async function call(base: URL, token: string | undefined, method: 'GET' | 'POST', path: string, body?: unknown): Promise<unknown> {
  const url = new URL(path, base)
  const headers: Record<string, string> = token === undefined ? {} : { authorization: `Bearer ${token}` }
  if (body !== undefined) headers['content-type'] = 'application/json'
  const res = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal: AbortSignal.timeout(30_000) })
  const text = await res.text()
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    throw new Error(`${method} ${url.pathname} did not answer JSON (${res.status}): ${text.slice(0, 200)}`)
  }
  if (!res.ok) {
    const e = parsed as { code?: string, message?: string }
    const hint = res.status === 401 ? ' (wrong or missing --token)' : ''
    throw new Error(`${method} ${decodeURIComponent(url.pathname)} answered ${res.status} ${e.code ?? ''}${hint}: ${e.message ?? text.slice(0, 200)}`)
  }
  return parsed
}

function checkFlags(sub: string, v: Values, positionals: string[]): void {
  const spec = SUBCOMMANDS[sub]!
  for (const k of Object.keys(v)) {
    if (!COMMON.includes(k) && !spec.flags.includes(k)) throw new UsageError(`releases ${sub} takes no --${k}`)
  }
  const n = positionals.length - 1
  if (n < spec.args[0] || n > spec.args[1]) {
    throw new UsageError(`releases ${sub} takes ${spec.args[0] === spec.args[1] ? spec.args[0] : `${spec.args[0]} or ${spec.args[1]}`} argument(s) (ROUTE VERSION), got ${n}`)
  }
}

export const releasesCommand: Command = {
  name: 'releases',
  summary: 'list and drive live upgrades (ghost, ramp, pause, promote, rollback) through the admin listener',
  usage: USAGE,
  async run(argv, io) {
    const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: OPTIONS })
    const v = values as Values
    const sub = positionals[0]
    if (sub === undefined) throw new UsageError('a command is required: ' + Object.keys(SUBCOMMANDS).join(', '))
    if (SUBCOMMANDS[sub] === undefined) throw new UsageError(`unknown releases command "${sub}"; commands: ${Object.keys(SUBCOMMANDS).join(', ')}`)
    checkFlags(sub, v, positionals)
    const base = adminBase(v.admin)
    const token = v.token ?? process.env.GRIDDLE_ADMIN_TOKEN
    const [, route, version] = positionals
    const at = (...parts: string[]) => '/releases/' + parts.map(encodeURIComponent).join('/')
    let answer: unknown
    if (sub === 'list') answer = await call(base, token, 'GET', '/releases')
    else if (sub === 'audit') answer = await call(base, token, 'GET', '/audit' + (v.limit === undefined ? '' : `?limit=${encodeURIComponent(v.limit)}`))
    else if (sub === 'status') answer = await call(base, token, 'GET', version === undefined ? at(route!) : at(route!, version))
    else {
      const body = sub === 'ghost' ? ghostBody(v) : sub === 'ramp' ? rampBody(v) : sub === 'rollback' ? given({ reason: v.reason }) : undefined
      answer = await call(base, token, 'POST', at(route!, version!, sub), body)
    }
    if (v.json === true) io.out(JSON.stringify(answer, null, 2))
    else if (sub === 'list') io.out(listTable((answer as { releases: ReleaseStatus[] }).releases))
    else if (sub === 'audit') io.out(auditTable((answer as { entries: AuditEntry[] }).entries))
    else io.out(statusText(answer as ReleaseStatus))
    return 0
  },
}
