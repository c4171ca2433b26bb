import { test } from 'node:test'
import assert from 'node:assert/strict'
import { serve, type Cluster, type CpuProfile } from 'griddle'
import { AdminListener } from '../../lib/admin/listener.js'
import { debugRoutes } from '../../lib/admin/debug-routes.js'
import { profiling } from '../../lib/admin/debug-profile.js'
import { request, sleep, type Response } from '../helpers/http.js'

const APP = new URL('../fixtures/debug-app.js', import.meta.url)
const TOKEN = 'debug-test-token-0123456789'
const auth = { headers: { authorization: `Bearer ${TOKEN}` } }

/** A cluster and an admin listener mounting its debug routes, as serve()'s main thread does. */
async function withCluster(workers: number, fn: (c: Cluster, admin: number) => Promise<void>): Promise<void> {
  const cluster = await serve({ app: APP, workers, port: 0, restartDelayMs: 10, log: () => {}, options: { admission: false, closeGraceMs: 100 } })
  const admin = new AdminListener(TOKEN, debugRoutes(cluster.debug))
  try {
    await fn(cluster, await admin.listen('127.0.0.1', 0))
  } finally {
    admin.close()
    await cluster.close()
  }
}

/** Requests /work until `until` settles (at most 5,000), so the workers' handlers run while they are profiled. */
async function traffic(port: number, until: Promise<unknown>): Promise<number> {
  let done = false
  void until.then(() => { done = true }, () => { done = true })
  let n = 0
  while (!done && n < 5000) {
    assert.equal((await request(port, '/work')).status, 200)
    n++
  }
  return n
}

const names = (p: CpuProfile): Set<string> => new Set(p.nodes.map((n) => n.callFrame.functionName))
const code = (r: Response): string => (r.json() as { code: string }).code

test('GET /debug/profile?thread=N profiles that worker thread: its nodes include griddle\'s request handler, the main thread\'s do not', async () => {
  await withCluster(1, async (cluster, admin) => {
    const pending = request(admin, '/debug/profile?seconds=1&thread=0', auth)
    assert.ok((await traffic(cluster.port, pending)) > 0)
    const r = await pending
    assert.equal(r.status, 200)
    const profile = r.json() as CpuProfile
    assert.ok(profile.endTime > profile.startTime && (profile.samples?.length ?? 0) > 0)
    assert.ok(names(profile).has('onRequest'), 'the worker serves the requests')
    const onRequest = profile.nodes.find((n) => n.callFrame.functionName === 'onRequest')!
    assert.match(onRequest.callFrame.url, /lib\/server\/on-request\.js$/)
    const main = await cluster.debug.profile({ thread: 'main', seconds: 0.3 }) as CpuProfile
    assert.equal(names(main).has('onRequest'), false, 'serve()\'s main thread serves no requests')
    assert.equal(profiling(), false)
  })
})

test('thread=all returns { threads: [{ thread, profile }] } with the main thread and every worker, profiled at once', async () => {
  await withCluster(2, async (cluster, admin) => {
    const pending = request(admin, '/debug/profile?seconds=1&thread=all', auth)
    await traffic(cluster.port, pending)
    const r = await pending
    assert.equal(r.status, 200)
    const { threads } = r.json() as { threads: Array<{ thread: string | number, profile: CpuProfile }> }
    assert.deepEqual(threads.map((t) => t.thread), ['main', 0, 1])
    for (const t of threads) assert.ok(t.profile.nodes.length > 0 && t.profile.endTime > t.profile.startTime, String(t.thread))
    assert.ok(threads.some((t) => t.thread !== 'main' && names(t.profile).has('onRequest')), 'a worker\'s profile holds the handler')
  })
})

test('one capture at a time across threads (409), a missing thread is a 404, bad input a 400, and the token is needed', async () => {
  await withCluster(2, async (_cluster, admin) => {
    const first = request(admin, '/debug/profile?seconds=1&thread=1', auth)
    await sleep(100)
    for (const path of ['/debug/profile?seconds=1&thread=0', '/debug/profile?seconds=1', '/debug/heap?thread=0']) {
      const busy = await request(admin, path, auth)
      assert.equal(busy.status, 409, path)
      assert.equal(code(busy), 'GRIDDLE_ERR_PROFILE_BUSY')
    }
    assert.equal((await first).status, 200)
    for (const path of ['/debug/profile?seconds=1&thread=2', '/debug/heap?thread=9', '/debug/gc?thread=5']) {
      const r = await request(admin, path, auth)
      assert.equal(r.status, 404, path)
      assert.equal(code(r), 'GRIDDLE_ERR_THREAD_NOT_FOUND')
    }
    for (const path of ['/debug/profile?seconds=0&thread=0', '/debug/profile?seconds=x', '/debug/profile?thread=-1', '/debug/heap?thread=all',
      '/debug/gc?thread=one']) {
      const r = await request(admin, path, auth)
      assert.equal(r.status, 400, path)
      assert.equal(code(r), 'GRIDDLE_ERR_BAD_REQUEST')
    }
    assert.equal((await request(admin, '/debug/heap?thread=0')).status, 401)
    assert.equal(profiling(), false)
  })
})

