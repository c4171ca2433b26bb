import { test } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { buildLoadgen, runLoadgen } from '../../bench/http/loadgen.js'
import { hasCommand, capture } from '../../bench/http/procs.js'
import { parseWrk } from '../../bench/http/wrk.js'
import { NO_SHEDDING, TempDir, appSource, reload, start, type Started } from './reload-helpers.js'

/**
 * Issue 14's acceptance: three reloads in a row under continuous keep-alive
 * load from each of the two load generators the benchmarks use (the
 * open-loop one in bench/loadgen, and wrk) fail no request: no reset, no
 * 5xx, no socket error. The load runs for a fixed time that covers the three
 * reloads (each about 2 to 3 s here); a probe on a fresh connection after
 * each reload must get the new build's answer.
 */
const LOAD_S = 25

const haveCc = await hasCommand('cc')
const haveWrk = await hasCommand('wrk')
if (haveCc) await buildLoadgen()

async function probe(port: number): Promise<string> {
  const r = await fetch(`http://127.0.0.1:${port}/`, { headers: { connection: 'close' } })
  return ((await r.json()) as { build: string }).build
}

/**
 * Starts griddle (2 workers), starts `generator` on its port, and once it
 * has run for a second does three reloads, each to a new build; returns the
 * generator's result and whether every reload was over before the load ended.
 */
async function reloadsUnder<T>(generator: (port: number) => Promise<T>): Promise<{ result: T, builds: string[], codes: number[], inTime: boolean }> {
  const dir = new TempDir()
  const app = dir.file('app.js', appSource('g1'))
  const pidFile = join(dir.path, 'griddle.pid')
  let s: Started | null = null
  try {
    s = await start([app, '--workers', '2', '--port', '0', '--pid-file', pidFile, '--config', NO_SHEDDING(dir)])
    let loadOver = false
    const running = generator(s.port).finally(() => { loadOver = true })
    await new Promise((r) => setTimeout(r, 1000))
    const builds: string[] = []
    const codes: number[] = []
    for (const build of ['g2', 'g3', 'g4']) {
      dir.file('app.js', appSource(build))
      const r = await reload(['--pid-file', pidFile])
      codes.push(r.code ?? -1)
      builds.push(await probe(s.port))
    }
    const inTime = !loadOver
    return { result: await running, builds, codes, inTime }
  } finally {
    if (s !== null) {
      s.child.kill('SIGTERM')
      await s.exited
    }
    dir.remove()
  }
}

test('three reloads under the open-loop generator\'s keep-alive load fail no request', { skip: haveCc ? false : 'no C compiler (cc) to build bench/loadgen' }, async () => {
  const { result: r, builds, codes, inTime } = await reloadsUnder((port) => runLoadgen({ port, rate: 2000, seconds: LOAD_S, connections: 32 }))
  assert.ok(inTime, `the three reloads ended within the ${LOAD_S} s of load`)
  assert.deepEqual(codes, [0, 0, 0])
  assert.deepEqual(builds, ['g2', 'g3', 'g4'], 'each reload switched the answers to the new build')
  assert.equal(r.errors, 0, `no connect, read, parse, closed or timeout error: ${JSON.stringify(r.error_kinds)}`)
  assert.equal(r.non2xx, 0)
  assert.equal(r.status['2xx'], r.scheduled, 'every scheduled request got a 2xx')
})

test('three reloads under wrk\'s keep-alive load give no socket error and no non-2xx answer', { skip: haveWrk ? false : 'wrk is not installed (apt-get install -y wrk)' }, async () => {
  const { result: text, builds, codes, inTime } = await reloadsUnder((port) => capture('wrk', ['-t1', '-c16', `-d${LOAD_S}s`, '--latency', `http://127.0.0.1:${port}/`], (LOAD_S + 30) * 1000))
  const r = parseWrk(text)
  assert.ok(inTime, `the three reloads ended within the ${LOAD_S} s of load`)
  assert.deepEqual(codes, [0, 0, 0])
  assert.deepEqual(builds, ['g2', 'g3', 'g4'], 'each reload switched the answers to the new build')
  assert.doesNotMatch(text, /Socket errors/, text)
  assert.equal(r.socketErrors, 0)
  assert.equal(r.non2xx, 0, text)
  assert.ok(r.requests > 0)
})
