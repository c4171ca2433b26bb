/**
 * native mode: `perf record -e cpu-clock` samples the whole server process
 * (JS frames named through --perf-basic-prof, the addon's C++, uWS, libc and
 * the kernel's TCP path) while the generator drives it; `perf script` turns
 * the samples into the stacks file 0x's renderer reads (--visualize-only).
 */
import { createWriteStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { drive } from './drive.js'
import type { ModeRun } from './js-mode.js'
import type { CallGraph } from './options.js'
import { mustSucceed, startChild, whenReady, type Child } from './run-child.js'
import { compactPerfMap } from './perf-map.js'
import { zeroXCli } from './tools.js'

/** Samples per second: prime, so sampling does not beat against a periodic timer. */
const FREQUENCY = 997
/** Load before perf attaches, so start-up and JIT compilation stay out of the graph. */
const WARMUP_SECONDS = 1

export async function runNativeMode(r: ModeRun, callGraph: CallGraph = 'fp'): Promise<void> {
  // --perf-basic-prof makes V8 leave an isolate log in its working dir; 0x's
  // renderer would take that for a js-mode profile, so it goes elsewhere.
  const work = mkdtempSync(join(tmpdir(), 'griddle-perf-'))
  const server = startChild('taskset', ['-c', r.serverCpu, process.execPath, '--perf-basic-prof',
    '--interpreted-frames-native-stack', r.script], { cwd: work, env: { ...process.env, ...r.serverEnv } }, r.verbose)
  let perfPid = 0
  try {
    await whenReady(server, 60_000)
    await drive({ ...r.load, seconds: WARMUP_SECONDS, resultFile: join(r.dir, 'warmup.json') })
    const perf = await record(r, server.proc.pid!, callGraph)
    perfPid = perf.proc.pid!
    try {
      await drive(r.load)
    } finally {
      perf.proc.kill('SIGINT')
    }
    const code = await perf.exited
    if (code !== 0 && code !== 130) throw new Error(`perf record failed (exit ${code})\n${perf.output()}`)
  } finally {
    server.proc.kill('SIGTERM')
    await server.exited
    rmSync(work, { recursive: true, force: true })
  }
  const map = `/tmp/perf-${server.proc.pid}.map`
  try {
    compactPerfMap(map)
    await perfScript(join(r.dir, 'perf.data'), join(r.dir, `stacks.${perfPid}.out`))
  } finally {
    rmSync(map, { force: true })
  }
  writeFileSync(join(r.dir, 'meta.json'), JSON.stringify({ name: 'flamegraph', title: r.title, inlined: [] }))
  await mustSucceed(startChild(process.execPath, [zeroXCli(), '--visualize-only', r.dir, '--tree-debug', '--title', r.title],
    // 0x resolves the folder against its working dir: from inside it, the path would be ''.
    { cwd: dirname(r.dir) }, r.verbose), '0x --visualize-only')
}

/** Attaches perf to the running server; resolves once perf is recording. */
async function record(r: ModeRun, pid: number, callGraph: CallGraph): Promise<Child> {
  // Frame pointers walk through JIT code (V8 keeps them); DWARF unwinds C++
  // built without them, but stops at JIT frames, which have no unwind tables.
  const graph = callGraph === 'fp' ? ['-g'] : ['--call-graph', 'dwarf,16384']
  const perf = startChild('perf', ['record', '-e', 'cpu-clock', '-F', String(FREQUENCY), ...graph,
    '-p', String(pid), '-o', join(r.dir, 'perf.data')], {}, r.verbose)
  // perf says nothing once attached; a short wait covers its start-up (tens of ms).
  await Promise.race([sleep(500), perf.exited.then((code) => {
    throw new Error(`perf record exited at once (code ${code})\n${perf.output()}`)
  })])
  return perf
}

function perfScript(data: string, out: string): Promise<void> {
  const child = startChild('perf', ['script', '-i', data], {}, false)
  const file = createWriteStream(out)
  child.proc.stdout!.pipe(file)
  return mustSucceed(child, 'perf script').then(() => new Promise<void>((resolve) => file.end(resolve)))
}