test('GET /debug/heap?thread=N is that worker\'s V8 heap snapshot, which parses as a .heapsnapshot', async () => {
  await withCluster(2, async (_cluster, admin) => {
    const r = await request(admin, '/debug/heap?thread=1', auth)
    assert.equal(r.status, 200)
    assert.match(String(r.headers['content-disposition']), /attachment; filename="heap-1-.*\.heapsnapshot"/)
    const snap = r.json() as { snapshot: { meta: { node_fields: string[] }, node_count: number }, nodes: number[], strings: string[] }
    assert.ok(snap.snapshot.node_count > 0)
    assert.equal(snap.nodes.length, snap.snapshot.node_count * snap.snapshot.meta.node_fields.length)
    assert.ok(snap.strings.includes('griddle-debug-marker-worker-1'), 'the worker\'s own module state is in it')
    assert.equal(snap.strings.includes('griddle-debug-marker-worker-0'), false, 'and not the other worker\'s')
    assert.equal(snap.strings.includes(TOKEN), false, 'nor the main thread\'s')
    const main = await request(admin, '/debug/heap', auth)
    assert.equal(main.status, 200)
    assert.ok((main.json() as { strings: string[] }).strings.includes(TOKEN), 'the main thread\'s snapshot holds the test\'s own strings')
  })
})

test('GET /debug/gc?thread=all answers each thread\'s GC pause histogram, its buckets summing to its count', async () => {
  await withCluster(2, async (cluster, admin) => {
    for (let i = 0; i < 50; i++) await request(cluster.port, '/work')
    const r = await request(admin, '/debug/gc?thread=all', auth)
    assert.equal(r.status, 200)
    const { threads } = r.json() as { threads: Array<{ thread: string | number, gc: { count: number, buckets: Array<{ leMs: number | null, count: number }>, byKind: Record<string, { count: number }> } }> }
    assert.deepEqual(threads.map((t) => t.thread), ['main', 0, 1])
    for (const { thread, gc } of threads) {
      assert.equal(gc.buckets.reduce((n, b) => n + b.count, 0), gc.count, String(thread))
      assert.equal(Object.values(gc.byKind).reduce((n, k) => n + k.count, 0), gc.count, String(thread))
      assert.equal(gc.buckets.at(-1)!.leMs, null)
    }
    const one = await request(admin, '/debug/gc?thread=0', auth)
    assert.equal(one.status, 200)
    assert.ok(Array.isArray((one.json() as { buckets: unknown[] }).buckets))
  })
})

test('a worker that exits during its profile fails the request with a coded error at once, and frees the slot', async () => {
  await withCluster(1, async (cluster) => {
    const pending = cluster.debug.profile({ thread: 0, seconds: 30 })
    assert.equal((await request(cluster.port, '/crash')).text, 'crashing')
    await assert.rejects(pending, (err: { code?: string }) => err.code === 'GRIDDLE_ERR_WORKER')
    assert.equal(profiling(), false)
    for (let i = 0; i < 200 && cluster.size < 1; i++) await sleep(10)
    // The replacement answers under the same index.
    const p = await cluster.debug.profile({ thread: 0, seconds: 0.2 }) as CpuProfile
    assert.ok(p.nodes.length > 0)
  })
})

test('serve()\'s own admin listener mounts the cluster\'s debug routes: thread=N reaches the worker', async () => {
  const cluster = await serve({
    app: APP, workers: 1, port: 0, restartDelayMs: 10, log: () => {},
    options: { admission: false, closeGraceMs: 100, admin: { port: 0, token: TOKEN } },
  })
  try {
    const admin = cluster.admin!.port
    assert.equal((await request(admin, '/debug/gc?thread=0')).status, 401)
    const pending = request(admin, '/debug/profile?seconds=1&thread=0', auth)
    await traffic(cluster.port, pending)
    const r = await pending
    assert.equal(r.status, 200)
    assert.ok(names(r.json() as CpuProfile).has('onRequest'), 'the profile is the worker\'s')
    assert.equal(code(await request(admin, '/debug/gc?thread=7', auth)), 'GRIDDLE_ERR_THREAD_NOT_FOUND')
  } finally {
    await cluster.close()
  }
})
