/**
 * One http case of bench:compare: starts a server of a ref's worktree
 * (dist/bench/http/servers/<name>.js) pinned to CPU 0, drives it closed-loop
 * with wrk from CPU 1 (1 s discarded, then the measurement), and prints
 * {"name": "closed-loop req/s", "hz": ...}. The wrk script and path list come
 * from this checkout, so both refs get the same load.
 *   node http-case.js <worktree> <server> <scenario>
 */
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { WRK_SCRIPT } from '../http/paths.js'
import { freePort, hasCommand } from '../http/procs.js'
import { findScenario, scenarioPaths } from '../http/scenarios.js'
import { runWrk } from '../http/wrk.js'

const [worktree, server, scenarioName] = process.argv.slice(2)
if (worktree === undefined || server === undefined || scenarioName === undefined) {
  console.error('usage: http-case.js <worktree> <server> <scenario>')
  process.exit(2)
}
if (!(await hasCommand('wrk'))) {
  console.error('wrk is not installed: apt-get install -y wrk')
  process.exit(1)
}
const script = join(worktree, 'dist', 'bench', 'http', 'servers', `${server}.js`)
if (!existsSync(script)) {
  console.error(`this ref has no ${server} benchmark server (${script})`)
  process.exit(1)
}
const quick = process.env.BENCH_QUICK === '1'
const scenario = findScenario(scenarioName)
const dir = mkdtempSync(join(tmpdir(), 'compare-http-'))
const pathsFile = join(dir, 'paths.txt')
writeFileSync(pathsFile, `${scenarioPaths(scenario).join('\n')}\n`)
const port = await freePort()
const child = spawn('taskset', ['-c', '0', process.execPath, script], {
  cwd: worktree, env: { ...process.env, BENCH_PORT: String(port), BENCH_SCENARIO: scenarioName }, stdio: ['ignore', 'pipe', 'inherit'],
})
try {
  await new Promise<void>((resolve, reject) => {
    let out = ''
    const timer = setTimeout(() => reject(new Error('server not ready in 30 s')), 30_000)
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString()
      if (/^READY \d+$/m.test(out)) { clearTimeout(timer); resolve() }
      if (/^SKIP /m.test(out)) { clearTimeout(timer); reject(new Error(out.trim())) }
    })
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`server exited (${code})`)) })
  })
  const wrk = { cpu: '1', ...scenario.closed, script: WRK_SCRIPT, pathsFile }
  await runWrk(port, { ...wrk, seconds: 1 })
  const r = await runWrk(port, { ...wrk, seconds: quick ? 2 : 10 })
  if (r.non2xx > 0 || r.socketErrors > 0) throw new Error(`${r.non2xx} non-2xx and ${r.socketErrors} socket errors`)
  console.log(JSON.stringify({ name: 'closed-loop req/s', hz: r.rps }))
} finally {
  child.kill('SIGKILL')
  rmSync(dir, { recursive: true, force: true })
}
