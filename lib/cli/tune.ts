/**
 * `griddle tune`: what the host's settings mean for a griddle server, each
 * reading with advice and the reason. Pure: every check takes the values
 * tune-read.ts read (or a test's fixture) and returns findings; nothing here
 * touches the host.
 */

/** Everything the checks look at; `null` where the host does not expose it. */
export interface HostReadings {
  somaxconn: number | null
  tcpMaxSynBacklog: number | null
  /** 0 off, 1 on, 2 loopback only */
  tcpTwReuse: number | null
  localPortRange: [number, number] | null
  fdSoft: number | null
  fdHard: number | null
  /** one governor per CPU, or empty when cpufreq is not exposed (typical of VMs) */
  governors: string[]
  /** the bracketed choice of /sys/kernel/mm/transparent_hugepage/enabled */
  thp: string | null
  numaNodes: number | null
  cpus: number
  /** serve()'s worker count, when known (by default serve() starts one per CPU) */
  workers: number | null
  /** Node flags in effect: process.execArgv and NODE_OPTIONS */
  nodeFlags: string[]
  /** the cpuinfo "hypervisor" flag */
  hypervisor: boolean
  /** share of CPU time stolen by the hypervisor over the sampling window, 0..1 */
  steal: number | null
  isRoot: boolean
  /** net.ipv4.tcp_migrate_req; null where the kernel has none (older than 5.14) */
  tcpMigrateReq?: number | null
}

export type Verdict = 'ok' | 'change' | 'note' | 'unknown'

export interface Finding {
  name: string
  value: string
  verdict: Verdict
  advice: string
  reason: string
  /** sysctl key and value `--apply` would set */
  sysctl?: { key: string; value: string }
}

export const WANT = {
  somaxconn: 4096,
  synBacklog: 4096,
  fds: 65_536,
  ports: [1024, 65_535] as [number, number],
  semiSpaceMb: 64,
  minSemiSpaceMb: 16,
  steal: 0.05,
} as const

const show = (v: number | null): string => (v === null ? 'not readable' : String(v))

export function checkSomaxconn(r: HostReadings): Finding {
  const base = { name: 'net.core.somaxconn', value: show(r.somaxconn) }
  const reason = 'caps every listen backlog: the accept queue holds min(backlog, somaxconn) connections, and a burst of new ' +
    'connections beyond it is dropped (clients retry SYNs after 1 s, which shows as 1 s latency spikes)'
  if (r.somaxconn === null) return { ...base, verdict: 'unknown', advice: 'could not read /proc/sys/net/core/somaxconn', reason }
  if (r.somaxconn >= WANT.somaxconn) return { ...base, verdict: 'ok', advice: `at least ${WANT.somaxconn}`, reason }
  return { ...base, verdict: 'change', advice: `raise to ${WANT.somaxconn}`, reason, sysctl: { key: 'net.core.somaxconn', value: String(WANT.somaxconn) } }
}

export function checkSynBacklog(r: HostReadings): Finding {
  const base = { name: 'net.ipv4.tcp_max_syn_backlog', value: show(r.tcpMaxSynBacklog) }
  const reason = 'half-open connections waiting for the handshake\'s last ACK; when full (a connection storm, or a load ' +
    'generator opening many connections at once) the kernel drops SYNs or falls back to syncookies'
  if (r.tcpMaxSynBacklog === null) return { ...base, verdict: 'unknown', advice: 'could not read it', reason }
  if (r.tcpMaxSynBacklog >= WANT.synBacklog) return { ...base, verdict: 'ok', advice: `at least ${WANT.synBacklog}`, reason }
  return { ...base, verdict: 'change', advice: `raise to ${WANT.synBacklog}`, reason, sysctl: { key: 'net.ipv4.tcp_max_syn_backlog', value: String(WANT.synBacklog) } }
}

