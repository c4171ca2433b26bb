import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createApp } from 'griddle'
import { request } from '../helpers/http.js'
import { profiling } from '../../lib/admin/debug-profile.js'

const TOKEN = 'test-token-0123456789abcdef'
const auth = { authorization: `Bearer ${TOKEN}` }

interface ProfileNode { callFrame: { functionName: string } }

test('GET /debug/profile on the admin listener returns a cpuprofile of the main thread whose nodes include the request handler', async () => {
  // Shedding off: starting the profiler stalls the loop, which admission would read as overload.
  const app = createApp({ admission: false, admin: { token: TOKEN } })
  app.get('/work', () => {
    let x = 0
    for (let i = 0; i < 20_000; i++) x += Math.sqrt(i)
    return { x }
  })
  const { port, admin } = await app.listen(0)
  try {
    const adminPort = admin!.port
    let done = false
    const pending = request(adminPort, '/debug/profile?seconds=1', { headers: auth }).finally(() => { done = true })
    // The admin listener runs on this thread: wait (bounded) until the first profile holds the slot.
    for (let i = 0; i < 200 && !profiling(); i++) await new Promise((r) => setTimeout(r, 5))
    // Asked while the first runs, however slow the machine: one profile at a time.
    const busy = await request(adminPort, '/debug/profile?seconds=1', { headers: auth })
    // Traffic while the profile runs, bounded in count.
    for (let i = 0; i < 2000 && !done; i++) assert.equal((await request(port, '/work')).status, 200)
    const r = await pending
    assert.equal(r.status, 200)
    const profile = r.json() as { nodes: ProfileNode[], startTime: number, endTime: number, samples: number[] }
    assert.ok(profile.endTime > profile.startTime)
    assert.ok(profile.samples.length > 0)
    const names = new Set(profile.nodes.map((n) => n.callFrame.functionName))
    assert.ok(names.has('onRequest'), `the request handler is among ${profile.nodes.length} nodes`)
    // The second request came while the first ran: one profile at a time.
    assert.equal(busy.status, 409)
    assert.equal((busy.json() as { code: string }).code, 'GRIDDLE_ERR_PROFILE_BUSY')
  } finally {
    await app.close()
  }
})

test('/debug/profile needs the token and refuses bad input with a coded 400', async () => {
  const app = createApp({ admission: false, admin: { token: TOKEN } })
  const { admin } = await app.listen(0)
  try {
    assert.equal((await request(admin!.port, '/debug/profile?seconds=1')).status, 401)
    for (const q of ['seconds=abc', 'seconds=0', 'seconds=100000', 'seconds=1&thread=x']) {
      const r = await request(admin!.port, `/debug/profile?${q}`, { headers: auth })
      assert.equal(r.status, 400, q)
      assert.equal((r.json() as { code: string }).code, 'GRIDDLE_ERR_BAD_REQUEST', q)
    }
  } finally {
    await app.close()
  }
})

test('createApp\'s admin listener has the main thread alone: its heap snapshot and GC histogram, and 404 for a worker', async () => {
  const app = createApp({ admission: false, admin: { token: TOKEN } })
  app.get('/x', () => ({ x: 'y'.repeat(1000) }))
  const { port, admin } = await app.listen(0)
  try {
    for (let i = 0; i < 20; i++) assert.equal((await request(port, '/x')).status, 200)
    const heap = await request(admin!.port, '/debug/heap', { headers: auth })
    assert.equal(heap.status, 200)
    const snap = heap.json() as { snapshot: { node_count: number }, nodes: number[], strings: string[] }
    assert.ok(snap.snapshot.node_count > 0 && snap.nodes.length > 0)
    assert.ok(snap.strings.includes(TOKEN), 'the snapshot is of this thread')
    const gc = await request(admin!.port, '/debug/gc', { headers: auth })
    assert.equal(gc.status, 200)
    const h = gc.json() as { count: number, buckets: Array<{ count: number }> }
    assert.equal(h.buckets.reduce((n, b) => n + b.count, 0), h.count)
    const all = await request(admin!.port, '/debug/gc?thread=all', { headers: auth })
    assert.deepEqual((all.json() as { threads: Array<{ thread: unknown }> }).threads.map((t) => t.thread), ['main'])
    for (const path of ['/debug/profile?seconds=1&thread=1', '/debug/heap?thread=0', '/debug/gc?thread=2']) {
      const r = await request(admin!.port, path, { headers: auth })
      assert.equal(r.status, 404, path)
      assert.equal((r.json() as { code: string }).code, 'GRIDDLE_ERR_THREAD_NOT_FOUND')
    }
  } finally {
    await app.close()
  }
})
