import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const RUN = fileURLToPath(new URL('./reload-fresh-run.js', import.meta.url))

/**
 * The Linux trap: connections waiting in a closing SO_REUSEPORT listener's
 * accept queue are reset, unless net.ipv4.tcp_migrate_req moves them to a
 * listener that stays, or new connections were steered away from the
 * closing listeners first (lib/workers/steered-handover.ts). That setting is
 * per network namespace, so the tests run in a private one (unshare, as
 * root) where it starts at 0; `griddle start --migrate-requests` sets it,
 * and without the flag it stays 0; the host's is left alone.
 */
function privateNetns(): string | null {
  if (process.platform !== 'linux') return 'Linux only'
  if (process.getuid?.() !== 0) return 'needs root for unshare --net'
  const probe = spawnSync('unshare', ['--net', 'sh', '-c', 'ip link set lo up && echo 1 > /proc/sys/net/ipv4/tcp_migrate_req'], { encoding: 'utf8' })
  if (probe.error !== undefined || probe.status !== 0) return `unshare --net with tcp_migrate_req failed: ${probe.error?.message ?? probe.stderr.trim()}`
  return null
}

const why = privateNetns()
if (why !== null) console.log(`# reload-fresh: skipped: ${why}`)

interface Outcome { ok: number, failures: string[], codes: number[], switched: boolean[], exit: number, log: string }

test('with tcp_migrate_req at 0 and no --migrate-requests, three reloads under a new connection per request fail no request: new connections are steered', { skip: why ?? false }, () => {
  const r = spawnSync('unshare', ['--net', 'sh', '-c',
    `ip link set lo up && echo 0 > /proc/sys/net/ipv4/tcp_migrate_req && "${process.execPath}" "${RUN}" 3 8 && cat /proc/sys/net/ipv4/tcp_migrate_req`],
  { encoding: 'utf8', timeout: 180_000 })
  assert.equal(r.status, 0, r.stderr)
  const lines = r.stdout.trim().split('\n')
  assert.equal(lines.pop(), '0', 'the namespace\'s setting stayed 0')
  const out = JSON.parse(lines.pop()!) as Outcome
  assert.equal(out.log.match(/new connections steered away from it \(its accept queues empty after \d+ ms\)/g)?.length, 3, out.log)
  assert.doesNotMatch(out.log, /not steered/)
  assert.deepEqual(out.failures, [], 'no request failed')
  assert.deepEqual(out.codes, [0, 0, 0], 'every reload succeeded')
  assert.deepEqual(out.switched, [true, true, true], 'the answers switched to each new build')
  assert.equal(out.exit, 0)
  assert.ok(out.ok > 0)
})

test('griddle start --migrate-requests turns tcp_migrate_req on, and three reloads under a new connection per request fail no request', { skip: why ?? false }, () => {
  const r = spawnSync('unshare', ['--net', 'sh', '-c',
    `ip link set lo up && echo 0 > /proc/sys/net/ipv4/tcp_migrate_req && "${process.execPath}" "${RUN}" 3 8 --migrate-requests && cat /proc/sys/net/ipv4/tcp_migrate_req`],
  { encoding: 'utf8', timeout: 180_000 })
  assert.equal(r.status, 0, r.stderr)
  const lines = r.stdout.trim().split('\n')
  assert.equal(lines.pop(), '1', 'the namespace\'s setting is on afterwards')
  const out = JSON.parse(lines.pop()!) as Outcome
  assert.match(out.log, /set net.ipv4.tcp_migrate_req to 1 \(was 0\)/)
  assert.deepEqual(out.failures, [], 'no request failed')
  assert.deepEqual(out.codes, [0, 0, 0], 'every reload succeeded')
  assert.deepEqual(out.switched, [true, true, true], 'the answers switched to each new build')
  assert.equal(out.exit, 0)
  assert.ok(out.ok > 0)
})