export function checkTwReuse(r: HostReadings): Finding {
  const base = { name: 'net.ipv4.tcp_tw_reuse', value: show(r.tcpTwReuse) }
  const reason = 'lets outgoing connections reuse ports in TIME_WAIT; it matters on the side that opens connections ' +
    '(load generators, a server calling upstreams), where closed connections otherwise hold their port for 60 s'
  if (r.tcpTwReuse === null) return { ...base, verdict: 'unknown', advice: 'could not read it', reason }
  if (r.tcpTwReuse === 1) return { ...base, verdict: 'ok', advice: 'on', reason }
  if (r.tcpTwReuse === 2) return { ...base, verdict: 'note', advice: 'loopback only (the kernel default): set 1 if this host opens many short connections to other hosts', reason }
  return { ...base, verdict: 'change', advice: 'set 1', reason, sysctl: { key: 'net.ipv4.tcp_tw_reuse', value: '1' } }
}

export function checkPortRange(r: HostReadings): Finding {
  const range = r.localPortRange
  const base = { name: 'net.ipv4.ip_local_port_range', value: range === null ? 'not readable' : `${range[0]}-${range[1]}` }
  const reason = 'every outgoing connection to one address and port takes one local port; the default 32768-60999 gives ' +
    '28k, which a benchmark or a busy upstream pool uses up (EADDRNOTAVAIL) once TIME_WAIT holds them'
  if (range === null) return { ...base, verdict: 'unknown', advice: 'could not read it', reason }
  const count = range[1] - range[0] + 1
  if (count >= 60_000) return { ...base, verdict: 'ok', advice: `${count} ports`, reason }
  return { ...base, verdict: 'change', advice: `widen to ${WANT.ports[0]}-${WANT.ports[1]} (now ${count} ports)`, reason,
    sysctl: { key: 'net.ipv4.ip_local_port_range', value: `${WANT.ports[0]} ${WANT.ports[1]}` } }
}

export function checkFds(r: HostReadings): Finding {
  const base = { name: 'open files (ulimit -n)', value: `soft ${show(r.fdSoft)}, hard ${show(r.fdHard)}` }
  const reason = 'each connection is one file descriptor: at the soft limit accept() fails with EMFILE and new clients ' +
    'wait or are refused; the soft limit may be raised up to the hard one without root'
  if (r.fdSoft === null || r.fdHard === null) return { ...base, verdict: 'unknown', advice: 'could not read /proc/self/limits', reason }
  if (r.fdSoft >= WANT.fds) return { ...base, verdict: 'ok', advice: `at least ${WANT.fds}`, reason }
  const advice = r.fdHard >= WANT.fds
    ? `raise the soft limit: ulimit -n ${WANT.fds} (or LimitNOFILE=${WANT.fds} in the systemd unit)`
    : `raise both: ulimit -Hn ${WANT.fds} as root, or nofile in /etc/security/limits.conf, or LimitNOFILE=${WANT.fds}`
  return { ...base, verdict: 'change', advice, reason }
}

export function checkGovernor(r: HostReadings): Finding {
  const distinct = [...new Set(r.governors)]
  const base = { name: 'CPU frequency governor', value: distinct.length === 0 ? 'not exposed' : distinct.join(', ') }
  const reason = 'a governor that lowers the clock when idle (powersave, ondemand, schedutil) makes the first requests ' +
    'after a quiet spell slower and benchmark runs disagree; performance keeps the clock up'
  if (distinct.length === 0) {
    return { ...base, verdict: 'note', advice: r.hypervisor ? 'a VM: the host decides the frequency' : 'cpufreq is not exposed (no driver or a VM)', reason }
  }
  if (distinct.length === 1 && distinct[0] === 'performance') return { ...base, verdict: 'ok', advice: 'performance', reason }
  return { ...base, verdict: 'change', advice: 'cpupower frequency-set -g performance (for benchmarks and latency-bound serving)', reason }
}

