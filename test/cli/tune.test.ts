import { test } from 'node:test'
import assert from 'node:assert/strict'
import {
  checkFds, checkGovernor, checkNuma, checkPortRange, checkSemiSpace, checkSomaxconn, checkSteal, checkSynBacklog,
  checkMigrateReq, checkThp, checkTwReuse, checkWorkers, flagValue, renderReport, runChecks, sysctlLines, type HostReadings,
} from '../../lib/cli/tune.js'

/** A host tuned the way griddle wants it. */
const good: HostReadings = {
  somaxconn: 4096, tcpMaxSynBacklog: 8192, tcpTwReuse: 1, localPortRange: [1024, 65535], fdSoft: 1_048_576, fdHard: 1_048_576,
  governors: ['performance', 'performance'], thp: 'madvise', numaNodes: 1, cpus: 2, workers: 2,
  nodeFlags: ['--min-semi-space-size=16', '--max-semi-space-size=64'], hypervisor: false, steal: 0, isRoot: false, tcpMigrateReq: 1,
}
/** Stock settings of a common distribution on a small VM. */
const stock: HostReadings = {
  somaxconn: 128, tcpMaxSynBacklog: 512, tcpTwReuse: 0, localPortRange: [32768, 60999], fdSoft: 1024, fdHard: 4096,
  governors: ['powersave', 'powersave'], thp: 'always', numaNodes: 2, cpus: 2, workers: 4,
  nodeFlags: [], hypervisor: true, steal: 0.12, isRoot: false, tcpMigrateReq: 0,
}

test('a well-tuned host gets nothing to change', () => {
  const findings = runChecks(good)
  assert.deepEqual(findings.filter((f) => f.verdict === 'change').map((f) => f.name), [])
  assert.deepEqual(sysctlLines(findings), [])
  assert.match(renderReport(findings), /Nothing to change\.$/)
})

test('stock settings are flagged, each with advice and a reason', () => {
  const findings = runChecks(stock)
  const changes = findings.filter((f) => f.verdict === 'change').map((f) => f.name)
  assert.deepEqual(changes, ['net.core.somaxconn', 'net.ipv4.tcp_max_syn_backlog', 'net.ipv4.tcp_tw_reuse',
    'net.ipv4.ip_local_port_range', 'open files (ulimit -n)', 'CPU frequency governor', 'transparent huge pages',
    'CPUs and serve() workers', 'node --max-semi-space-size', 'virtual machine and steal time', 'net.ipv4.tcp_migrate_req'])
  for (const f of findings) {
    assert.ok(f.advice.length > 0, `${f.name} has advice`)
    assert.ok(f.reason.length > 20, `${f.name} says why`)
  }
  assert.equal(checkNuma(stock).verdict, 'note')
})

test('--apply lines are exact sysctl commands for the kernel settings only', () => {
  assert.deepEqual(sysctlLines(runChecks(stock)), [
    'sysctl -w net.core.somaxconn="4096"',
    'sysctl -w net.ipv4.tcp_max_syn_backlog="4096"',
    'sysctl -w net.ipv4.tcp_tw_reuse="1"',
    'sysctl -w net.ipv4.ip_local_port_range="1024 65535"',
    'sysctl -w net.ipv4.tcp_migrate_req="1"',
  ])
})

test('unreadable values are reported as unknown, never as fine', () => {
  const blind: HostReadings = { ...good, somaxconn: null, tcpMaxSynBacklog: null, tcpTwReuse: null, localPortRange: null,
    fdSoft: null, fdHard: null, thp: null, numaNodes: null, steal: null }
  for (const check of [checkSomaxconn, checkSynBacklog, checkTwReuse, checkPortRange, checkFds, checkThp, checkNuma, checkSteal]) {
    assert.equal(check(blind).verdict, 'unknown', check.name)
  }
})

test('tcp_tw_reuse 2 (loopback only, the kernel default) is a note, not a change', () => {
  assert.equal(checkTwReuse({ ...good, tcpTwReuse: 2 }).verdict, 'note')
})

test('the fd advice says whether the soft limit alone can be raised', () => {
  assert.match(checkFds({ ...good, fdSoft: 1024, fdHard: 1_048_576 }).advice, /^raise the soft limit: ulimit -n 65536/)
  assert.match(checkFds({ ...good, fdSoft: 1024, fdHard: 4096 }).advice, /^raise both/)
  assert.equal(checkFds({ ...good, fdSoft: Infinity, fdHard: Infinity }).verdict, 'ok')
})

test('a missing cpufreq is a note that names a VM when there is one', () => {
  assert.match(checkGovernor({ ...good, governors: [], hypervisor: true }).advice, /VM/)
  assert.equal(checkGovernor({ ...good, governors: ['performance', 'schedutil'] }).verdict, 'change')
})

test('more serve() workers than CPUs is a change; the default is one per CPU', () => {
  assert.match(checkWorkers({ ...good, cpus: 4, workers: 8 }).advice, /workers: 3/)
  assert.match(checkWorkers({ ...good, cpus: 8, workers: null }).value, /8 CPUs, 8 workers \(the default/)
  assert.equal(checkWorkers({ ...good, cpus: 8, workers: null }).verdict, 'note')
  assert.equal(checkWorkers({ ...good, cpus: 2, workers: 1 }).verdict, 'ok')
})

test('the semi-space flag is found in every spelling node accepts', () => {
  assert.equal(flagValue(['--max-semi-space-size=32'], 'max-semi-space-size'), 32)
  assert.equal(flagValue(['--max_semi_space_size', '128'], 'max-semi-space-size'), 128)
  assert.equal(flagValue(['--max-old-space-size=4096'], 'max-semi-space-size'), null)
  assert.equal(checkSemiSpace({ ...good, nodeFlags: ['--max-semi-space-size=16'] }).verdict, 'change')
  // measured: the maximum alone does not cut scavenges, the minimum does
  assert.equal(checkSemiSpace({ ...good, nodeFlags: ['--max-semi-space-size=64'] }).verdict, 'change')
  assert.match(checkSemiSpace({ ...good, nodeFlags: [] }).advice, /--min-semi-space-size=16 --max-semi-space-size=64/)
})

test('steal above 5 % is flagged; a VM without steal is a note', () => {
  assert.equal(checkSteal({ ...good, hypervisor: true, steal: 0.06 }).verdict, 'change')
  assert.equal(checkSteal({ ...good, hypervisor: true, steal: 0.01 }).verdict, 'note')
  assert.match(checkSteal({ ...good, hypervisor: true, steal: 0.06 }).value, /VM, steal 6\.0 %/)
})

test('tcp_migrate_req 0 is a change (reloads can reset queued connections); a kernel without it is unknown, never fine', () => {
  const off = checkMigrateReq({ ...good, tcpMigrateReq: 0 })
  assert.equal(off.verdict, 'change')
  assert.deepEqual(off.sysctl, { key: 'net.ipv4.tcp_migrate_req', value: '1' })
  assert.match(off.reason, /accept queue/)
  assert.equal(checkMigrateReq({ ...good, tcpMigrateReq: null }).verdict, 'unknown')
  assert.equal(checkMigrateReq({ ...good, tcpMigrateReq: undefined }).verdict, 'unknown')
  assert.equal(checkMigrateReq(good).verdict, 'ok')
})
