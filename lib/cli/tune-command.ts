/** `griddle tune` (and `npm run tune:check`): report the host settings; `--apply` prints and, as root, sets the sysctls. */
import { parseArgs } from 'node:util'
import { UsageError, type Command, type Io } from './command.js'
import { renderReport, runChecks, sysctlLines, type Finding } from './tune.js'
import { applySysctl, readHost } from './tune-read.js'

const USAGE = `usage: griddle tune [--apply] [--workers N] [--sample-ms MS] [--json]
  Reads the kernel, limits, CPU and Node settings that matter to a griddle server
  and says, for each, what to change and why. Changes nothing unless asked.
  --apply        print the exact sysctl lines for the settings to change, and
                 apply them when running as root (otherwise only print them)
  --workers N    the serve() worker count to judge against the CPUs (default: one per CPU)
  --sample-ms MS how long to sample /proc/stat for steal time (1000; 0 skips)
  --json         print the findings as JSON`

function count(name: string, v: string | undefined, min: number): number | undefined {
  if (v === undefined) return undefined
  const n = Number(v)
  if (!Number.isInteger(n) || n < min) throw new UsageError(`--${name} must be an integer of at least ${min}, got "${v}"`)
  return n
}

function apply(findings: Finding[], isRoot: boolean, io: Io, root?: string): number {
  const lines = sysctlLines(findings)
  if (lines.length === 0) {
    io.out('\nNo sysctl to apply.')
    return 0
  }
  io.out(`\n${isRoot ? 'Applying' : 'As root, run'}:\n${lines.join('\n')}`)
  if (!isRoot) {
    io.out('\nNot root: nothing was changed. To keep the values across reboots, put them in /etc/sysctl.d/90-griddle.conf.')
    return 0
  }
  for (const f of findings) {
    if (f.verdict === 'change' && f.sysctl) applySysctl(f.sysctl.key, f.sysctl.value, root)
  }
  io.out('Applied (until reboot; put them in /etc/sysctl.d/90-griddle.conf to keep them).')
  return 0
}

/** Where the host is read from and whether --apply may write: a fixture tree in tests. */
export interface TuneHost {
  root?: string
  isRoot?: boolean
}

export function makeTuneCommand(host: TuneHost = {}): Command {
  return {
    name: 'tune',
    summary: 'check the OS and Node settings for serving (somaxconn, fds, governor, THP, steal...)',
    usage: USAGE,
    async run(argv, io) {
      const { values: v, positionals } = parseArgs({
        args: argv, allowPositionals: true,
        options: { apply: { type: 'boolean' }, workers: { type: 'string' }, 'sample-ms': { type: 'string' }, json: { type: 'boolean' } },
      })
      if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`)
      const readings = await readHost({
        ...host,
        workers: count('workers', v.workers, 1) ?? null,
        sampleMs: count('sample-ms', v['sample-ms'], 0) ?? 1000,
      })
      const findings = runChecks(readings)
      if (v.json) io.out(JSON.stringify({ readings, findings }, null, 2))
      else io.out(renderReport(findings))
      return v.apply ? apply(findings, readings.isRoot, io, host.root) : 0
    },
  }
}

export const tuneCommand = makeTuneCommand()