export function checkThp(r: HostReadings): Finding {
  const base = { name: 'transparent huge pages', value: r.thp ?? 'not exposed' }
  const reason = 'with "always" the kernel backs any large mapping with 2 MB pages and compacts memory to find them: ' +
    'RSS grows and khugepaged or compaction stalls show as latency spikes; "madvise" leaves it to code that asks'
  if (r.thp === null) return { ...base, verdict: 'unknown', advice: 'could not read /sys/kernel/mm/transparent_hugepage/enabled', reason }
  if (r.thp === 'always') {
    return { ...base, verdict: 'change', advice: 'echo madvise > /sys/kernel/mm/transparent_hugepage/enabled (not a sysctl; add transparent_hugepage=madvise to the kernel command line to keep it)', reason }
  }
  return { ...base, verdict: 'ok', advice: r.thp, reason }
}

export function checkNuma(r: HostReadings): Finding {
  const base = { name: 'NUMA nodes', value: show(r.numaNodes) }
  const reason = 'the response cache is one off-heap store shared by every worker thread: threads on another node read ' +
    'it through the interconnect, slower than local memory'
  if (r.numaNodes === null) return { ...base, verdict: 'unknown', advice: 'could not read /sys/devices/system/node', reason }
  if (r.numaNodes <= 1) return { ...base, verdict: 'ok', advice: 'one node', reason }
  return { ...base, verdict: 'note', advice: `run one process per node: numactl --cpunodebind=N --membind=N node app.js (${r.numaNodes} nodes)`, reason }
}

export function checkWorkers(r: HostReadings): Finding {
  const workers = r.workers ?? r.cpus
  const base = { name: 'CPUs and serve() workers', value: `${r.cpus} CPUs, ${workers} workers${r.workers === null ? ' (the default: one per CPU)' : ''}` }
  const reason = 'each worker thread runs its own event loop flat out under load; more workers than CPUs only adds ' +
    'context switches, and the main thread (control plane, telemetry) and the kernel\'s network work need CPU too'
  if (workers > r.cpus) return { ...base, verdict: 'change', advice: `serve({ workers: ${Math.max(1, r.cpus - 1)} }): no more workers than CPUs`, reason }
  if (r.cpus > 2 && workers === r.cpus) return { ...base, verdict: 'note', advice: `consider ${r.cpus - 1} workers, leaving a CPU for the main thread and interrupts`, reason }
  return { ...base, verdict: 'ok', advice: 'workers fit the CPUs', reason }
}

/** The value of a V8 size flag in MB, from `--flag=N` or `--flag N` (also with underscores). */
export function flagValue(flags: string[], name: string): number | null {
  const variants = [name, name.replace(/-/g, '_')]
  for (let i = 0; i < flags.length; i++) {
    for (const v of variants) {
      const f = flags[i]!
      if (f.startsWith(`--${v}=`)) return Number(f.slice(v.length + 3))
      if (f === `--${v}` && flags[i + 1] !== undefined) return Number(flags[i + 1])
    }
  }
  return null
}

export function checkSemiSpace(r: HostReadings): Finding {
  const max = flagValue(r.nodeFlags, 'max-semi-space-size')
  const min = flagValue(r.nodeFlags, 'min-semi-space-size')
  const shown = (v: number | null): string => (v === null ? 'default' : `${v} MB`)
  const base = { name: 'node --max-semi-space-size', value: `max ${shown(max)}, min ${shown(min)} (--min-semi-space-size)` }
  // Measured here (bench/results/profiling.md): the users bench server, 50,000 requests at 10k req/s.
  const reason = 'every request allocates short-lived objects in the young generation, and each scavenge stops the ' +
    'thread; measured on the users benchmark server, 50,000 requests: 39 scavenges with V8\'s defaults, 40 with only ' +
    '--max-semi-space-size=64 (the young generation starts small and grows slowly), 10 with --min-semi-space-size=16 ' +
    '--max-semi-space-size=64, for about 25 MB more heap per thread'
  const advice = `NODE_OPTIONS="--min-semi-space-size=${WANT.minSemiSpaceMb} --max-semi-space-size=${WANT.semiSpaceMb}"`
  if (max !== null && max >= WANT.semiSpaceMb && min !== null && min >= WANT.minSemiSpaceMb) {
    return { ...base, verdict: 'ok', advice: `at least ${WANT.minSemiSpaceMb} MB minimum and ${WANT.semiSpaceMb} MB maximum`, reason }
  }
  return { ...base, verdict: 'change', advice: `${advice} (or pass them to node)`, reason }
}

