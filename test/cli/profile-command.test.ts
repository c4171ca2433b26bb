import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { serve } from 'griddle'
import { AdminListener } from '../../lib/admin/listener.js'
import { debugRoutes } from '../../lib/admin/debug-routes.js'
import { dispatch } from '../../lib/cli/dispatch.js'
import { profileUrl, threadFile } from '../../lib/cli/profile-command.js'

const TOKEN = 'profile-cmd-token-0123456789'
const APP = new URL('../fixtures/debug-app.js', import.meta.url)

/** A real admin listener with the debug routes: of this thread alone, or of a serve() cluster with `workers` workers. */
async function withAdmin(workers: number, fn: (url: string, dir: string) => Promise<void>): Promise<void> {
  const cluster = workers === 0 ? null : await serve({ app: APP, workers, port: 0, log: () => {}, options: { admission: false } })
  const admin = new AdminListener(TOKEN, cluster === null ? debugRoutes() : debugRoutes(cluster.debug))
  const dir = mkdtempSync(join(tmpdir(), 'profile-cmd-'))
  try {
    await fn(`http://127.0.0.1:${await admin.listen('127.0.0.1', 0)}`, dir)
  } finally {
    admin.close()
    await cluster?.close()
    rmSync(dir, { recursive: true, force: true })
  }
}

function collect(): { io: { out: (s: string) => void, err: (s: string) => void }, out: string[], err: string[] } {
  const out: string[] = []
  const err: string[] = []
  return { io: { out: (s) => out.push(s), err: (s) => err.push(s) }, out, err }
}

test('griddle profile fetches /debug/profile with the bearer token and writes the cpuprofile', async () => {
  await withAdmin(0, async (admin, dir) => {
    const file = join(dir, 'out.cpuprofile')
    const { io, out } = collect()
    assert.equal(await dispatch(['profile', '--admin', admin, '--token', TOKEN, '--seconds', '0.2', '-o', file], io), 0)
    assert.deepEqual(out, [file])
    const profile = JSON.parse(readFileSync(file, 'utf8')) as { nodes: unknown[], startTime: number, endTime: number }
    assert.ok(profile.nodes.length > 0 && profile.endTime > profile.startTime)
  })
})

test('--thread all writes one .cpuprofile per thread of a serve() cluster, named after the thread', async () => {
  await withAdmin(2, async (admin, dir) => {
    const file = join(dir, 'run.cpuprofile')
    const { io, out } = collect()
    assert.equal(await dispatch(['profile', '--admin', admin, '--token', TOKEN, '--seconds', '0.3', '--thread', 'all', '-o', file], io), 0)
    assert.deepEqual(out, ['main', '0', '1'].map((t) => join(dir, `run.${t}.cpuprofile`)))
    for (const f of out) assert.ok((JSON.parse(readFileSync(f, 'utf8')) as { nodes: unknown[] }).nodes.length > 0, f)
    const one = join(dir, 'w1.cpuprofile')
    assert.equal(await dispatch(['profile', '--admin', admin, '--token', TOKEN, '--seconds', '0.2', '--thread', '1', '-o', one], collect().io), 0)
    assert.ok(Array.isArray((JSON.parse(readFileSync(one, 'utf8')) as { nodes: unknown }).nodes))
  })
})

test('griddle profile heap writes a worker\'s .heapsnapshot, and gc prints the histogram', async () => {
  await withAdmin(1, async (admin, dir) => {
    const file = join(dir, 'w0.heapsnapshot')
    const { io, out } = collect()
    assert.equal(await dispatch(['profile', 'heap', '--admin', admin, '--token', TOKEN, '--thread', '0', '-o', file], io), 0)
    assert.deepEqual(out, [file])
    const snap = JSON.parse(readFileSync(file, 'utf8')) as { snapshot: { node_count: number }, nodes: number[], strings: string[] }
    assert.ok(snap.snapshot.node_count > 0 && snap.nodes.length > 0)
    assert.ok(snap.strings.includes('griddle-debug-marker-worker-0'))
    const gc = collect()
    assert.equal(await dispatch(['profile', 'gc', '--admin', admin, '--token', TOKEN, '--thread', 'all'], gc.io), 0)
    const { threads } = JSON.parse(gc.out[0]!) as { threads: Array<{ thread: unknown, gc: { buckets: unknown[] } }> }
    assert.deepEqual(threads.map((t) => t.thread), ['main', 0])
    // A thread that does not exist: the server's 404 is the command's failure, and no file is left.
    const missing = join(dir, 'w5.heapsnapshot')
    const e = collect()
    assert.equal(await dispatch(['profile', 'heap', '--admin', admin, '--token', TOKEN, '--thread', '5', '-o', missing], e.io), 1)
    assert.match(e.err.join('\n'), /answered 404.*GRIDDLE_ERR_THREAD_NOT_FOUND/)
    assert.equal(existsSync(missing), false)
  })
})

test('a wrong token fails with the status and writes no file', async () => {
  await withAdmin(0, async (admin, dir) => {
    const file = join(dir, 'out.cpuprofile')
    const { io, err } = collect()
    assert.equal(await dispatch(['profile', '--admin', admin, '--token', 'nope', '--seconds', '0.2', '-o', file], io), 1)
    assert.match(err.join('\n'), /answered 401 \(wrong or missing --token\)/)
    assert.equal(existsSync(file), false)
  })
})

test('profile URLs carry seconds and thread; bad flags are usage errors', async () => {
  assert.equal(profileUrl('http://127.0.0.1:9901/', 10, undefined).href, 'http://127.0.0.1:9901/debug/profile?seconds=10')
  assert.equal(profileUrl('http://h:1', 2, 'all').search, '?seconds=2&thread=all')
  assert.equal(profileUrl('http://h:1', 2, '3', 'heap').href, 'http://h:1/debug/heap?thread=3')
  assert.equal(threadFile('/tmp/a.cpuprofile', 0), '/tmp/a.0.cpuprofile')
  assert.equal(threadFile('/tmp.d/a', 'main'), '/tmp.d/a.main')
  const { io, err } = collect()
  assert.equal(await dispatch(['profile', '--admin', 'not a url'], io), 2)
  assert.match(err[0]!, /--admin must be a URL/)
  for (const args of [['--admin', 'ftp://h/'], ['--admin', 'http://h/', '--seconds', '0'], ['--admin', 'http://h/', '--thread', 'x'],
    ['heap', '--admin', 'http://h/', '--thread', 'all'], ['flame', '--admin', 'http://h/']]) {
    assert.equal(await dispatch(['profile', ...args], collect().io), 2, args.join(' '))
  }
})
