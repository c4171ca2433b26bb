/**
 * `griddle profile --admin URL --token T --seconds 10 -o out.cpuprofile`:
 * asks a running server's admin listener for a CPU profile
 * (GET /debug/profile?seconds=N) and writes it where DevTools or speedscope
 * can open it.
 */
import { writeFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { UsageError, type Command } from './command.js'

const USAGE = `usage: griddle profile --admin URL [--token T] [--seconds N] [--thread main|N|all] [-o FILE]
  Takes a CPU profile of a running griddle server through its admin listener
  (GET /debug/profile) and writes it as a .cpuprofile (Chrome DevTools, speedscope).
  --admin URL       the admin listener, e.g. http://127.0.0.1:9901
  --token T         its bearer token (or GRIDDLE_ADMIN_TOKEN, which keeps it out of ps)
  --seconds N       how long to profile (10)
  --thread T        main (default), a serve() worker number, or all
  -o, --out FILE    where to write it (profile-<timestamp>.cpuprofile)`

export function profileUrl(admin: string, seconds: number, thread: string | undefined): URL {
  let base: URL
  try {
    base = new URL(admin)
  } catch {
    throw new UsageError(`--admin must be a URL such as http://127.0.0.1:9901, got "${admin}"`)
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:') throw new UsageError(`--admin must be http or https, got ${base.protocol}`)
  const url = new URL('/debug/profile', base)
  url.searchParams.set('seconds', String(seconds))
  if (thread !== undefined) url.searchParams.set('thread', thread)
  return url
}

export const profileCommand: Command = {
  name: 'profile',
  summary: 'take a CPU profile of a running server through its admin listener',
  usage: USAGE,
  async run(argv, io) {
    const { values: v, positionals } = parseArgs({
      args: argv, allowPositionals: true,
      options: { admin: { type: 'string' }, token: { type: 'string' }, seconds: { type: 'string' },
        thread: { type: 'string' }, out: { type: 'string', short: 'o' } },
    })
    if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`)
    if (v.admin === undefined) throw new UsageError('--admin URL is required')
    const seconds = Number(v.seconds ?? 10)
    if (!(seconds > 0) || seconds > 300) throw new UsageError(`--seconds must be above 0 and at most 300, got "${v.seconds}"`)
    const token = v.token ?? process.env.GRIDDLE_ADMIN_TOKEN
    const url = profileUrl(v.admin, seconds, v.thread)
    const out = v.out ?? `profile-${new Date().toISOString().replace(/[:.]/g, '-')}.cpuprofile`
    io.err(`profiling ${url.host} for ${seconds} s...`)
    const res = await fetch(url, {
      headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
      signal: AbortSignal.timeout((seconds + 30) * 1000),
    })
    const body = await res.text()
    if (!res.ok) throw new Error(`${url.pathname} answered ${res.status}${res.status === 401 ? ' (wrong or missing --token)' : ''}: ${body.slice(0, 500)}`)
    let profile: { nodes?: unknown }
    try {
      profile = JSON.parse(body) as { nodes?: unknown }
    } catch {
      throw new Error(`${url.pathname} did not answer JSON: ${body.slice(0, 200)}`)
    }
    if (!Array.isArray(profile.nodes) && !Array.isArray(profile)) throw new Error('the answer is not a .cpuprofile (no nodes)')
    writeFileSync(out, body)
    io.out(out)
    return 0
  },
}