export function checkSteal(r: HostReadings): Finding {
  const pct = r.steal === null ? null : r.steal * 100
  const base = { name: 'virtual machine and steal time', value: `${r.hypervisor ? 'VM' : 'no hypervisor flag'}, steal ${pct === null ? 'not measured' : `${pct.toFixed(1)} %`}` }
  const reason = 'steal is time this VM was ready to run but the hypervisor ran someone else: it adds latency griddle ' +
    'cannot see or fix, and makes benchmark figures noisy'
  if (pct === null) return { ...base, verdict: 'unknown', advice: 'could not sample /proc/stat', reason }
  if (r.steal! > WANT.steal) return { ...base, verdict: 'change', advice: 'over 5 %: noisy neighbours; use dedicated or larger instances, and distrust benchmark figures taken now', reason }
  return { ...base, verdict: r.hypervisor ? 'note' : 'ok', advice: r.hypervisor ? 'a VM with little steal now; it can change with the neighbours' : 'none to speak of', reason }
}

export function checkMigrateReq(r: HostReadings): Finding {
  const v = r.tcpMigrateReq ?? null
  const base = { name: 'net.ipv4.tcp_migrate_req', value: show(v) }
  // Measured: bench/results/delivery.md (resets during reloads under a new connection per request, with it at 0 and at 1).
  const reason = 'a reload closes the old generation\'s SO_REUSEPORT listeners while the new one listens; with 0 the ' +
    'kernel resets the connections still waiting in a closing listener\'s accept queue, with 1 it moves them to a listener ' +
    'that stays (Linux 5.14+); griddle steers new connections away from the closing listeners first (2 or more workers, ' +
    'a port no other process listens on), so there 1 is an extra safety, and elsewhere the only one'
  if (v === null) return { ...base, verdict: 'unknown', advice: 'not exposed: Linux older than 5.14 cannot move them; expect rare resets at reloads', reason }
  if (v === 1) return { ...base, verdict: 'ok', advice: 'on', reason }
  return { ...base, verdict: 'change', advice: 'set 1 (or run griddle start --migrate-requests as root, or ExecStartPre=+sysctl in the unit: docs/deploy.md)',
    reason, sysctl: { key: 'net.ipv4.tcp_migrate_req', value: '1' } }
}

export const CHECKS = [checkSomaxconn, checkSynBacklog, checkTwReuse, checkPortRange, checkFds, checkGovernor,
  checkThp, checkNuma, checkWorkers, checkSemiSpace, checkSteal, checkMigrateReq]

export function runChecks(r: HostReadings): Finding[] {
  return CHECKS.map((check) => check(r))
}

/** The exact lines `--apply` runs, one `sysctl -w` per change. */
export function sysctlLines(findings: Finding[]): string[] {
  return findings.filter((f) => f.verdict === 'change' && f.sysctl).map((f) => `sysctl -w ${f.sysctl!.key}="${f.sysctl!.value}"`)
}

const MARK: Record<Verdict, string> = { ok: 'ok', change: 'CHANGE', note: 'note', unknown: '?' }

export function renderReport(findings: Finding[]): string {
  const out: string[] = []
  for (const f of findings) {
    out.push(`[${MARK[f.verdict]}] ${f.name}: ${f.value}`)
    out.push(`    advice: ${f.advice}`)
    out.push(`    why: ${f.reason}`)
  }
  const changes = findings.filter((f) => f.verdict === 'change').length
  out.push('', changes === 0 ? 'Nothing to change.' : `${changes} setting${changes === 1 ? '' : 's'} to change.`)
  return out.join('\n')
}
