import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { applySysctl, parseFdLimits, parsePortRange, parseStatCpu, parseThp, readHost, stealShare } from '../../lib/cli/tune-read.js'
import { makeTuneCommand } from '../../lib/cli/tune-command.js'

const LIMITS = `Limit                     Soft Limit           Hard Limit           Units
Max cpu time              unlimited            unlimited            seconds
Max open files            1024                 524288               files
`
const STAT_A = 'cpu  100 0 100 700 0 0 0 100 0 0\ncpu0 50 0 50 350 0 0 0 50 0 0\n'
const STAT_B = 'cpu  200 0 200 1400 0 0 0 200 0 0\ncpu0 100 0 100 700 0 0 0 100 0 0\n'

function fixture(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'tune-fixture-'))
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true })
    writeFileSync(join(root, path), text)
  }
  return root
}

const HOST = {
  'proc/sys/net/core/somaxconn': '128\n',
  'proc/sys/net/ipv4/tcp_max_syn_backlog': '512\n',
  'proc/sys/net/ipv4/tcp_tw_reuse': '2\n',
  'proc/sys/net/ipv4/tcp_migrate_req': '0\n',
  'proc/sys/net/ipv4/ip_local_port_range': '32768\t60999\n',
  'proc/self/limits': LIMITS,
  'proc/stat': STAT_A,
  'proc/cpuinfo': 'processor\t: 0\nflags\t\t: fpu vme sse2 hypervisor avx\n',
  'sys/devices/system/cpu/cpu0/cpufreq/scaling_governor': 'powersave\n',
  'sys/devices/system/cpu/cpu1/cpufreq/scaling_governor': 'powersave\n',
  'sys/devices/system/cpu/online': '0-1\n',
  'sys/kernel/mm/transparent_hugepage/enabled': '[always] madvise never\n',
  'sys/devices/system/node/node0/cpulist': '0-1\n',
}

test('the parsers read the kernel\'s formats', () => {
  assert.deepEqual(parsePortRange('32768\t60999\n'), [32768, 60999])
  assert.equal(parsePortRange('garbage'), null)
  assert.deepEqual(parseFdLimits(LIMITS), { soft: 1024, hard: 524288 })
  assert.deepEqual(parseFdLimits('Max open files  unlimited  unlimited  files'), { soft: Infinity, hard: Infinity })
  assert.equal(parseThp('always [madvise] never'), 'madvise')
  assert.deepEqual(parseStatCpu(STAT_A), { total: 1000, steal: 100 })
  assert.equal(parseStatCpu('intr 1 2 3'), null)
})

test('steal is the stolen share of the jiffies between two readings', () => {
  assert.equal(stealShare(STAT_A, STAT_B), 0.1)
  assert.equal(stealShare(STAT_A, STAT_A), null)
  assert.equal(stealShare(null, STAT_B), null)
})

test('readHost reads a whole fixture tree', async () => {
  const root = fixture(HOST)
  try {
    const r = await readHost({ root, sampleMs: 0, cpus: 2, nodeFlags: [], isRoot: false })
    assert.deepEqual(r, {
      somaxconn: 128, tcpMaxSynBacklog: 512, tcpTwReuse: 2, localPortRange: [32768, 60999], fdSoft: 1024, fdHard: 524288,
      governors: ['powersave', 'powersave'], thp: 'always', numaNodes: 1, cpus: 2, workers: null, nodeFlags: [],
      hypervisor: true, steal: null, isRoot: false, tcpMigrateReq: 0,
    })
  } finally {
    rmSync(root, { recursive: true, force: true })
  }
})

test('missing files read as null, not as errors', async () => {
  const root = fixture({})
  try {
    const r = await readHost({ root, sampleMs: 0 })
    assert.equal(r.somaxconn, null)
    assert.deepEqual(r.governors, [])
    assert.equal(r.numaNodes, null)
    assert.equal(r.hypervisor, false)
  } finally {
    rmSync(root, { recursive: true, force: true })
  }
})

function collect(): { io: { out: (s: string) => void, err: (s: string) => void }, text: () => string } {
  const lines: string[] = []
  return { io: { out: (s) => lines.push(s), err: (s) => lines.push(s) }, text: () => lines.join('\n') }
}

test('tune --apply as a non-root user prints the sysctl lines and changes nothing', async () => {
  const root = fixture(HOST)
  try {
    const { io, text } = collect()
    assert.equal(await makeTuneCommand({ root, isRoot: false }).run(['--apply', '--sample-ms', '0'], io), 0)
    assert.match(text(), /As root, run:\nsysctl -w net.core.somaxconn="4096"\nsysctl -w net.ipv4.tcp_max_syn_backlog="4096"\nsysctl -w net.ipv4.ip_local_port_range="1024 65535"/)
    assert.match(text(), /Not root: nothing was changed/)
    assert.equal(readFileSync(join(root, 'proc/sys/net/core/somaxconn'), 'utf8'), '128\n')
  } finally {
    rmSync(root, { recursive: true, force: true })
  }
})

test('tune --apply as root writes each sysctl to /proc/sys', async () => {
  const root = fixture(HOST)
  try {
    const { io, text } = collect()
    assert.equal(await makeTuneCommand({ root, isRoot: true }).run(['--apply', '--sample-ms', '0'], io), 0)
    assert.match(text(), /Applying:/)
    assert.equal(readFileSync(join(root, 'proc/sys/net/core/somaxconn'), 'utf8'), '4096\n')
    assert.equal(readFileSync(join(root, 'proc/sys/net/ipv4/ip_local_port_range'), 'utf8'), '1024 65535\n')
    assert.equal(readFileSync(join(root, 'proc/sys/net/ipv4/tcp_tw_reuse'), 'utf8'), '2\n', 'a note is not applied')
    assert.equal(readFileSync(join(root, 'proc/sys/net/ipv4/tcp_migrate_req'), 'utf8'), '1\n')
  } finally {
    rmSync(root, { recursive: true, force: true })
  }
})

test('tune without --apply writes nothing, even as root', async () => {
  const root = fixture(HOST)
  try {
    const { io, text } = collect()
    assert.equal(await makeTuneCommand({ root, isRoot: true }).run(['--sample-ms', '0'], io), 0)
    assert.match(text(), /\[CHANGE\] net.core.somaxconn: 128/)
    assert.equal(readFileSync(join(root, 'proc/sys/net/core/somaxconn'), 'utf8'), '128\n')
  } finally {
    rmSync(root, { recursive: true, force: true })
  }
})

test('tune --json prints the readings and findings', async () => {
  const root = fixture(HOST)
  try {
    const { io, text } = collect()
    await makeTuneCommand({ root, isRoot: false }).run(['--json', '--sample-ms', '0', '--workers', '3'], io)
    const parsed = JSON.parse(text()) as { readings: { workers: number }, findings: Array<{ name: string, verdict: string }> }
    assert.equal(parsed.readings.workers, 3)
    assert.equal(parsed.findings.find((f) => f.name === 'CPUs and serve() workers')?.verdict, 'change')
  } finally {
    rmSync(root, { recursive: true, force: true })
  }
})

test('applySysctl refuses a key that is not a sysctl name', () => {
  assert.throws(() => applySysctl('../../etc/passwd', 'x', '/nonexistent'), /not a sysctl key/)
})
