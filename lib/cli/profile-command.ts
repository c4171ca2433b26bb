/**
 * `griddle profile [cpu|heap|gc] --admin URL --token T ...`: asks a running
 * server's admin listener for a CPU profile (GET /debug/profile), a heap
 * snapshot (GET /debug/heap) or the GC pause histogram (GET /debug/gc) of
 * one thread or all of them, and writes files that DevTools or speedscope
 * open.
 */
import { createWriteStream, rmSync, writeFileSync } from 'node:fs'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { parseArgs } from 'node:util'
import { UsageError, type Command, type Io } from './command.js'
import { adminBase } from './admin-url.js'

const USAGE = `usage: griddle profile [cpu|heap|gc] --admin URL [--token T] [--seconds N] [--thread main|N|all] [-o FILE]
  Asks a running griddle server's admin listener for:
    cpu (default)  a CPU profile (GET /debug/profile), written as a .cpuprofile
                   (Chrome DevTools, speedscope); with --thread all, one file per
                   thread: FILE's name with .main, .0, .1 ... before the extension
    heap           a V8 heap snapshot (GET /debug/heap), a .heapsnapshot
                   (Chrome DevTools, Memory tab); one thread, not all
    gc             the GC pause histogram (GET /debug/gc), JSON; printed unless -o
  --admin URL       the admin listener, e.g. http://127.0.0.1:9901
  --token T         its bearer token (or GRIDDLE_ADMIN_TOKEN, which keeps it out of ps)
  --seconds N       how long to profile (cpu; 10)
  --thread T        main (default), a serve() worker number, or all (cpu, gc)
  -o, --out FILE    where to write it (profile-<timestamp>.cpuprofile, heap-<timestamp>.heapsnapshot)`

type Kind = 'cpu' | 'heap' | 'gc'
const PATHS: Record<Kind, string> = { cpu: '/debug/profile', heap: '/debug/heap', gc: '/debug/gc' }

function adminUrl(admin: string, kind: Kind): URL {
  return new URL(PATHS[kind], adminBase(admin))
}

export function profileUrl(admin: string, seconds: number, thread: string | undefined, kind: Kind = 'cpu'): URL {
  const url = adminUrl(admin, kind)
  if (kind === 'cpu') url.searchParams.set('seconds', String(seconds))
  if (thread !== undefined) url.searchParams.set('thread', thread)
  return url
}

/** `out.cpuprofile` → `out.<thread>.cpuprofile`, one file per thread of a thread=all profile. */
export function threadFile(out: string, thread: string | number): string {
  const dot = out.lastIndexOf('.')
  return dot > out.lastIndexOf('/') ? `${out.slice(0, dot)}.${thread}${out.slice(dot)}` : `${out}.${thread}`
}

async function ask(url: URL, token: string | undefined, timeoutSeconds: number): Promise<Response> {
  const res = await fetch(url, {
    headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
    signal: AbortSignal.timeout(timeoutSeconds * 1000),
  })
  if (!res.ok) {
    const body = await res.text()
    throw new Error(`${url.pathname} answered ${res.status}${res.status === 401 ? ' (wrong or missing --token)' : ''}: ${body.slice(0, 500)}`)
  }
  return res
}

function parseJson(text: string, path: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    throw new Error(`${path} did not answer JSON: ${text.slice(0, 200)}`)
  }
}

/** Writes the profile (or one per thread) and prints each file's path. */
function writeProfiles(text: string, path: string, out: string, io: Io): void {
  const answer = parseJson(text, path) as { nodes?: unknown, threads?: Array<{ thread: string | number, profile?: unknown, error?: { message: string } }> }
  if (Array.isArray(answer.nodes)) {
    writeFileSync(out, text)
    return io.out(out)
  }
  if (!Array.isArray(answer.threads)) throw new Error('the answer is not a .cpuprofile (no nodes)')
  for (const t of answer.threads) {
    if (t.profile === undefined) {
      io.err(`thread ${t.thread}: no profile: ${t.error?.message ?? 'unknown'}`)
      continue
    }
    const file = threadFile(out, t.thread)
    writeFileSync(file, JSON.stringify(t.profile))
    io.out(file)
  }
}

/** Streams the snapshot to the file: it can be hundreds of MB. */
async function writeHeap(res: Response, out: string): Promise<void> {
  if (res.body === null) throw new Error('/debug/heap answered no body')
  try {
    await pipeline(Readable.fromWeb(res.body as import('node:stream/web').ReadableStream), createWriteStream(out))
  } catch (err) {
    rmSync(out, { force: true })  // half a snapshot does not load anywhere
    throw err
  }
}

function stamp(): string {
  return new Date().toISOString().replace(/[:.]/g, '-')
}

export const profileCommand: Command = {
  name: 'profile',
  summary: 'take a CPU profile, heap snapshot or GC histogram of a running server through its admin listener',
  usage: USAGE,
  async run(argv, io) {
    const { values: v, positionals } = parseArgs({
      args: argv, allowPositionals: true,
      options: { admin: { type: 'string' }, token: { type: 'string' }, seconds: { type: 'string' },
        thread: { type: 'string' }, out: { type: 'string', short: 'o' } },
    })
    const kind = (positionals[0] ?? 'cpu') as Kind
    if (!(kind in PATHS)) throw new UsageError(`unknown kind "${positionals[0]}": cpu, heap or gc`)
    if (positionals.length > 1) throw new UsageError(`unexpected argument "${positionals[1]}"`)
    if (v.admin === undefined) throw new UsageError('--admin URL is required')
    const seconds = Number(v.seconds ?? 10)
    if (!(seconds > 0) || seconds > 300) throw new UsageError(`--seconds must be above 0 and at most 300, got "${v.seconds}"`)
    if (v.thread !== undefined && !/^(main|all|\d{1,3})$/.test(v.thread)) throw new UsageError(`--thread must be main, all or a worker number, got "${v.thread}"`)
    if (kind === 'heap' && v.thread === 'all') throw new UsageError('a heap snapshot is of one thread: --thread main or a worker number')
    const token = v.token ?? process.env.GRIDDLE_ADMIN_TOKEN
    const url = profileUrl(v.admin, seconds, v.thread, kind)
    if (kind === 'gc') {
      const text = await (await ask(url, token, 30)).text()
      parseJson(text, url.pathname)
      if (v.out !== undefined) writeFileSync(v.out, text)
      io.out(v.out ?? text)
      return 0
    }
    if (kind === 'heap') {
      const out = v.out ?? `heap-${stamp()}.heapsnapshot`
      io.err(`taking a heap snapshot of ${url.host}, thread ${v.thread ?? 'main'}...`)
      await writeHeap(await ask(url, token, 330), out)
      io.out(out)
      return 0
    }
    const out = v.out ?? `profile-${stamp()}.cpuprofile`
    io.err(`profiling ${url.host}, thread ${v.thread ?? 'main'}, for ${seconds} s...`)
    writeProfiles(await (await ask(url, token, seconds + 30)).text(), url.pathname, out, io)
    return 0
  },
}
