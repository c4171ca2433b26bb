/**
 * js mode: the scenario's server runs under 0x (V8's sampling profiler, JS
 * frames only). 0x starts the load through `--on-port` once the port hook
 * fires, stops the server when the load ends, and renders the HTML.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { loadEnv, type Load } from './drive.js'
import { mustSucceed, startChild } from './run-child.js'
import { zeroXCli } from './tools.js'

export interface ModeRun {
  dir: string
  script: string
  title: string
  serverCpu: string
  serverEnv: Record<string, string>
  load: Load
  /** echo the tools' own output */
  verbose: boolean
}

const here = dirname(fileURLToPath(import.meta.url))

export async function runJsMode(r: ModeRun): Promise<void> {
  const driveCmd = `"${process.execPath}" "${join(here, 'drive.js')}"`
  // 0x writes V8's log in its working dir and moves it into the output dir: they must differ.
  const work = mkdtempSync(join(tmpdir(), 'griddle-0x-'))
  const args = ['-c', r.serverCpu, process.execPath, zeroXCli(),
    '--output-dir', r.dir, '--working-dir', work, '--tree-debug', '--title', r.title,
    '--on-port', driveCmd, r.script]
  const child = startChild('taskset', args, {
    cwd: work,
    env: { ...process.env, ...r.serverEnv, ...loadEnv(r.load), FLAME_PORT_HOOK: '1' },
  }, r.verbose)
  try {
    await mustSucceed(child, '0x')
  } finally {
    rmSync(work, { recursive: true, force: true })
  }
}
