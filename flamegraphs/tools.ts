/**
 * What a flame-graph run needs from the machine, checked before anything
 * starts, each missing piece reported with what to install or set.
 */
import { createRequire } from 'node:module'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { capture, hasCommand } from '../bench/http/procs.js'

const require = createRequire(import.meta.url)

export const PERF_INSTALL = 'apt-get update && apt-get install -y linux-perf'

/** The 0x command-line entry (a devDependency), or a friendly error. */
export function zeroXCli(): string {
  try {
    return require.resolve('0x/cmd.js')
  } catch {
    throw new Error('0x is not installed: it is a devDependency of griddle, run `npm install` in the repository')
  }
}

function paranoidAdvice(): string {
  return [
    'perf cannot record here. Either run as root, or allow unprivileged profiling:',
    '  sysctl -w kernel.perf_event_paranoid=1   (or -1 to include kernel frames; 2 and above refuse)',
    '  and for kernel symbols: sysctl -w kernel.kptr_restrict=0',
    'In a container, the runtime may also need to allow perf_event_open (docker: --cap-add PERFMON or --privileged).',
  ].join('\n')
}

/** Checks that perf exists and may record a cpu-clock profile with call graphs here. */
export async function checkPerf(): Promise<void> {
  if (!(await hasCommand('perf'))) throw new Error(`perf is not installed: ${PERF_INSTALL}`)
  const dir = mkdtempSync(join(tmpdir(), 'griddle-perf-probe-'))
  try {
    await capture('perf', ['record', '-q', '-e', 'cpu-clock', '-g', '-o', join(dir, 'probe.data'), '--', 'true'], 20_000)
  } catch (err) {
    const msg = (err as Error).message
    // Debian's /usr/bin/perf is a wrapper that names the kernel-matched package it lacks.
    if (/not found for kernel|linux-perf-|linux-tools-/i.test(msg)) {
      throw new Error(`perf has no build for this kernel:\n${msg}\nInstall the perf matching \`uname -r\` (${PERF_INSTALL})`)
    }
    throw new Error(`${paranoidAdvice()}\n\nperf said:\n${msg}`)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

export async function checkCommon(): Promise<void> {
  const missing: string[] = []
  if (!(await hasCommand('taskset'))) missing.push('taskset is not installed: apt-get install -y util-linux')
  if (!(await hasCommand('cc'))) missing.push('no C compiler for the load generator (bench/loadgen): apt-get install -y gcc')
  if (missing.length) throw new Error(missing.join('\n'))
}
